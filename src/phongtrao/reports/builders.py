"""The review of a subtree over a date range, as plain data: figures, series and data quality.

Every figure comes from `analytics.selectors.indicator_figures`, so the review says what the
pivots, the API and the dashboards say.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from phongtrao.analytics.figures import Figure, Origin
from phongtrao.analytics.pivots import ATTRIBUTION_NOTE
from phongtrao.analytics.query import pivot
from phongtrao.analytics.selectors import indicator_figures
from phongtrao.catalog.indicators import (
    indicator_codes,
    indicator_get,
    main_codes,
    part_units,
)
from phongtrao.catalog.models import DataElement, DataSet, ValidationRule
from phongtrao.core.replicas import reading_replica
from phongtrao.datavalues.completeness import completeness_tallies
from phongtrao.datavalues.periods import Period, PeriodKind, periods_between
from phongtrao.datavalues.validation import validation_summary
from phongtrao.orgunits.models import Hierarchy, Level, OrgUnit
from phongtrao.registries import models as rm

from .review import (
    BreakdownItem,
    Child,
    CompletenessLine,
    DatasetCompleteness,
    FigureData,
    FindingLine,
    OrgInfo,
    PeriodFigures,
    Quality,
    Review,
    RuleCount,
    Slice,
    origin_vi,
)

FINDINGS_LISTED = 100
# Checks that validation_run makes besides the catalog's rules.
BUILTIN_RULES = {"non_negative": "Giá trị không được âm", "outlier": "Giá trị bất thường"}
_LEVEL_RANK = {level.value: rank for rank, level in enumerate(Level)}
# The registries' choices that label breakdown keys, by the registry's `breakdown` name.
_BREAKDOWN_CHOICES: dict[str, Any] = {
    "reason": rm.ReasonCategory,
    "outcome": rm.RehabOutcome,
    "handover_kind": rm.HandoverKind,
}
Progress = Callable[[str, int, int], None]


def _quiet(stage: str, done: int, total: int) -> None:
    return None


# --- building ------------------------------------------------------------------------------


@reading_replica()
def review_build(*, root: OrgUnit, start: date, end: date, progress: Progress = _quiet) -> Review:
    """Return the review of root's subtree over [start, end], with the period before it."""
    Period(PeriodKind.RANGE, start, end)  # raises InvalidInput when start > end
    elements = _elements()
    codes, main = indicator_codes(), main_codes()
    steps = len(codes) * 2 + 2

    before = Period(PeriodKind.RANGE, start, end).previous()
    # Every figure of both ranges in one set-wise pass: a few queries per registry source.
    raw = indicator_figures(
        codes=codes, root=root, periods=[Period(PeriodKind.RANGE, start, end), before]
    )
    figures = {code: _figure(raw[(code, 0)], elements) for code in codes}
    progress("số liệu kỳ báo cáo", len(codes), steps)
    previous_figures = {code: _figure(raw[(code, 1)], elements) for code in codes}
    progress("số liệu kỳ trước", len(codes) * 2, steps)
    previous = PeriodFigures(before.start, before.end, previous_figures)

    slices, slice_kind = _slices(start, end)
    charted = [code for code in main if figures[code].value is not None]
    series: dict[str, list[Decimal | None]] = {code: [None] * len(slices) for code in main}
    if charted:
        ranges = [Period(PeriodKind.RANGE, s.start, s.end) for s in slices]
        for cell in pivot(indicators=charted, units=[root], periods=ranges):
            value = cell.value
            series[cell.indicator][ranges.index(cell.period)] = (
                value if isinstance(value, Decimal) else None
            )
    progress("số liệu theo năm", steps - 1, steps)

    quality = _quality(root, start, end)
    progress("chất lượng số liệu", steps, steps)
    return Review(
        org=_org_info(root),
        start=start,
        end=end,
        figures=figures,
        children=_children(root, start, end, figures),
        previous=previous if previous.has_data else None,
        slices=slices,
        slice_kind=slice_kind,
        series=series,
        quality=quality,
    )


def _elements() -> dict[str, DataElement]:
    qs = DataElement.objects.filter(code__in=indicator_codes()).select_related("category_combo")
    return {e.code: e for e in qs.prefetch_related("category_combo__options")}


def _labels(code: str, element: DataElement | None) -> tuple[dict[str, str], list[str]]:
    """Return the labels of a figure's breakdown keys, and the keys in their usual order."""
    labels: dict[str, str] = {}
    order: list[str] = []
    indicator = indicator_get(code)
    breakdown = indicator.breakdown if indicator else ""
    choices = _BREAKDOWN_CHOICES.get(breakdown)
    if choices is not None:
        for value, label in choices.choices:
            labels[value] = label
            order.append(value)
    if element is not None:
        for option in element.category_combo.options.all():
            if option.code == "default":
                continue
            labels[option.code] = f"{option.name} ({option.unit})" if option.unit else option.name
            if option.code not in order:
                order.append(option.code)
    if breakdown == "group_type":
        for type_code, name in rm.GroupType.objects.values_list("code", "name"):
            labels[type_code] = name
    return labels, order


