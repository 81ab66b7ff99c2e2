"""Helpers shared by the web views: data set and period choice, page links."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from phongtrao.catalog.models import DataSet
from phongtrao.catalog.selectors import dataset_get
from phongtrao.datavalues.periods import Period, PeriodKind, period_for_date, period_parse
from phongtrao.orgunits.models import Level, OrgUnit

MSG_NO_DATASET = "Không có biểu mẫu nào áp dụng cho {unit}."
_LEVEL_RANK = {level.value: rank for rank, level in enumerate(Level)}


def datasets_entered_at(unit: OrgUnit) -> list[DataSet]:
    """Return the data sets entered at the unit's own level."""
    return list(DataSet.objects.filter(entry_level=unit.level).order_by("code"))


def datasets_entered_under(unit: OrgUnit) -> list[DataSet]:
    """Return the data sets entered at the unit's level or below it."""
    rank = _LEVEL_RANK[unit.level]
    return [d for d in DataSet.objects.order_by("code") if _LEVEL_RANK[d.entry_level] >= rank]


def dataset_choose(code: str | None, candidates: list[DataSet]) -> DataSet | None:
    """Return the data set named in the request, else the first candidate."""
    if not code:
        return candidates[0] if candidates else None
    return dataset_get(code=code)


def period_choose(text: str | None, dataset: DataSet, unit: OrgUnit | None = None) -> Period:
    """Return the period named in the request, else the data set's period containing today.

    For a unit that no longer exists (or does not yet), the default is its last (or first) period.
    """
    if text:
        return period_parse(text, windows=dataset.windows)
    day = timezone.localdate()
    if unit is not None and unit.valid_to is not None:
        day = min(day, unit.valid_to)
    if unit is not None and unit.valid_from is not None:
        day = max(day, unit.valid_from)
    return period_for_date(PeriodKind(dataset.period_type), day, windows=dataset.windows)


def page_url(name: str, unit: OrgUnit, **params: str) -> str:
    """Return the URL of a unit's page with its query string."""
    query = urlencode({k: v for k, v in params.items() if v})
    return reverse(name, args=[unit.pk]) + (f"?{query}" if query else "")
