"""Administrative units a report names ("xã Tân Lập", "các huyện Yên Minh, Mèo Vạc")."""

from __future__ import annotations

from phongtrao.core.text import nfc

from .tokens import _keys, _keys_at, _Token, _tokenize, fold

# --- Administrative units named in the text -----------------------------------------------

ORG_LEVELS = {
    "tỉnh": "tỉnh",
    "thành phố": "thành phố",
    "tp.": "thành phố",
    "tp": "thành phố",
    "huyện": "huyện",
    "quận": "quận",
    "thị xã": "thị xã",
    "xã": "xã",
    "phường": "phường",
    "thị trấn": "thị trấn",
    "đặc khu": "đặc khu",
}
ORG_NAME_MAX_WORDS = 4
_ORG_LEVEL_KEYS = sorted(
    ((_keys(word), level) for word, level in ORG_LEVELS.items()), key=lambda kv: -len(kv[0])
)


def find_org_units(text: str) -> list[str]:
    """Return the administrative units the text names ("huyện Đồng Văn"), in order, once each.

    After a plural ("các huyện Đồng Văn, Mèo Vạc và Yên Minh") or a colon every name listed
    counts; a heading in capitals ("CÔNG AN TỈNH HÀ GIANG") gives "tỉnh Hà Giang".
    """
    text = nfc(text)
    tokens = _tokenize(text)
    names: list[str] = []
    k = 0
    while k < len(tokens):
        level, after = _org_level_at(tokens, k)
        if level is None:
            k += 1
            continue
        capitals = tokens[k].text.isupper()
        plural = k > 0 and tokens[k - 1].key in _PLURALS
        if after < len(tokens) and tokens[after].text == ":":
            plural, after = True, after + 1
        numbered = level in {"phường", "quận"}
        while True:
            name, after = _org_name(tokens, after, numbered=numbered, capitals=capitals)
            if not name:
                break
            if f"{level} {name}" not in names:
                names.append(f"{level} {name}")
            if not (plural and after < len(tokens) and tokens[after].key in _LIST_SEPARATORS):
                break
            after += 1
        k = max(after, k + 1)
    return names


_PLURALS = {fold("các"), fold("những")}
_ORG_LEVEL_FIRST = {keys[0] for keys, _ in _ORG_LEVEL_KEYS}
_LIST_SEPARATORS = {",", fold("và")}


def _org_level_at(tokens: list[_Token], k: int) -> tuple[str | None, int]:
    if tokens[k].key not in _ORG_LEVEL_FIRST:
        return None, k + 1
    for keys, level in _ORG_LEVEL_KEYS:
        if _keys_at(tokens, k, len(keys)) == keys:
            return level, k + len(keys)
    return None, k + 1


def _org_name(tokens: list[_Token], k: int, *, numbered: bool, capitals: bool) -> tuple[str, int]:
    """Return the capitalised name starting at token k, and the index after it."""
    if numbered and k < len(tokens) and tokens[k].kind == "num" and tokens[k].text.isdigit():
        return tokens[k].text, k + 1
    words: list[str] = []
    while k < len(tokens) and len(words) < ORG_NAME_MAX_WORDS and tokens[k].kind == "word":
        word = tokens[k].text
        if capitals and word.isupper():
            word = word.capitalize()
        elif not word[0].isupper() or (len(word) > 1 and word.isupper()):
            break  # lower case ends the name; so does an abbreviation (UBND, ANTT)
        if _org_level_at(tokens, k)[0] is not None and words:
            break
        words.append(word)
        k += 1
    return " ".join(words), k
