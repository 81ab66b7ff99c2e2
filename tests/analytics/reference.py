"""The figures computed the slow, obvious way: Python over rows, an oracle for the SQL engine.

Registry rows are read into Python and counted one by one (this was `registry_figure` before
the SQL engine); stored values are rolled up with the pure rules of `analytics.aggregate`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum

from phongtrao.analytics.aggregate import (
    NOT_ADDITIVE,
    Aggregate,
    NotAdditive,
    Observation,
    aggregate,
)
from phongtrao.catalog.models import DataElement
from phongtrao.datavalues.models import DataValue
from phongtrao.orgunits.models import OrgUnit
from phongtrao.registries import models as m
from phongtrao.registries.indicators import Figure, Origin

# A row: (org unit path, identity for distinct counts, amount, breakdown key)
Row = tuple[str, Any, Decimal, str]


def _observations(qs) -> dict[int, list[Observation]]:
    rows = qs.values("orgunit_id", "period_start", "period_end").annotate(total=Sum("value"))
    found: dict[int, list[Observation]] = defaultdict(list)
    for row in rows.order_by():
        found[row["orgunit_id"]].append(
            Observation(row["period_start"], row["period_end"], Decimal(row["total"]))
        )
    return found


def reference_total(
    *, element: DataElement, root: OrgUnit, start: date, end: date, option: str | None = None
) -> Aggregate:
    qs = DataValue.objects.filter(
        element=element,
        orgunit__path__startswith=root.path,
        period_start__gte=start,
        period_end__lte=end,
    )
    if option is not None:
        qs = qs.filter(option__code=option)
    return aggregate(
        _observations(qs), start, end, element.time_aggregation, element.orgunit_aggregation
    )


def _in(day: date, start: date, end: date) -> bool:
    return start <= day <= end


def _overlaps(first: date, last: date | None, start: date, end: date) -> bool:
    return first <= end and (last is None or last >= start)


# What a commune keeps in a registry, read once per call: (model, fields, test of one row
# against a stored value's period and the end of the asked range).
Kept = tuple[type, tuple[str, ...], Callable[[tuple, date, date, date], bool]]


def _dated(model: type, field: str) -> Kept:
    return model, (field,), lambda row, start, end, slot_end: _in(row[0], start, end)


# A stock's registry is kept from its first founding on, whatever the value's period.
_GROUPS_KEPT: Kept = (m.Group, ("founded",), lambda row, start, end, slot_end: row[0] <= slot_end)


def _spans_kept(model: type) -> Kept:
    return model, ("start", "end"), lambda row, start, end, slot_end: _overlaps(*row, start, end)


_GROUPS = (
    "model_types",
    "model_addresses",
    "self_management_organizations",
    "self_managed_household_groups",
    "people_security_teams",
    "mediation_teams",
    "fire_prevention_teams",
)
# code -> the registry whose rows, in a commune, make its stored values for a period not count.
REFERENCE_KEPT: dict[str, Kept] = {
    "propaganda_rounds": _dated(m.PropagandaActivity, "date"),
    "propaganda_participants": _dated(m.PropagandaActivity, "date"),
    **dict.fromkeys(_GROUPS, _GROUPS_KEPT),
    "persons_managed_educated": _spans_kept(m.ManagementEpisode),
    "rehab_rounds": _dated(m.RehabRound, "start"),
    "rehab_participants": _spans_kept(m.RehabRound),
    "rehab_quit": _spans_kept(m.RehabRound),
    "poppy_destroyed_ha": _dated(m.PoppyEradication, "date"),
    "weapons_explosives_collected": _dated(m.Handover, "date"),
    "surrendered_subjects": _dated(m.Surrender, "date"),
    "surrendered_wanted": _dated(m.Surrender, "date"),
    "awards_collectives": _dated(m.Commendation, "decision_date"),
    "awards_individuals": _dated(m.Commendation, "decision_date"),
}


def _kept_rows(kept: Kept, unit_ids: set[int]) -> dict[int, list[tuple]]:
    model, fields, _ = kept
    rows: dict[int, list[tuple]] = defaultdict(list)
    for unit_id, *row in model.objects.filter(orgunit_id__in=unit_ids).values_list(
        "orgunit_id", *fields
    ):
        rows[unit_id].append(tuple(row))
    return rows


def _effective_values(code: str, root: OrgUnit, start: date, end: date, option: str | None = None):
    """Return the stored values under root for the range that count: their commune keeps no
    registry of the indicator for their period."""
    qs = DataValue.objects.filter(
        element__code=code,
        orgunit__path__startswith=root.path,
        period_start__gte=start,
        period_end__lte=end,
    ).select_related("option")
    if option is not None:
        qs = qs.filter(option__code=option)
    values = list(qs)
    kept = REFERENCE_KEPT.get(code)
    if kept is None:
        return values
    rows, keeps = _kept_rows(kept, {v.orgunit_id for v in values}), kept[2]
    return [
        v
        for v in values
        if not any(keeps(row, v.period_start, v.period_end, end) for row in rows[v.orgunit_id])
    ]


def _entered_total(element: DataElement, values: list[DataValue], start: date, end: date):
    cells: dict[tuple[int, date, date], Decimal] = defaultdict(Decimal)
    for v in values:
        cells[(v.orgunit_id, v.period_start, v.period_end)] += v.value
    by_unit: dict[int, list[Observation]] = defaultdict(list)
    for (unit_id, first, last), total in cells.items():
        by_unit[unit_id].append(Observation(first, last, total))
    return aggregate(by_unit, start, end, element.time_aggregation, element.orgunit_aggregation)


def _combine(records: Aggregate, entered: Aggregate, orgunit: str) -> Aggregate:
    if entered is None:
        return records
    if records is None:
        return entered
    if (
        isinstance(records, NotAdditive)
        or isinstance(entered, NotAdditive)
        or orgunit == "distinct"
    ):
        return NOT_ADDITIVE
    return records + entered


def reference_figure(
    *, code: str, root: OrgUnit, start: date, end: date, with_parts: bool = True
) -> Figure:
    """Return the figure by the mixed-source rule, counted the obvious way in Python.

    Without parts, the breakdown and the children's figures are left out (the slow half).
    """
    element = DataElement.objects.select_related("category_combo").filter(code=code).first()
    registry = reference_registry_figure(code=code, root=root, start=start, end=end)
    if element is None:
        return registry or Figure(code=code, value=None)
    records = registry or Figure(code=code, value=None)
    values = _effective_values(code, root, start, end)
    how = element.orgunit_aggregation
    value = _combine(records.value, _entered_total(element, values, start, end), how)
    figure = Figure(
        code=code,
        value=value if isinstance(value, Decimal) else None,
        not_additive=isinstance(value, NotAdditive),
        sources=records.sources + len(values),
        origin=Origin(
            record_units=records.origin.record_units,
            entered_units=len({v.orgunit_id for v in values}),
        ),
    )
    if figure.value is None or not with_parts:
        return figure
    parts = defaultdict(Decimal, records.breakdown)
    for option in element.category_combo.options.exclude(code="default"):
        chosen = _effective_values(code, root, start, end, option=option.code)
        part = _entered_total(element, chosen, start, end)
        if isinstance(part, Decimal):
            parts[option.code] += part
    figure.breakdown = dict(sorted(parts.items()))
    for child in OrgUnit.objects.filter(parent=root):
        child_records = reference_registry_figure(code=code, root=child, start=start, end=end)
        child_values = _effective_values(code, child, start, end)
        part = _combine(
            child_records.value if child_records else None,
            _entered_total(element, child_values, start, end),
            how,
        )
        if isinstance(part, Decimal):
            figure.by_child[child.code] = part
    return figure


def _in_range(qs: QuerySet, name: str, start: date, end: date) -> QuerySet:
    return qs.filter(**{f"{name}__gte": start, f"{name}__lte": end})


def _active_groups(root: OrgUnit, start: date, end: date, type_code: str | None) -> Iterable[Row]:
    # Stocks: the groups active on the range's last day, never a sum over months.
    qs = m.Group.objects.filter(orgunit__path__startswith=root.path, founded__lte=end).filter(
        Q(dissolved__isnull=True) | Q(dissolved__gt=end)
    )
    if type_code:
        qs = qs.filter(group_type__code=type_code)
    for path, pk, type_code_ in qs.values_list("orgunit__path", "pk", "group_type__code"):
        yield path, pk, Decimal(1), type_code_


def _group_types(root: OrgUnit, start: date, end: date) -> Iterable[Row]:
    for path, _pk, one, type_code in _active_groups(root, start, end, None):
        yield path, type_code, one, type_code


def _people_managed(root: OrgUnit, start: date, end: date) -> Iterable[Row]:
    qs = m.ManagementEpisode.objects.filter(
        orgunit__path__startswith=root.path, start__lte=end
    ).filter(Q(end__isnull=True) | Q(end__gte=start))
    for path, person, reason in qs.values_list("orgunit__path", "person_id", "reason"):
        yield path, person, Decimal(1), reason


def _rehab_rounds(root: OrgUnit, start: date, end: date) -> Iterable[Row]:
    qs = _in_range(
        m.RehabRound.objects.filter(orgunit__path__startswith=root.path), "start", start, end
    )
    for path, pk in qs.values_list("orgunit__path", "pk"):
        yield path, pk, Decimal(1), ""


def _rehab_people(root: OrgUnit, start: date, end: date, quit_only: bool) -> Iterable[Row]:
    qs = m.RehabEnrolment.objects.filter(
        round__orgunit__path__startswith=root.path, round__start__lte=end
    ).filter(Q(round__end__isnull=True) | Q(round__end__gte=start))
    if quit_only:
        qs = qs.filter(outcome=m.RehabOutcome.QUIT)
    for path, person, outcome in qs.values_list("round__orgunit__path", "person_id", "outcome"):
        yield path, person, Decimal(1), outcome


def _flow(
    model: type, date_field: str, amount: str | None, breakdown: str | None = None, **filters: Any
) -> Callable[[OrgUnit, date, date], Iterable[Row]]:
    def rows(root: OrgUnit, start: date, end: date) -> Iterable[Row]:
        qs = _in_range(
            model.objects.filter(orgunit__path__startswith=root.path, **filters),
            date_field,
            start,
            end,
        )
        fields = ["orgunit__path", "pk", amount or "pk"] + ([breakdown] if breakdown else [])
        for row in qs.values_list(*fields):
            value = Decimal(row[2]) if amount else Decimal(1)
            yield row[0], row[1], value, row[3] if breakdown else ""

    return rows


def _awards(kind: str) -> Callable[[OrgUnit, date, date], Iterable[Row]]:
    def rows(root: OrgUnit, start: date, end: date) -> Iterable[Row]:
        qs = _in_range(
            m.Commendation.objects.filter(orgunit__path__startswith=root.path, recipient_kind=kind),
            "decision_date",
            start,
            end,
        )
        for path, pk, form, authority in qs.values_list("orgunit__path", "pk", "form", "authority"):
            option = f"{form}_{authority}"
            yield path, pk, Decimal(1), option if option in m.AWARD_OPTIONS else "khac"

    return rows


def _groups_of(type_code: str | None) -> Callable[[OrgUnit, date, date], Iterable[Row]]:
    return lambda root, start, end: _active_groups(root, start, end, type_code)


# code -> (rows, distinct?) : distinct counts count identities, the others add amounts.
REFERENCE_SOURCES: dict[str, tuple[Callable[[OrgUnit, date, date], Iterable[Row]], bool]] = {
    "propaganda_rounds": (_flow(m.PropagandaActivity, "date", None), False),
    "propaganda_participants": (_flow(m.PropagandaActivity, "date", "attendance"), False),
    "model_types": (_group_types, True),
    "model_addresses": (_groups_of(None), False),
    "self_management_organizations": (_groups_of(None), False),
    "self_managed_household_groups": (_groups_of("lien_gia_tu_quan"), False),
    "people_security_teams": (_groups_of("to_an_ninh_nhan_dan"), False),
    "mediation_teams": (_groups_of("to_hoa_giai"), False),
    "fire_prevention_teams": (_groups_of("to_pccc"), False),
    "persons_managed_educated": (_people_managed, True),
    "rehab_rounds": (_rehab_rounds, False),
    "rehab_participants": (lambda r, s, e: _rehab_people(r, s, e, quit_only=False), True),
    "rehab_quit": (lambda r, s, e: _rehab_people(r, s, e, quit_only=True), True),
    "poppy_destroyed_ha": (_flow(m.PoppyEradication, "date", "area_ha"), False),
    "weapons_explosives_collected": (_flow(m.Handover, "date", "quantity", "kind"), False),
    "surrendered_subjects": (_flow(m.Surrender, "date", None), False),
    "surrendered_wanted": (_flow(m.Surrender, "date", None, wanted=True), False),
    "awards_collectives": (_awards(m.RecipientKind.COLLECTIVE), False),
    "awards_individuals": (_awards(m.RecipientKind.INDIVIDUAL), False),
}


def _total(rows: list[Row], distinct: bool) -> Decimal:
    if distinct:
        return Decimal(len({identity for _, identity, _, _ in rows}))
    return sum((amount for _, _, amount, _ in rows), Decimal(0))


def reference_registry_figure(*, code: str, root: OrgUnit, start: date, end: date) -> Figure | None:
    """Return the indicator from registry rows read into Python (None: no registry keeps it)."""
    source = REFERENCE_SOURCES.get(code)
    if source is None:
        return None
    make_rows, distinct = source
    rows = list(make_rows(root, start, end))
    if not rows:
        return Figure(code=code, value=None)
    child_of = _child_resolver(root)
    by_child: dict[str, list[Row]] = defaultdict(list)
    by_key: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_child[child_of(row[0])].append(row)
        if row[3]:
            by_key[row[3]].append(row)
    return Figure(
        code=code,
        value=_total(rows, distinct),
        breakdown={k: _total(v, distinct) for k, v in sorted(by_key.items())},
        by_child={k: _total(v, distinct) for k, v in sorted(by_child.items()) if k},
        sources=len(rows),
        origin=Origin(record_units=len({path for path, _, _, _ in rows})),
    )


def _child_resolver(root: OrgUnit) -> Callable[[str], str]:
    """Return a function from a unit path to the code of root's child above it."""
    depth = len(root.path.rstrip("/").split("/"))

    def child(path: str) -> str:
        parts = path.rstrip("/").split("/")
        return parts[depth] if len(parts) > depth else ""

    return child
