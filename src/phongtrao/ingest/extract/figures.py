"""Figures in a report: the numbers that count something, named through the lexicon."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from phongtrao.core.text import nfc

from .numbers import _json_number, scan_number
from .tokens import (
    _DATE_DMY,
    _GLUED,
    _NUM,
    _QUOTES,
    _RANGE,
    _RUN,
    _SENTENCE_END,
    _SLASH,
    _SO,
    _UNIT_KEYS,
    DATE_CUES,
    FILLERS,
    FUNCTION_WORDS,
    LABELS,
    MODEL_NAME_WORDS,
    MULTIPLIERS,
    NOT_LABEL_BEFORE_SO,
    NOUN_MAX_WORDS,
    NOUN_STOPS,
    NUMBER_MARK,
    PART_MARKERS,
    QUALIFIERS,
    QUOTED_NAME_WORDS,
    SAME_UNIT_PART_MARKERS,
    TIME_UNITS,
    UNIT_HEAD_WORDS,
    YEAR_CUES,
    _keys,
    _keys_at,
    _Token,
    fold,
)


@dataclass(frozen=True)
class Figure:
    """One number the report states, what it counts and where it is."""

    indicator: str | None
    value: Decimal
    unit: str
    qualifier: str | None
    quote: str
    start: int
    end: int
    noun: str = ""
    part_of: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "value": _json_number(self.value),
            "unit": self.unit,
            "qualifier": self.qualifier,
            "quote": self.quote,
            "start": self.start,
            "end": self.end,
            "noun": self.noun,
            "part_of": self.part_of,
        }


# --- Finding figures ----------------------------------------------------------------------


@dataclass
class _Candidate:
    value: Decimal
    first: int  # index of the first token of the figure (its qualifier, or the number)
    after: int  # index of the first token after the number and its multiplier
    start: int
    end: int  # end of number, multiplier and unit
    qualifier: str | None
    unit: str
    noun_start: int
    noun_end: int
    part_of: int | None = None
    denominator: bool = False


def _find_figures(text: str, tokens: list[_Token]) -> list[_Candidate]:
    found: list[_Candidate] = []
    by_start = {t.start: i for i, t in enumerate(tokens)}
    skip_until = -1
    for i, token in enumerate(tokens):
        if token.kind != "num" or token.start < skip_until:
            continue
        run = _RUN.match(text, token.start).group(0).rstrip(".,/-")  # type: ignore[union-attr]
        skip_until = token.start + len(run)
        if _glued_before(text, token.start):
            continue
        figures = _read_run(text, tokens, i, run, by_start)
        for figure in figures:
            # "2 tỷ 500 triệu" is one figure: its inner numbers are not read again.
            skip_until = max(skip_until, tokens[figure.after - 1].end)
        found.extend(figures)
    return found


def _glued_before(text: str, start: int) -> bool:
    """Return True if the number continues a code before it ("Z115", "COVID-19")."""
    if start == 0:
        return False
    before = text[start - 1]
    if before.isalnum() or before == "_":
        return True
    return before in "/-." and start >= 2 and text[start - 2].isalnum()


def _read_run(
    text: str, tokens: list[_Token], i: int, run: str, by_start: dict[int, int]
) -> list[_Candidate]:
    """Return the figures a run of digits and marks holds (none, one, or two for a fraction)."""
    if re.search(r"[^\W\d_]", run):
        glued = _GLUED.fullmatch(run)
        if glued is None:
            return []  # a reference or a code: 09/CTr-BCA-MTTW, 12-NQ/TW, 4G
        run = glued.group(1)
    if _DATE_DMY.fullmatch(run) or _RANGE.fullmatch(run):
        return []  # a date (1/8/2013) or a range (2013-2023, 3-4)
    slash = _SLASH.fullmatch(run)
    if slash:
        return _read_fraction(tokens, i, slash, by_start)
    if not re.fullmatch(_NUM, run):
        return []
    value = scan_number(run)
    if value is None or _not_a_figure(tokens, i, run):
        return []
    figure = _candidate(tokens, i, i, value)
    return [figure] if figure else []


def _read_fraction(
    tokens: list[_Token], i: int, slash: re.Match[str], by_start: dict[int, int]
) -> list[_Candidate]:
    left, right = slash.group(1), slash.group(2)
    a, b = scan_number(left), scan_number(right)
    j = by_start.get(tokens[i].start + len(left) + 1)
    if a is None or b is None or j is None:
        return []
    if _is_date(tokens, i, left, right, j):
        return []
    if _label_before(tokens, i) or not _counted_after(tokens, j + 1):
        return []
    denominator = _candidate(tokens, j, j, b)
    numerator = _candidate(tokens, i, j, a)
    if denominator is None or numerator is None:
        return []
    return [replace(numerator, part_of=-1), replace(denominator, denominator=True)]


def _is_date(tokens: list[_Token], i: int, left: str, right: str, j: int) -> bool:
    if not (left.isdigit() and right.isdigit()):
        return False
    a, b = int(left), int(right)
    if len(right) == 4 and 1 <= a <= 12:
        return True  # month/year: 5/2023
    valid = 1 <= a <= 31 and 1 <= b <= 12
    previous = _previous_words(tokens, i, 1)
    if valid and previous[-1:] in DATE_CUES:
        return True
    return valid and (not _counted_after(tokens, j + 1) or a > b)


def _previous_words(tokens: list[_Token], i: int, n: int) -> tuple[str, ...]:
    """Return the keys of up to n word tokens right before token i (stopping at others)."""
    words: list[str] = []
    k = i - 1
    while k >= 0 and len(words) < n and tokens[k].kind == "word":
        words.insert(0, tokens[k].key)
        k -= 1
    return tuple(words)


def _label_before(tokens: list[_Token], i: int) -> bool:
    words = _previous_words(tokens, i, 3)
    if not words:
        return False
    if words[-1:] == _SO:
        return not (len(words) >= 2 and (words[-2],) in NOT_LABEL_BEFORE_SO)
    return words[-1:] in LABELS or words[-2:] in LABELS


def _capitalised_name_before(tokens: list[_Token], i: int) -> bool:
    """Return True for a capitalised word right before, inside a sentence ("Trung đoàn 915")."""
    if i == 0 or tokens[i - 1].kind != "word" or not tokens[i - 1].text[0].isupper():
        return False
    k = i - 2
    return k >= 0 and tokens[k].kind not in {"nl"} and tokens[k].text not in _SENTENCE_END


def _counted_after(tokens: list[_Token], j: int) -> bool:
    """Return True if token j can start what a number counts (a noun, "%", a multiplier)."""
    if j >= len(tokens):
        return False
    token = tokens[j]
    if token.text == "%":
        return True
    if token.kind != "word":
        return False
    return not _starts_with(tokens, j, FUNCTION_WORDS | TIME_UNITS)


def _starts_with(tokens: list[_Token], j: int, phrases: Iterable[tuple[str, ...]]) -> bool:
    return any(_keys_at(tokens, j, len(p)) == p for p in phrases)


def _not_a_figure(tokens: list[_Token], i: int, run: str) -> bool:
    j = i + 1
    if _label_before(tokens, i):
        return True
    if _starts_with(tokens, j, TIME_UNITS | MODEL_NAME_WORDS):
        return True  # "10 năm", "5 giúp 1", "3 không"
    if run.isdigit() and len(run) == 4 and 1900 <= int(run) <= 2100:
        words = _previous_words(tokens, i, 1)
        if (words and words[-1:] in YEAR_CUES) or _unit_at(tokens, j) is None:
            return True  # a year
    if _capitalised_name_before(tokens, i) and _unit_at(tokens, j) is None:
        return True
    return _inside_short_quote(tokens, i)


def _inside_short_quote(tokens: list[_Token], i: int) -> bool:
    """Return True for a number inside a short quoted name (“5 giúp 1”, “3 không”)."""
    opening = closing = False
    for k in range(i - 1, max(-1, i - QUOTED_NAME_WORDS), -1):
        if tokens[k].text in _QUOTES or tokens[k].text in _SENTENCE_END:
            opening = tokens[k].text in {"“", '"', "«"}
            break
    for k in range(i + 1, min(len(tokens), i + QUOTED_NAME_WORDS)):
        if tokens[k].text in _QUOTES or tokens[k].text in _SENTENCE_END:
            closing = tokens[k].text in {"”", '"', "»"}
            break
    return opening and closing


def _unit_at(tokens: list[_Token], j: int) -> tuple[str, int] | None:
    """Return the unit starting at token j and the index after it."""
    for keys, unit in _UNIT_KEYS:
        if _keys_at(tokens, j, len(keys)) == keys:
            return unit, j + len(keys)
    return None


def _candidate(
    tokens: list[_Token], first_number: int, i: int, value: Decimal
) -> _Candidate | None:
    """Build a figure whose number (its last part) is token i, first part token first_number."""
    j = i + 1
    value, j = _multiply(tokens, j, value)
    multiplied = j > i + 1
    if not multiplied and not _counted_after(tokens, j):
        return None
    qualifier, first = _qualifier_before(tokens, first_number)
    unit = ""
    end = tokens[j - 1].end
    noun_start = j
    found = _unit_at(tokens, j) if j < len(tokens) else None
    if found:
        unit, after_unit = found
        end = tokens[after_unit - 1].end
        if unit in {"%", "phần trăm"}:
            noun_start = after_unit
    return _Candidate(
        value=value,
        first=first,
        after=j,
        start=tokens[first].start,
        end=end,
        qualifier=qualifier,
        unit="%" if unit == "phần trăm" else unit,
        noun_start=noun_start,
        noun_end=_noun_end(tokens, noun_start),
    )


def _multiply(tokens: list[_Token], j: int, value: Decimal) -> tuple[Decimal, int]:
    """Apply "nghìn", "triệu", "tỷ" after a number, and "1 tỷ 200 triệu" sums."""
    last = None
    while j < len(tokens) and tokens[j].key in MULTIPLIERS:
        last = MULTIPLIERS[tokens[j].key]
        value *= last
        j += 1
    while (
        last is not None
        and j + 1 < len(tokens)
        and tokens[j].kind == "num"
        and tokens[j + 1].key in MULTIPLIERS
        and MULTIPLIERS[tokens[j + 1].key] < last
    ):
        part = scan_number(tokens[j].text)
        if part is None:
            break
        last = MULTIPLIERS[tokens[j + 1].key]
        value += part * last
        j += 2
    return value, j


def _qualifier_before(tokens: list[_Token], i: int) -> tuple[str | None, int]:
    for size in (2, 1):
        if i - size >= 0 and tokens[i - size].kind == "word":
            keys = _keys_at(tokens, i - size, size)
            if keys in QUALIFIERS:
                return QUALIFIERS[keys], i - size
    return None, i


def _noun_end(tokens: list[_Token], j: int) -> int:
    k = j
    while (
        k < len(tokens)
        and k - j < NOUN_MAX_WORDS
        and tokens[k].kind == "word"
        and (k == j or not _starts_with(tokens, k, NOUN_STOPS))
    ):
        k += 1
    return k


def _attach_parts(found: list[_Candidate], tokens: list[_Token]) -> list[_Candidate]:
    """Fill `part_of`: fractions' numerators, and figures after "trong đó" or "gồm"."""
    figures = sorted(found, key=lambda f: f.start)
    for index, figure in enumerate(figures):
        if figure.part_of == -1:
            figure.part_of = index + 1
    for k in range(len(tokens)):
        same_unit = _starts_with(tokens, k, SAME_UNIT_PART_MARKERS)
        if not (same_unit or _starts_with(tokens, k, PART_MARKERS)):
            continue
        marker = tokens[k]
        if k > 0 and tokens[k - 1].key == fold("bao") and same_unit:
            continue  # "bao gồm" is read at "bao"
        parent = _parent_before(figures, tokens, k)
        if parent is None:
            continue
        clause_end = _clause_end(tokens, k)
        # The first figure after "trong đó" is a part; the ones after it in the same unit
        # continue the list ("122 đối tượng truy nã, 15 đối tượng nghiện"); another unit
        # ends it ("..., giúp làm rõ 87 vụ"). After "gồm", parts share the whole's unit.
        unit = figures[parent].unit if same_unit else None
        for figure in figures:
            if not (marker.end <= figure.start < clause_end) or figure.part_of is not None:
                continue
            unit = figure.unit if unit is None else unit
            if figure.unit != unit:
                break
            figure.part_of = parent
    return figures


