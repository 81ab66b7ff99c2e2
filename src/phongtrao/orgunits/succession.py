"""Pure rules of the 2025 conversion: which successor took a split unit's seat."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from phongtrao.core.text import search_key


@dataclass(frozen=True)
class SeatCandidate:
    new_id: int
    new_code: str
    new_short_name: str
    partial: bool


def seat_choose(old_short_name: str, candidates: Sequence[SeatCandidate]) -> int:
    """Return the new_id of the successor presumed to hold the old unit's seat.

    The official table does not say where a split commune's seat went; the presumption is the
    successor that kept the old name, else the one that took the old unit whole, else the lowest
    code. An administrator overrides it (the seat flag or shares on the succession).
    """
    if not candidates:
        raise ValueError("no successor")
    key = search_key(old_short_name)
    named = [c for c in candidates if search_key(c.new_short_name) == key]
    whole = [c for c in candidates if not c.partial]
    pool = named or whole or list(candidates)
    return min(pool, key=lambda c: c.new_code).new_id
