"""The registries as SQL sources: which rows an indicator counts, and how.

Each source is one table (with its joins) read in one query for all of its indicators. Three
shapes cover every indicator that `catalog.indicators` computes from a registry:

- FLOW: dated rows, counted or summed when the date lies in the period (propaganda rounds,
  hand-overs, surrenders...);
- STOCK: rows alive at the period's end, founded <= end < dissolved (self-management groups);
  counted, or their distinct identities counted (model types);
- SPAN: rows whose [start, end] overlaps the period; the people in them counted once (managed
  persons, rehab participants).

The SQL here holds only column names and constants from this file; values travel as parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache

from django.db.models import Model

from phongtrao.catalog.indicators import INDICATORS, identities
from phongtrao.registries import models as m


class Shape(StrEnum):
    FLOW = "flow"
    STOCK = "stock"
    SPAN = "span"


class Agg(StrEnum):
    COUNT = "count"
    SUM = "sum"
    DISTINCT = "distinct"


@dataclass(frozen=True)
class Measure:
    """One indicator read from a source: how rows add up, and which rows count."""

    code: str
    agg: Agg
    column: str = ""  # SUM: the amount; DISTINCT: the identity (SPAN sources)
    when: str = ""  # SQL condition on the row, with %s for `params`
    params: tuple[object, ...] = ()
    ident: str | None = None  # STOCK: count only rows of this identity label (a group type)
    # From the roll-up, only rows of this ident: a FLOW's events, a SPAN's people ("" if None).
    rollup_ident: str | None = None


@dataclass(frozen=True)
class Event:
    """How a row of a source changes the roll-up: on a day, by a number of rows and an amount.

    SQL over the alias t (a row of the source table) that PostgreSQL and SQLite both read; the
    ident is cast to text and the amount to a number where they are used. A stock has two
    events, its founding (+1) and its dissolution (-1).
    """

    day: str
    ident: str = "''"
    rows: int = 1
    amount: str = "0"
    where: str = ""


@dataclass(frozen=True)
class Spans:
    """How the rows of one table give a span registry's people: who, where, from and to.

    SQL over the alias t (a row of `table`) and the tables of `joins`, which PostgreSQL and
    SQLite both read. Each (ident, condition) of `idents` writes the spans the condition holds
    for ("" for all) under that ident: "" counts everyone, an outcome those with it.
    """

    name: str  # the triggers' name
    table: str
    unit: str
    who: str
    start: str
    end: str
    joins: str = ""
    idents: tuple[tuple[str, str], ...] = (("", ""),)
    fill: bool = True  # False: the same spans are filled from another table's rows


@dataclass(frozen=True)
class Source:
    name: str
    shape: Shape
    from_sql: str  # FROM ... with the row alias f
    unit: str  # the row's org unit id
    start: str  # FLOW: the date; STOCK: founded; SPAN: first day
    end: str = ""  # STOCK: dissolved (gone from that day); SPAN: last day, NULL while open
    row_id: str = "f.id"
    breakdown: str = ""  # SQL of the breakdown key, for a figure's split
    breakdown_label: Callable[[str], str] | None = None  # raw key -> breakdown key
    ident: str = ""  # STOCK: identity column (the group type), labelled by `ident_labels`
    ident_labels: Callable[[], dict[object, str]] | None = None
    decimals: int = 0  # decimal places of summed amounts
    measures: tuple[Measure, ...] = field(default_factory=tuple)
    table: str = ""  # the table whose rows make the roll-up events
    events: tuple[Event, ...] = ()
    spans: tuple[Spans, ...] = ()  # SPAN: the tables whose rows make the people roll-up


def _t(model: type[Model]) -> str:
    return model._meta.db_table


def _c(model: type[Model], name: str) -> str:
    return model._meta.get_field(name).column


def _award_option(raw: str) -> str:
    return raw if raw in m.AWARD_OPTIONS else "khac"


def _group_type_codes() -> dict[object, str]:
    return dict(m.GroupType.objects.values_list("pk", "code"))


def _flow(
    name: str,
    model: type[Model],
    date: str,
    measures: tuple[Measure, ...],
    *,
    breakdown: str = "",
    breakdown_label: Callable[[str], str] | None = None,
    decimals: int = 0,
    amount: str = "",
    ident: str = "''",
    where: str = "",
) -> Source:
    """A flow of rows dated by date; where: a condition on the row's columns ({a} its alias)."""
    table = _t(model)
    return Source(
        name=name,
        shape=Shape.FLOW,
        from_sql=f"(SELECT * FROM {table} WHERE {where.format(a=table)}) f"  # noqa: S608 - table and columns from the models
        if where
        else f"{table} f",
        unit=f"f.{_c(model, 'orgunit')}",
        start=f"f.{_c(model, date)}",
        breakdown=breakdown,
        breakdown_label=breakdown_label,
        decimals=decimals,
        measures=measures,
        table=_t(model),
        events=(
            Event(
                day=f"t.{_c(model, date)}",
                ident=ident,
                amount=f"t.{_c(model, amount)}" if amount else "0",
                where=where.format(a="t"),
            ),
        ),
    )


