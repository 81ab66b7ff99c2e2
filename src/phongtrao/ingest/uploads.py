"""Uploaded files kept between the dry run and the confirmed import.

An uploaded file is kept under VAR_DIR/uploads/<token>/ with who uploaded it, so the dry run
and the confirmed import read the same bytes; nothing is written before the confirmation.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import shutil
import time
from pathlib import Path
from typing import Any

from django.conf import settings

from phongtrao.accounts.models import User
from phongtrao.accounts.permissions import user_can
from phongtrao.core.errors import InvalidInput, NotFound, PhongTraoError

logger = logging.getLogger(__name__)

VALUES = "values"
REPORT = "report"
UPLOAD_MAX_AGE_SECONDS = 24 * 3600
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
_META = ".meta.json"

MSG_UPLOAD_GONE = "Tệp đã tải lên không còn (đã nhập, đã hủy hoặc quá một ngày); hãy tải lên lại."
MSG_UNEXPECTED = "Không đọc được tệp «{name}»: nội dung không đúng định dạng đã chọn."
MSG_NO_RIGHT = "Bạn không được nhập tệp này."


def _uploads() -> Path:
    return Path(settings.VAR_DIR) / "uploads"


def _safe_name(name: str) -> str:
    base = Path(name).name.lstrip(".")
    base = re.sub(r"[^\w.\- ]", "_", base).strip() or "tep"
    stem, suffix = Path(base).stem[:80], Path(base).suffix.lower()
    return stem + suffix


def _prune() -> None:
    """Drop uploads nobody confirmed within a day."""
    folder = _uploads()
    if not folder.is_dir():
        return
    limit = time.time() - UPLOAD_MAX_AGE_SECONDS
    for kept in folder.iterdir():
        if kept.is_dir() and kept.stat().st_mtime < limit:
            shutil.rmtree(kept, ignore_errors=True)


def upload_keep(user: User, uploaded: Any, meta: dict[str, Any]) -> str:
    """Store an uploaded file under a fresh random token and return the token."""
    _prune()
    token = secrets.token_urlsafe(24)
    folder = _uploads() / token
    folder.mkdir(parents=True)
    name = _safe_name(uploaded.name)
    with (folder / name).open("wb") as out:
        for chunk in uploaded.chunks():
            out.write(chunk)
    info = {**meta, "name": name, "original": uploaded.name, "user": user.pk}
    (folder / _META).write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
    return token


def upload_get(user: User, token: str) -> tuple[Path, dict[str, Any]]:
    """Return a kept upload of this user; anyone else's, or a gone one, is missing."""
    if not _TOKEN.fullmatch(token):
        raise NotFound(MSG_UPLOAD_GONE)
    folder = _uploads() / token
    try:
        meta = json.loads((folder / _META).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise NotFound(MSG_UPLOAD_GONE) from error
    path = folder / meta.get("name", "")
    if meta.get("user") != user.pk or not path.is_file():
        raise NotFound(MSG_UPLOAD_GONE)
    return path, meta


def upload_drop(token: str) -> None:
    if _TOKEN.fullmatch(token):
        shutil.rmtree(_uploads() / token, ignore_errors=True)


def upload_import(user: User, path: Path, meta: dict[str, Any], *, dry_run: bool) -> dict[str, Any]:
    """Run the import a kept upload was made for (values or a registry); return its report.

    Anything a malformed file may raise becomes InvalidInput, never a traceback.
    """
    name = meta.get("original", path.name)
    try:
        return _import(user, path, meta, dry_run=dry_run)
    except PhongTraoError:
        raise
    except Exception as error:  # noqa: BLE001 - a bad file is a message, not a failure
        logger.exception("import of %s failed", name)
        raise InvalidInput(MSG_UNEXPECTED.format(name=name)) from error


def _import(user: User, path: Path, meta: dict[str, Any], *, dry_run: bool) -> dict[str, Any]:
    from phongtrao.registries.selectors import write_action
    from phongtrao.registries.specs import BY_SLUG

    kind = meta.get("kind", VALUES)
    if kind == VALUES:
        from .services import file_import, guess_format

        fmt = meta.get("format") or guess_format(path)
        return file_import(user=user, path=path, fmt=fmt, dry_run=dry_run)
    from .registry_import import registry_import

    spec = BY_SLUG.get(kind)
    if spec is None or not user_can(user, write_action(spec)):
        raise InvalidInput(MSG_NO_RIGHT)
    return registry_import(user=user, spec=spec, path=path, dry_run=dry_run).as_dict()