def _parent_before(figures: list[_Candidate], tokens: list[_Token], k: int) -> int | None:
    """Return the figure a part marker at token k refers to: the last one before it.

    It must stand in the same sentence, or in the sentence before when the marker opens one.
    """
    marker_start = tokens[k].start
    sentence_start = _sentence_start(tokens, k)
    if tokens[sentence_start].start == marker_start and sentence_start > 0:
        sentence_start = _sentence_start(tokens, sentence_start - 1)
    low = tokens[sentence_start].start
    before = [
        i
        for i, f in enumerate(figures)
        if low <= f.start and f.end <= marker_start and not f.denominator
    ]
    return before[-1] if before else None


def _sentence_start(tokens: list[_Token], k: int) -> int:
    while k > 0 and tokens[k - 1].text not in _SENTENCE_END:
        k -= 1
    return k


def _clause_end(tokens: list[_Token], k: int) -> int:
    while k < len(tokens) and tokens[k].text not in _SENTENCE_END:
        k += 1
    return tokens[k].start if k < len(tokens) else tokens[-1].end + 1


# --- Naming figures through the lexicon --------------------------------------------------


@dataclass(frozen=True)
class _Phrase:
    code: str
    before: tuple[str, ...]
    after: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.before) + len(self.after)


def _parse_lexicon(lexicon: Mapping[str, Sequence[str]]) -> dict[str, list[_Phrase]]:
    """Return the phrases by the first word after the number ("" for those with none)."""
    phrases: dict[str, list[_Phrase]] = {}
    for code, texts in lexicon.items():
        for text in texts:
            before, mark, after = nfc(text).partition(NUMBER_MARK)
            if not mark:
                before, after = "", before
            parsed = _Phrase(code, _keys(before), _keys(after))
            if parsed.size:
                phrases.setdefault(parsed.after[0] if parsed.after else "", []).append(parsed)
    return phrases