def _with_identities(measures: tuple[Measure, ...]) -> tuple[Measure, ...]:
    """Add, after each measure, the indicators the registry defines as equal to it."""
    equal = identities()
    found: list[Measure] = []
    for measure in measures:
        found.append(measure)
        found += [
            replace(measure, code=code) for code, same in equal.items() if same == measure.code
        ]
    return tuple(found)


@cache
def registry_sources() -> dict[str, Source]:
    """Return the SQL sources by name (after the apps are loaded: names come from models)."""
    group, episode, rround, enrolment = m.Group, m.ManagementEpisode, m.RehabRound, m.RehabEnrolment
    award, surrender = m.Commendation, m.Surrender
    group_types = tuple((i.code, i.group_type) for i in INDICATORS if i.group_type)
    kind_column = f"f.{_c(award, 'recipient_kind')}"
    quit = m.RehabOutcome.QUIT.value
    sources = [
        _flow(
            "propaganda",
            m.PropagandaActivity,
            "date",
            (
                Measure("propaganda_rounds", Agg.COUNT),
                Measure(
                    "propaganda_participants",
                    Agg.SUM,
                    column=f"f.{_c(m.PropagandaActivity, 'attendance')}",
                ),
            ),
            amount="attendance",
        ),
        Source(
            name="groups",
            shape=Shape.STOCK,
            from_sql=f"{_t(group)} f",
            unit=f"f.{_c(group, 'orgunit')}",
            start=f"f.{_c(group, 'founded')}",
            end=f"f.{_c(group, 'dissolved')}",
            ident=f"f.{_c(group, 'group_type')}",
            ident_labels=_group_type_codes,
            table=_t(group),
            # A group dissolved before it was founded (a bulk edit skips `clean`) was never
            # alive, as the records count it: neither event.
            events=(
                Event(
                    day=f"t.{_c(group, 'founded')}",
                    ident=f"t.{_c(group, 'group_type')}",
                    where=f"(t.{_c(group, 'dissolved')} IS NULL "
                    f"OR t.{_c(group, 'dissolved')} >= t.{_c(group, 'founded')})",
                ),
                Event(
                    day=f"t.{_c(group, 'dissolved')}",
                    ident=f"t.{_c(group, 'group_type')}",
                    rows=-1,
                    where=f"t.{_c(group, 'dissolved')} >= t.{_c(group, 'founded')}",
                ),
            ),
            measures=_with_identities(
                (
                    Measure("model_addresses", Agg.COUNT),
                    *(Measure(code, Agg.COUNT, ident=type_code) for code, type_code in group_types),
                    Measure("model_types", Agg.DISTINCT),
                )
            ),
        ),
        Source(
            name="episodes",
            shape=Shape.SPAN,
            from_sql=f"{_t(episode)} f",
            unit=f"f.{_c(episode, 'orgunit')}",
            start=f"f.{_c(episode, 'start')}",
            end=f"f.{_c(episode, 'end')}",
            breakdown=f"f.{_c(episode, 'reason')}",
            spans=(
                Spans(
                    name="episodes",
                    table=_t(episode),
                    unit=f"t.{_c(episode, 'orgunit')}",
                    who=f"t.{_c(episode, 'person')}",
                    start=f"t.{_c(episode, 'start')}",
                    end=f"t.{_c(episode, 'end')}",
                ),
            ),
            measures=(
                Measure(
                    "persons_managed_educated",
                    Agg.DISTINCT,
                    column=f"f.{_c(episode, 'person')}",
                ),
            ),
        ),
        # The part of a round carried on in a successor unit is the same round, not a new one.
        _flow(
            "rehab_rounds",
            rround,
            "start",
            (Measure("rehab_rounds", Agg.COUNT),),
            where=f"{{a}}.{_c(rround, 'continued_from')} IS NULL",
        ),
        Source(
            name="enrolments",
            shape=Shape.SPAN,
            from_sql=(
                f"{_t(enrolment)} f JOIN {_t(rround)} r ON r.{_c(rround, 'id')} = "
                f"f.{_c(enrolment, 'round')}"
            ),
            unit=f"r.{_c(rround, 'orgunit')}",
            start=f"r.{_c(rround, 'start')}",
            end=f"r.{_c(rround, 'end')}",
            breakdown=f"f.{_c(enrolment, 'outcome')}",
            # An enrolment's span is its round's: a change of either moves its people.
            spans=(
                Spans(
                    name="enrolments",
                    table=_t(enrolment),
                    unit=f"r.{_c(rround, 'orgunit')}",
                    who=f"t.{_c(enrolment, 'person')}",
                    start=f"r.{_c(rround, 'start')}",
                    end=f"r.{_c(rround, 'end')}",
                    joins=(
                        f"JOIN {_t(rround)} r ON r.{_c(rround, 'id')} = t.{_c(enrolment, 'round')}"
                    ),
                    idents=(("", ""), (quit, f"t.{_c(enrolment, 'outcome')} = '{quit}'")),
                ),
                Spans(
                    name="enrolment_rounds",
                    table=_t(rround),
                    unit=f"t.{_c(rround, 'orgunit')}",
                    who=f"e.{_c(enrolment, 'person')}",
                    start=f"t.{_c(rround, 'start')}",
                    end=f"t.{_c(rround, 'end')}",
                    joins=(
                        f"JOIN {_t(enrolment)} e "
                        f"ON e.{_c(enrolment, 'round')} = t.{_c(rround, 'id')}"
                    ),
                    idents=(("", ""), (quit, f"e.{_c(enrolment, 'outcome')} = '{quit}'")),
                    fill=False,
                ),
            ),
            measures=(
                Measure("rehab_participants", Agg.DISTINCT, column=f"f.{_c(enrolment, 'person')}"),
                Measure(
                    "rehab_quit",
                    Agg.DISTINCT,
                    column=f"f.{_c(enrolment, 'person')}",
                    when=f"f.{_c(enrolment, 'outcome')} = %s",
                    params=(quit,),
                    rollup_ident=quit,
                ),
            ),
        ),
        _flow(
            "poppy",
            m.PoppyEradication,
            "date",
            (
                Measure(
                    "poppy_destroyed_ha",
                    Agg.SUM,
                    column=f"f.{_c(m.PoppyEradication, 'area_ha')}",
                ),
            ),
            decimals=m.PoppyEradication._meta.get_field("area_ha").decimal_places,
            amount="area_ha",
        ),
        _flow(
            "handovers",
            m.Handover,
            "date",
            (
                Measure(
                    "weapons_explosives_collected",
                    Agg.SUM,
                    column=f"f.{_c(m.Handover, 'quantity')}",
                ),
            ),
            breakdown=f"f.{_c(m.Handover, 'kind')}",
            decimals=m.Handover._meta.get_field("quantity").decimal_places,
            amount="quantity",
        ),
        _flow(
            "surrenders",
            surrender,
            "date",
            (
                Measure("surrendered_subjects", Agg.COUNT),
                Measure(
                    "surrendered_wanted",
                    Agg.COUNT,
                    when=f"f.{_c(surrender, 'wanted')} = %s",
                    params=(True,),
                    rollup_ident="wanted",
                ),
            ),
            ident=f"CASE WHEN t.{_c(surrender, 'wanted')} THEN 'wanted' ELSE '' END",
        ),
        _flow(
            "awards",
            award,
            "decision_date",
            (
                Measure(
                    "awards_collectives",
                    Agg.COUNT,
                    when=f"{kind_column} = %s",
                    params=(m.RecipientKind.COLLECTIVE.value,),
                    rollup_ident=m.RecipientKind.COLLECTIVE.value,
                ),
                Measure(
                    "awards_individuals",
                    Agg.COUNT,
                    when=f"{kind_column} = %s",
                    params=(m.RecipientKind.INDIVIDUAL.value,),
                    rollup_ident=m.RecipientKind.INDIVIDUAL.value,
                ),
            ),
            ident=f"t.{_c(award, 'recipient_kind')}",
            breakdown=f"f.{_c(award, 'form')} || '_' || f.{_c(award, 'authority')}",
            breakdown_label=_award_option,
        ),
    ]
    return {source.name: source for source in sources}


@cache
def source_of() -> dict[str, tuple[Source, Measure]]:
    """Return, for each registry-derived indicator code, its source and measure."""
    return {
        measure.code: (source, measure)
        for source in registry_sources().values()
        for measure in source.measures
    }
