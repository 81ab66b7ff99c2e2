"""Legacy Vietnamese encodings (TCVN3/ABC and VNI-Windows) to Unicode NFC, and a detector.

Older reports were typed with 8-bit fonts: `.VnTime` (TCVN3, also called ABC, TCVN 5712:1993 VN3)
or `VNI-Times` (VNI-Windows). The file holds cp1252 bytes; the font, not the bytes, made the
letters Vietnamese. Read such bytes as cp1252 and the text shows as "Hµ Giang" (TCVN3) or
"Haø Giang" (VNI); this module turns it back into "Hà Giang".

TCVN3 gives each lower-case letter with its marks one byte in 0xA1-0xFE. It has upper-case
codes only for Ă Â Ê Ô Ơ Ư Đ: a capital with a tone was typed in the companion capital font
(`.VnTimeH`) with the lower-case code, so the bytes cannot tell "ủy" from "Ủy". The decoder
restores capitals where the context shows them (see `_tcvn3_restore_case`).

VNI writes a base ASCII letter followed by one mark byte (`a` + `ù` = á, `a` + `ä` = ậ);
ơ, ư, đ, ỵ and the toned i's are single bytes. Its capitals use the capital mark bytes
(`A` + `Ù` = Á), so case survives.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping, Sequence

from phongtrao.core.text import nfc

UTF8 = "utf-8"
UTF16 = "utf-16"
TCVN3 = "tcvn3"
VNI = "vni"
CP1252 = "cp1252"

# TCVN3 (VN3): byte -> letter. Bytes absent here keep their cp1252 meaning.
TCVN3_TABLE: Mapping[int, str] = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}  # fmt: skip

# VNI-Windows: lower-case letter -> its VNI spelling (as cp1252 characters). Capitals are the
# same spellings upper-cased: "Á" is "AÙ", "Ơ" is "Ô", "Đ" is "Ñ".
VNI_TABLE: Mapping[str, str] = {
    "á": "aù", "à": "aø", "ả": "aû", "ã": "aõ", "ạ": "aï",
    "ă": "aê", "ắ": "aé", "ằ": "aè", "ẳ": "aú", "ẵ": "aü", "ặ": "aë",
    "â": "aâ", "ấ": "aá", "ầ": "aà", "ẩ": "aå", "ẫ": "aã", "ậ": "aä",
    "é": "eù", "è": "eø", "ẻ": "eû", "ẽ": "eõ", "ẹ": "eï",
    "ê": "eâ", "ế": "eá", "ề": "eà", "ể": "eå", "ễ": "eã", "ệ": "eä",
    "í": "í", "ì": "ì", "ỉ": "æ", "ĩ": "ó", "ị": "ò",
    "ó": "où", "ò": "oø", "ỏ": "oû", "õ": "oõ", "ọ": "oï",
    "ô": "oâ", "ố": "oá", "ồ": "oà", "ổ": "oå", "ỗ": "oã", "ộ": "oä",
    "ơ": "ô", "ớ": "ôù", "ờ": "ôø", "ở": "ôû", "ỡ": "ôõ", "ợ": "ôï",
    "ú": "uù", "ù": "uø", "ủ": "uû", "ũ": "uõ", "ụ": "uï",
    "ư": "ö", "ứ": "öù", "ừ": "öø", "ử": "öû", "ữ": "öõ", "ự": "öï",
    "ý": "yù", "ỳ": "yø", "ỷ": "yû", "ỹ": "yõ", "ỵ": "î",
    "đ": "ñ",
}  # fmt: skip

_VNI_ENCODE = {**VNI_TABLE, **{k.upper(): v.upper() for k, v in VNI_TABLE.items()}}
_VNI_DECODE = {v: k for k, v in _VNI_ENCODE.items()}
_VNI_PATTERN = re.compile(
    "|".join(re.escape(s) for s in sorted(_VNI_DECODE, key=len, reverse=True) if len(s) > 1)
    + "|["
    + re.escape("".join(s for s in _VNI_DECODE if len(s) == 1))
    + "]"
)

_TCVN3_DECODE = {chr(code): letter for code, letter in TCVN3_TABLE.items()}
# Capitals with a tone have no TCVN3 code: they are written with the lower-case one.
_TCVN3_ENCODE = {letter: chr(code) for code, letter in TCVN3_TABLE.items()} | {
    letter.upper(): chr(code)
    for code, letter in TCVN3_TABLE.items()
    if letter.upper() not in TCVN3_TABLE.values()
}

# Detection signatures (counted on the text read as cp1252 characters).
# TCVN3: bytes that carry a letter in TCVN3 but are no letter in VNI and rare in cp1252 prose:
# ă â ê ơ ư đ, the capitals Ă Â Ê Ơ Ư Đ and the toned a/ă (à ả ã á ạ ẳ ẵ ắ). 0xAB and 0xBB
# (ô, ằ) are left out because they are also the « » quotation marks.
_TCVN3_SIGNS = re.compile("[\u00a1-\u00aa\u00ac-\u00ae\u00b5-\u00b9\u00bc-\u00be]")
# VNI: a vowel (or VNI's ơ/ư byte) directly followed by a tone or shape byte, as in "aø" (à)
# or "öï" (ự). TCVN3 text makes such pairs only in a few diphthongs ("thuéc" for thuộc).
_VNI_SIGNS = re.compile("[aeouyAEOUYôöÔÖ][ùøûõïâêáàåãäéèúüëÙØÛÕÏÂÊÁÀÅÃÄÉÈÚÜË]")
_TCVN3_LETTERS = re.compile("[" + "".join(chr(code) for code in TCVN3_TABLE) + "]")
# Letters Unicode Vietnamese has and cp1252 has not: their presence means the text is Unicode.
_UNICODE_VIETNAMESE = re.compile(
    "[\u0102\u0103\u0110\u0111\u01a0\u01a1\u01af\u01b0\u0300-\u0323\u1ea0-\u1ef9]"
)
# TCVN3 wins when its signatures reach a quarter of the VNI-like pairs: TCVN3 text shows many
# of its own and few pairs (the seed: 219 to 10), VNI text none of TCVN3's (0 to 400).
TCVN3_SHARE = 0.25
# Signatures needed before text that decoded as UTF-8 is taken for legacy text.
STRICT_SIGNATURES = 3


def decode_tcvn3(text: str, *, capitals: bool = False) -> str:
    """Return TCVN3 text (read as cp1252 characters) in Unicode NFC.

    `capitals` is for text set in a TCVN3 capitals font (.VnTimeH), where every letter is one.
    """
    decoded, coded = tcvn3_letters(text)
    if capitals:
        return nfc(decoded.upper())
    return nfc(tcvn3_restore_case(decoded, coded))


def decode_vni(text: str) -> str:
    """Return VNI-Windows text (read as cp1252 characters) in Unicode NFC."""
    return nfc(_VNI_PATTERN.sub(lambda m: _VNI_DECODE[m.group(0)], text))


def encode_tcvn3(text: str) -> bytes:
    """Return Unicode text as TCVN3 bytes (capitals with tones lose their case, as in TCVN3)."""
    return "".join(_TCVN3_ENCODE.get(ch, ch) for ch in nfc(text)).encode(CP1252)


def encode_vni(text: str) -> bytes:
    """Return Unicode text as VNI-Windows bytes."""
    return "".join(_VNI_ENCODE.get(ch, ch) for ch in nfc(text)).encode(CP1252)


def legacy_guess(text: str, *, weak: bool = False) -> str | None:
    """Return TCVN3 or VNI if text (cp1252 characters) looks written in one, else None.

    Text that may well be Unicode (it decoded as UTF-8) needs a few signatures, since
    Unicode Vietnamese using only Latin-1 letters ("Toàn dân") makes VNI-like pairs. With
    `weak`, for bytes known not to be UTF-8, one signature is enough, and a text showing none
    but some TCVN3 letter byte is taken for TCVN3.
    """
    if _UNICODE_VIETNAMESE.search(text):
        return None
    tcvn3 = len(_TCVN3_SIGNS.findall(text))
    vni = len(_VNI_SIGNS.findall(text))
    if tcvn3 == 0 and vni == 0:
        # A few words may show neither signature ("ñy ban"); a TCVN3 letter byte then decides.
        return TCVN3 if weak and _TCVN3_LETTERS.search(text) else None
    if not weak and tcvn3 + vni < STRICT_SIGNATURES:
        return None
    return TCVN3 if tcvn3 >= TCVN3_SHARE * vni else VNI


def legacy_repair(text: str) -> str:
    """Return text in NFC, converting it first if it is TCVN3 or VNI read as cp1252."""
    guess = legacy_guess(text)
    if guess == TCVN3:
        return decode_tcvn3(text)
    if guess == VNI:
        return decode_vni(text)
    return nfc(text)


def detect_encoding(data: bytes) -> str:
    """Return the encoding of a file's bytes: utf-16, utf-8, tcvn3, vni or cp1252.

    A UTF-16 or UTF-8 byte order mark decides at once. Bytes that decode as UTF-8 are
    UTF-8 (NFC or NFD alike) unless what they spell is legacy text re-saved as UTF-8, which
    `legacy_guess` recognises. Anything else is cp1252 bytes, TCVN3 or VNI by their signatures.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return UTF16
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return legacy_guess(_cp1252(data), weak=True) or CP1252
    return legacy_guess(text) or UTF8