def _phrases_for(
    tokens: list[_Token], candidate: _Candidate, phrases: dict[str, list[_Phrase]]
) -> list[_Phrase]:
    k = candidate.after
    while k < len(tokens) and tokens[k].text in _QUOTES:
        k += 1
    first = tokens[k].key if k < len(tokens) else ""
    return phrases.get(first, []) + (phrases.get("", []) if first else [])


def _name_figure(
    text: str,
    tokens: list[_Token],
    candidate: _Candidate,
    figures: list[_Candidate],
    phrases: dict[str, list[_Phrase]],
) -> Figure:
    """Return the figure with its indicator (when one phrase fits best), unit and quote."""
    contexts = [candidate.first]
    parent = figures[candidate.part_of] if candidate.part_of is not None else None
    if parent is not None and not parent.denominator:
        # A part may share its whole's verb: "bắt 30 đối tượng, trong đó 5 đối tượng truy nã".
        contexts.append(parent.first)
    best: dict[str, tuple[int, int, int]] = {}
    for phrase in _phrases_for(tokens, candidate, phrases):
        if candidate.denominator != (phrase.before[-1:] == ("/",)):
            continue
        after_end = _after_matches(tokens, candidate.after, phrase.after)
        if after_end is None:
            continue
        for n, first in enumerate(contexts):
            begin = _before_matches(tokens, first, phrase.before)
            if begin is None:
                continue
            own_begin = begin if n == 0 and not candidate.denominator else candidate.first
            score = (phrase.size, own_begin, after_end)
            if phrase.code not in best or score[0] > best[phrase.code][0]:
                best[phrase.code] = score
            break
    indicator, begin_token, end_token = _choose(best)
    noun_start, noun_end = candidate.noun_start, candidate.noun_end
    start, end, unit = candidate.start, candidate.end, candidate.unit
    if indicator is not None:
        start = min(start, tokens[begin_token].start)
        if end_token > candidate.after:
            end = max(end, tokens[end_token - 1].end)
            unit = unit or text[tokens[candidate.after].start : tokens[end_token - 1].end]
    elif noun_end > noun_start:
        end = max(end, tokens[noun_end - 1].end)
    if text.count("“", start, end) > text.count("”", start, end) and text[end : end + 1] == "”":
        end += 1  # close the quotation the quote opens: “An toàn về ANTT”
    noun = head = ""
    if noun_end > noun_start:
        noun = text[tokens[noun_start].start : tokens[noun_end - 1].end]
        head_end = min(noun_end, noun_start + UNIT_HEAD_WORDS)
        head = text[tokens[noun_start].start : tokens[head_end - 1].end]
    return Figure(
        indicator=indicator,
        value=candidate.value,
        unit=unit or head,
        qualifier=candidate.qualifier,
        quote=text[start:end],
        start=start,
        end=end,
        noun=noun,
        part_of=candidate.part_of,
    )


