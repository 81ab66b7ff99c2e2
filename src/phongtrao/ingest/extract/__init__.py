"""Figures read out of a Vietnamese narrative report, each with its quote and where it stands.

The package reads a report in layers: `tokens` (words and vocabulary), `numbers`, `figures`
(found, then named through the lexicon), `periods` and `places`.

`extract(text, lexicon)` is a pure function: the lexicon ({element code: [phrases]}) comes from
the catalog (`phongtrao.catalog.selectors.lexicon()`), so administrators teach it new wordings
without code.

A phrase names the words around a number; `#` stands for the number:
- "lượt đoàn viên": the words right after the number (the unit and the counted noun);
- "tuyên truyền # đợt": a verb before the number as well as the unit after it;
- "/# khu dân cư": the denominator of a fraction ("1.042/1.165 khu dân cư"), nothing else.
Matching is case-insensitive, on NFC text, and ignores where the tone mark sits
("hoà"/"hòa", "uỷ"/"ủy"). The longest matching phrase wins; when phrases of two elements
match equally long, the figure keeps `indicator` null.

Shape of a figure (`Figure.as_dict`), besides the keys the issue asks for:
- `noun`: the counted noun phrase as written ("người nghiện ma túy");
- `part_of`: the index (in `figures`) of the figure this one is a part of, or null. Parts are
  the figures after "trong đó" / "trong số đó" up to the end of the clause (the first one,
  then those in the same unit: "209 đối tượng ra đầu thú, trong đó 122 đối tượng truy nã"),
  those after "gồm" / "bao gồm" in the whole's unit, and the numerator of a fraction:
  "1.042/1.165 khu dân cư" gives two figures, 1.042 with `part_of` pointing at 1.165.
  A part without a verb of its own is named with its whole's ("bắt 30 đối tượng, trong đó
  5 đối tượng truy nã": the 5 are wanted persons arrested).

Not figures: dates (30/5, 1/8/2013), years and ranges of years, spans of time ("10 năm"),
references ("số 521", "09/CTr-BCA-MTTW", "12-NQ/TW"), labels and names ("Điều 5", "đợt 2",
"Phường 7", "Trung đoàn 915"), model names ("5 giúp 1", “3 không”), and numbers that count
nothing (a number followed by punctuation or a function word: "đường dây nóng 113.").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from phongtrao.core.text import nfc

from .figures import Figure, _attach_parts, _find_figures, _name_figure, _parse_lexicon
from .numbers import scan_number as scan_number
from .periods import StatedPeriod, find_period
from .places import ORG_LEVELS as ORG_LEVELS
from .places import find_org_units
from .tokens import ABOUT as ABOUT
from .tokens import LESS_THAN as LESS_THAN
from .tokens import MORE_THAN as MORE_THAN
from .tokens import MULTIPLIERS as MULTIPLIERS
from .tokens import NEARLY as NEARLY
from .tokens import NUMBER_MARK as NUMBER_MARK
from .tokens import UNITS as UNITS
from .tokens import _tokenize
from .tokens import fold as fold


@dataclass(frozen=True)
class Extraction:
    figures: list[Figure] = field(default_factory=list)
    period: StatedPeriod | None = None
    org_units: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "figures": [f.as_dict() for f in self.figures],
            "period": self.period.as_dict() if self.period else None,
            "org_units": list(self.org_units),
        }


def extract(text: str, lexicon: Mapping[str, Sequence[str]]) -> Extraction:
    """Return the figures, the period and the administrative units a report states.

    Offsets count characters of `nfc(text)` (the text itself when it is already NFC).
    """
    text = nfc(text)
    tokens = _tokenize(text)
    figures = _attach_parts(_find_figures(text, tokens), tokens)
    phrases = _parse_lexicon(lexicon)
    return Extraction(
        figures=[_name_figure(text, tokens, f, figures, phrases) for f in figures],
        period=find_period(text),
        org_units=find_org_units(text),
    )