def decode_bytes(data: bytes) -> str:
    """Return a file's bytes as Unicode NFC text, whatever its Vietnamese encoding."""
    encoding = detect_encoding(data)
    if encoding == UTF16:
        return nfc(data.decode(UTF16))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = _cp1252(data)
    if encoding == TCVN3:
        return decode_tcvn3(text)
    if encoding == VNI:
        return decode_vni(text)
    return nfc(text)


def _cp1252(data: bytes) -> str:
    # cp1252 leaves five bytes undefined; they are kept as their Latin-1 characters.
    return data.decode(CP1252, errors="latin1_fallback")


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)  # noqa: S101
    bad = error.object[error.start : error.end]
    return bytes(bad).decode("latin-1"), error.end


codecs.register_error("latin1_fallback", _latin1_fallback)

_WORD = re.compile(r"[^\W\d_]+")


def tcvn3_letters(text: str) -> tuple[str, list[bool]]:
    """Return TCVN3 text with each byte replaced by its letter, and which characters changed.

    No case is restored: callers that join several pieces (runs of a Word paragraph) restore
    it once on the whole with `tcvn3_restore_case`.
    """
    return (
        "".join(_TCVN3_DECODE.get(ch, ch) for ch in text),
        [ch in _TCVN3_DECODE for ch in text],
    )