def _figure(raw: Figure, elements: dict[str, DataElement]) -> FigureData:
    code = raw.code
    element = elements.get(code)
    labels, order = _labels(code, element)
    units = part_units(code)
    rank = {key: i for i, key in enumerate(order)}
    # Known keys in their usual order, then the others by size.
    keys = sorted(
        raw.breakdown,
        key=lambda k: (rank.get(k, len(rank)), -raw.breakdown[k] if k not in rank else 0, k),
    )
    return FigureData(
        code=code,
        name=element.name if element else code,
        short_name=element.short_name if element else code,
        unit=element.unit if element else "",
        value_type=element.value_type if element else "integer",
        value=raw.value,
        breakdown=[
            BreakdownItem(k, labels.get(k, k), raw.breakdown[k], units.get(k, "")) for k in keys
        ],
        by_child=dict(raw.by_child),
        sources=raw.sources,
        not_additive=raw.not_additive,
        origin=raw.origin,
        attributed=raw.attributed,
        not_comparable=raw.not_comparable,
    )


def _org_info(root: OrgUnit) -> OrgInfo:
    # The province the unit lies in (itself for a province; the country has none and keeps its
    # own names): the place line and the recipients name it.
    province = root
    if root.depth > 1:
        top = root.ancestor_paths()[1]  # [0] is the tree's root: the country
        province = OrgUnit.objects.filter(path=top, depth=1).first() or root
    return OrgInfo(
        pk=root.pk,
        code=root.code,
        name=root.name,
        short_name=root.short_name,
        unit_type=root.unit_type,
        level=root.level,
        hierarchy=root.hierarchy,
        province_name=province.name,
        province_short_name=province.short_name,
        province_type=province.unit_type,
    )


def _children(root: OrgUnit, start: date, end: date, figures: dict[str, FigureData]) -> list[Child]:
    """Return the children valid during the range, and any other child holding a figure."""
    with_data = {code for f in figures.values() for code in f.by_child}
    found = []
    valid = OrgUnit.objects.filter(parent=root)
    if root.hierarchy != Hierarchy.NEW:  # today's units answer for the whole history
        valid = valid.valid_during(start, end)
    valid_ids = set(valid.values_list("pk", flat=True))
    for unit in OrgUnit.objects.filter(parent=root).order_by("code"):
        if unit.pk in valid_ids or unit.code in with_data:
            found.append(Child(unit.pk, unit.code, unit.name))
    return found


def _year_slice(year: Period, start: date, end: date) -> Slice:
    first, last = max(year.start, start), min(year.end, end)
    # A year cut by the range says which months it covers: "8-12/2013".
    whole = first == year.start and last == year.end
    months = f"{first.month}" if first.month == last.month else f"{first.month}-{last.month}"
    label = str(year.start.year) if whole else f"{months}/{first.year}"
    return Slice(label, first, last)


def _slices(start: date, end: date) -> tuple[list[Slice], str]:
    """Cut the range into calendar years, or months when it lies within one or two years."""
    if end.year - start.year >= 2:
        years = periods_between(PeriodKind.YEAR, start, end)
        return [_year_slice(p, start, end) for p in years], "year"
    months = periods_between(PeriodKind.MONTH, start, end)
    return [
        Slice(f"{p.start.month}/{p.start.year}", max(p.start, start), min(p.end, end))
        for p in months
    ], "month"


# --- data quality --------------------------------------------------------------------------


def _datasets_under(root: OrgUnit) -> list[DataSet]:
    rank = _LEVEL_RANK[root.level]
    return [d for d in DataSet.objects.order_by("code") if _LEVEL_RANK[d.entry_level] >= rank]


def _dataset_completeness(
    dataset: DataSet, root: OrgUnit, start: date, end: date
) -> DatasetCompleteness:
    # Only periods wholly inside the range: the figures use no value of a period that spills out.
    periods = [
        p
        for p in periods_between(
            PeriodKind(dataset.period_type), start, end, windows=dataset.windows
        )
        if p.start >= start and p.end <= end
    ]
    lines: dict[str, CompletenessLine] = {}
    total = CompletenessLine(root.code, root.name)
    # Counted set-wise: the country over ten years is 1,3 M reports a data set.
    for tally in completeness_tallies(dataset=dataset, root=root, periods=periods):
        unit = tally.orgunit
        line = lines.setdefault(unit.code, CompletenessLine(unit.code, unit.name))
        line.add_counts(tally)
        total.add_counts(tally)
    rows = sorted(lines.values(), key=lambda line: line.code)
    return DatasetCompleteness(dataset.code, dataset.name, len(periods), rows, total)


