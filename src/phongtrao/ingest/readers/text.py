"""Plain text out of a narrative report (.txt in any Vietnamese encoding, or .docx), in NFC."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from phongtrao.core.errors import InvalidInput
from phongtrao.core.text import nfc

from ..legacy import (
    TCVN3,
    VNI,
    decode_bytes,
    decode_vni,
    legacy_repair,
    tcvn3_letters,
    tcvn3_restore_case,
)

MSG_UNSUPPORTED = "Không đọc được tệp «{name}»: chỉ nhận báo cáo dạng .txt hoặc .docx."
MSG_UNREADABLE = "Không đọc được tệp «{name}»: {reason}."
MSG_NOT_FOUND = "không tìm thấy tệp"
MSG_BAD_DOCX = "tệp không phải tài liệu Word (.docx) hợp lệ"

TEXT_SUFFIXES = {".txt", ".text"}
DOCX_SUFFIXES = {".docx"}


def read_text(path: Path | str) -> str:
    """Return the text of a report file in Unicode NFC, paragraphs separated by newlines."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES | DOCX_SUFFIXES:
        raise InvalidInput(MSG_UNSUPPORTED.format(name=path.name))
    try:
        if suffix in DOCX_SUFFIXES:
            return _read_docx(path)
        return _newlines(decode_bytes(path.read_bytes()))
    except FileNotFoundError as error:
        raise InvalidInput(MSG_UNREADABLE.format(name=path.name, reason=MSG_NOT_FOUND)) from error
    except OSError as error:
        reason = error.strerror or str(error)
        raise InvalidInput(MSG_UNREADABLE.format(name=path.name, reason=reason)) from error


def _newlines(text: str) -> str:
    # Offsets are counted on this text, so one newline convention.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_docx(path: Path) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if not path.exists():
        raise FileNotFoundError(path)
    try:
        document = docx.Document(str(path))
        blocks = list(_blocks(document))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise InvalidInput(MSG_UNREADABLE.format(name=path.name, reason=MSG_BAD_DOCX)) from error
    text = _newlines("\n".join(text for text, _ in blocks))
    if any(legacy for _, legacy in blocks):
        return nfc(text)
    # No run names a legacy font, yet the text may still be TCVN3 or VNI (fonts lost on copy).
    return legacy_repair(text)


def _blocks(container: Any) -> Iterator[tuple[str, bool]]:
    """Yield (text, had a legacy font) for each paragraph, tables' cells in reading order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for block in container.iter_inner_content():
        if isinstance(block, Paragraph):
            yield _paragraph(block)
        elif isinstance(block, Table):
            for row in block.rows:
                seen: set[int] = set()
                for cell in row.cells:
                    # A merged cell comes back once per grid column it spans.
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    yield from _blocks(cell)


def _paragraph(paragraph: Any) -> tuple[str, bool]:
    from docx.text.hyperlink import Hyperlink

    pieces: list[str] = []
    coded: list[bool] = []
    legacy = False
    for item in paragraph.iter_inner_content():
        runs = item.runs if isinstance(item, Hyperlink) else [item]
        for run in runs:
            text = run.text
            encoding, capitals = _font_encoding(_font_name(run, paragraph))
            legacy = legacy or encoding is not None
            if encoding == TCVN3 and not capitals:
                text, marks = tcvn3_letters(text)
            elif encoding == TCVN3:
                text, marks = tcvn3_letters(text)[0].upper(), [False] * len(text)
            else:
                # VNI keeps capitals in its own bytes, so no capitals font is needed.
                text = decode_vni(text) if encoding == VNI else text
                marks = [False] * len(text)
            pieces.append(text)
            coded.extend(marks)
    joined = "".join(pieces)
    return (tcvn3_restore_case(joined, coded) if any(coded) else joined), legacy


def _font_name(run: Any, paragraph: Any) -> str | None:
    if run.font.name:
        return run.font.name
    for style in (run.style, paragraph.style):
        while style is not None:
            if style.font.name:
                return style.font.name
            style = style.base_style
    return None


def _font_encoding(name: str | None) -> tuple[str | None, bool]:
    """Return the legacy encoding a font name implies, and whether it is a capitals font.

    ABC/TCVN3 fonts are named ".VnTime", ".VnArial"... with a trailing "H" for the capitals
    variant (".VnTimeH"); VNI fonts are named "VNI-Times", "VNI-Helve"...
    """
    if not name:
        return None, False
    lowered = name.strip().lower()
    if lowered.startswith(".vn"):
        return TCVN3, lowered.endswith("h")
    if lowered.startswith("vni"):
        return VNI, False
    return None, False