def tcvn3_restore_case(text: str, coded: Sequence[bool]) -> str:
    """Give back the capitals TCVN3 cannot encode, where the context shows them.

    `coded[i]` tells whether text[i] came from a TCVN3 letter byte; only those change.
    - A line whose other letters are all capitals (4 at least) is a heading: all of it is.
    - A word with a capital after its first letter ("ủY") was typed in capitals.
    - A word that starts a line or a sentence starts with a capital.
    """
    chars = list(text)
    line_start = 0
    for line in text.split("\n"):
        line_coded = coded[line_start : line_start + len(line)]
        plain = [ch for ch, c in zip(line, line_coded, strict=True) if not c and ch.isalpha()]
        if len(plain) >= 4 and all(ch.isupper() for ch in plain):
            chars[line_start : line_start + len(line)] = line.upper()
        else:
            chars[line_start : line_start + len(line)] = _restore_words(line, line_coded)
        line_start += len(line) + 1
    return "".join(chars)


def _restore_words(line: str, coded: Sequence[bool]) -> str:
    chars = list(line)
    for match in _WORD.finditer(line):
        start, end = match.span()
        word = match.group(0)
        from_tcvn3 = coded[start:end]
        if not any(from_tcvn3):
            continue
        plain = [ch for ch, c in zip(word, from_tcvn3, strict=True) if not c]
        if any(ch.isupper() for ch in word[1:]) and not any(ch.islower() for ch in plain):
            chars[start:end] = word.upper()
        elif from_tcvn3[0] and _starts_sentence(line, start):
            chars[start] = word[0].upper()
    return "".join(chars)


def _starts_sentence(line: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and line[i].isspace():
        i -= 1
    if i < 0 or line[i] in '“"':
        return True
    return line[i] in ".!?" and i < start - 1


def is_vietnamese_unicode(text: str) -> bool:
    """Return True if text holds a letter only Unicode Vietnamese has (ư, ơ, đ, ạ, ...)."""
    return bool(_UNICODE_VIETNAMESE.search(text))
