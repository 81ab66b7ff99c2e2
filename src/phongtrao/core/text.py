"""Text helpers: Unicode NFC for everything stored, and diacritic-free keys for search."""

from __future__ import annotations

import unicodedata

_D_STROKE = str.maketrans({"đ": "d", "Đ": "D"})


def nfc(text: str) -> str:
    """Return text in Unicode NFC, the one form Phong Trào stores."""
    return unicodedata.normalize("NFC", text)


def search_key(text: str) -> str:
    """Return a lower-case, diacritic-free form of text, so "ha giang" finds "Hà Giang"."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_STROKE))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())