def _choose(best: dict[str, tuple[int, int, int]]) -> tuple[str | None, int, int]:
    if not best:
        return None, 0, 0
    top = max(score[0] for score in best.values())
    winners = [code for code, score in best.items() if score[0] == top]
    if len(winners) != 1:
        return None, 0, 0  # two elements fit equally well: leave it to a person
    _, start, end = best[winners[0]]
    return winners[0], start, end


def _after_matches(tokens: list[_Token], j: int, after: tuple[str, ...]) -> int | None:
    """Return the index after `after` if the tokens from j start with it (quotes skipped)."""
    keys: list[str] = []
    k = j
    while k < len(tokens) and len(keys) < len(after):
        if tokens[k].text not in _QUOTES:
            keys.append(tokens[k].key)
        k += 1
    return k if tuple(keys) == after else None


def _before_matches(tokens: list[_Token], first: int, before: tuple[str, ...]) -> int | None:
    """Return the index where `before` starts if it ends right before token `first`.

    Quotation marks are skipped, and up to two filler words ("được", "có", "cho"...) may
    stand between the phrase and the number.
    """
    if not before:
        return first
    reach = len(before) + 2 * len(_QUOTES) + 4
    indices = [k for k in range(max(0, first - reach), first) if tokens[k].text not in _QUOTES]
    skips = [0]
    while len(skips) < 3 and len(indices) > skips[-1]:
        last = len(indices) - skips[-1]
        one = (tokens[indices[last - 1]].key,)
        two = tuple(tokens[k].key for k in indices[max(0, last - 2) : last])
        if one in FILLERS:
            skips.append(skips[-1] + 1)
        elif len(two) == 2 and two in FILLERS:
            skips.append(skips[-1] + 2)
        else:
            break
    for skip in skips:
        window = indices[len(indices) - skip - len(before) : len(indices) - skip]
        if len(window) == len(before) and tuple(tokens[k].key for k in window) == before:
            return window[0]
    return None
