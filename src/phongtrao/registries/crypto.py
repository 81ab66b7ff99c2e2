"""Encryption at rest for national ID numbers, and a keyed hash to find them without decrypting."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from cryptography.fernet import Fernet


# cryptography is imported on first use: the models import this module, and every command
# would otherwise load it at start-up.
def _fernet() -> Fernet:
    from cryptography.fernet import Fernet

    return Fernet(_key())


@lru_cache(maxsize=1)
def _key() -> bytes:
    """Return the field key: PHONGTRAO_FIELD_KEY, else var/field_key made on first use."""
    from_env = os.environ.get("PHONGTRAO_FIELD_KEY")
    if from_env:
        return from_env.encode()
    path = settings.VAR_DIR / "field_key"
    if path.exists():
        return path.read_bytes().strip()
    from cryptography.fernet import Fernet

    key = Fernet.generate_key()
    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    from cryptography.fernet import InvalidToken

    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


def blind_index(text: str) -> str:
    """Return a keyed hash of text: equal IDs match, the ID itself cannot be read back."""
    digest = hmac.new(base64.urlsafe_b64decode(_key()), text.encode(), hashlib.sha256)
    return digest.hexdigest()


def mask(text: str) -> str:
    """Show only the last three digits: 001203004567 -> *********567."""
    if not text:
        return ""
    return "*" * max(len(text) - 3, 0) + text[-3:]