def _quality(root: OrgUnit, start: date, end: date) -> Quality:
    quality = Quality()
    for dataset in _datasets_under(root):
        quality.completeness.append(_dataset_completeness(dataset, root, start, end))
    # Counts of every finding, only the listed ones written out: memory stays bounded.
    summary = validation_summary(root=root, start=start, end=end, limit=FINDINGS_LISTED)
    quality.errors += summary.errors
    quality.warnings += summary.warnings
    counts = summary.by_rule
    names = dict(ValidationRule.objects.values_list("code", "name")) | BUILTIN_RULES
    quality.by_rule = [
        RuleCount(rule, names.get(rule, rule), imp, n) for (rule, imp), n in sorted(counts.items())
    ]
    quality.findings = [
        FindingLine(
            rule=f.rule_code,
            importance=str(f.importance),
            message=f.message,
            org_code=f.orgunit.code if f.orgunit else "",
            org_name=f.orgunit.name if f.orgunit else "",
            period=f.period.label_vi if f.period else "",
        )
        for f in summary.findings
    ]
    return quality


# --- JSON ----------------------------------------------------------------------------------


def json_number(value: Decimal | None) -> int | float | None:
    """Return a JSON number: an int when integral, a float otherwise."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _figure_json(figure: FigureData) -> dict[str, Any]:
    return {
        "value": json_number(figure.value),
        "breakdown": [
            {"key": b.key, "label": b.label, "value": json_number(b.value)}
            for b in figure.breakdown
        ],
        "by_child": {code: json_number(v) for code, v in figure.by_child.items()},
        "sources": figure.sources,
    }


def _origin_json(origin: Origin) -> dict[str, Any] | None:
    if not origin.kind:
        return None
    return {
        "kind": origin.kind,
        "record_units": origin.record_units,
        "entered_units": origin.entered_units,
        "label": origin_vi(origin),
    }


def review_json(review: Review) -> dict[str, Any]:
    """Return the review as JSON-ready data: org, from, to and every indicator's figure."""
    from .narrative import review_narrative

    previous = review.previous
    return {
        "org": review.org.code,
        "from": review.start.isoformat(),
        "to": review.end.isoformat(),
        "figures": {code: _figure_json(f) for code, f in review.figures.items()},
        "org_name": review.org.name,
        "hierarchy": review.org.hierarchy,
        "children": {c.code: c.name for c in review.children},
        "origins": {code: _origin_json(f.origin) for code, f in review.figures.items()},
        "unit_totals": {
            code: [{"unit": unit, "value": json_number(value)} for unit, value in f.unit_totals]
            for code, f in review.figures.items()
            if f.unit_totals
        },
        "previous": None
        if previous is None
        else {
            "from": previous.start.isoformat(),
            "to": previous.end.isoformat(),
            "figures": {
                code: {"value": json_number(f.value), "sources": f.sources}
                for code, f in previous.figures.items()
            },
        },
        "series": {
            "kind": review.slice_kind,
            "periods": [
                {"label": s.label, "from": s.start.isoformat(), "to": s.end.isoformat()}
                for s in review.slices
            ],
            "values": {
                code: [json_number(v) for v in values] for code, values in review.series.items()
            },
        },
        "quality": _quality_json(review.quality),
        "narrative": review_narrative(review).text,
        **_attribution_json(review),
    }


def _attribution_json(review: Review) -> dict[str, Any]:
    """On today's units: which figures were attributed by a split rule, and how much."""
    if review.org.hierarchy != Hierarchy.NEW:
        return {}
    return {
        "attribution_note": ATTRIBUTION_NOTE,
        "attributed": {
            code: {
                "value": json_number(f.attributed),
                "share": json_number(f.attributed_percent),
            }
            for code, f in review.figures.items()
            if f.attributed is not None
        },
        "not_comparable": sorted(code for code, f in review.figures.items() if f.not_comparable),
    }


def _line_json(line: CompletenessLine) -> dict[str, Any]:
    return {
        "org": line.code,
        "name": line.name,
        "expected": line.expected,
        "submitted": line.submitted,
        "on_time": line.on_time,
        "late": line.late,
        "missing": line.missing,
        "not_due": line.not_due,
    }


def _quality_json(quality: Quality) -> dict[str, Any]:
    return {
        "completeness": [
            {
                "dataset": d.code,
                "name": d.name,
                "periods": d.periods,
                "total": _line_json(d.total),
                "rows": [_line_json(r) for r in d.rows],
            }
            for d in quality.completeness
        ],
        "validation": {
            "errors": quality.errors,
            "warnings": quality.warnings,
            "by_rule": [
                {"rule": r.rule, "name": r.name, "importance": r.importance, "count": r.count}
                for r in quality.by_rule
            ],
            "findings": [
                {
                    "rule": f.rule,
                    "importance": f.importance,
                    "message": f.message,
                    "org": f.org_code,
                    "period": f.period,
                }
                for f in quality.findings
            ],
        },
    }
