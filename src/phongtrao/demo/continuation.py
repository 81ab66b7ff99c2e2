"""The demo goes on past 1/7/2025: its province's records continue in today's communes.

The old province's living records (self-management groups, people under community education,
rehab rounds) are re-homed by the operator's command (`orgunits_rehome`, the seat successor for
the few split communes, as an operator would choose with `--seat`), then today's communes hold
propaganda rounds and send their monthly reports for 2025-07..2026-11 through the one write
path. Nothing dated before 1/7/2025 changes: the seed's figures on the old province stay exact.
Drawn from a random stream of its own, so the records before it are the same as ever.
"""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from phongtrao.accounts.models import User
from phongtrao.catalog.models import CategoryOption, DataElement, DataSet
from phongtrao.core.models import Source
from phongtrao.datavalues.models import PeriodFields, Submission
from phongtrao.datavalues.periods import PeriodKind, periods_between
from phongtrao.datavalues.services.write import Cell, datavalues_write_unscoped
from phongtrao.orgunits.models import Hierarchy, Level, OrgUnit
from phongtrao.registries import models as m
from phongtrao.registries.rehome import EFFECTIVE, orgunits_rehome

from . import names
from .generator import SEED

# The last month reported: today's communes report 2025-07..2026-11 (windows closing on the 14th).
LAST_MONTH = date(2026, 11, 14)
ELEMENTS = ("propaganda_rounds", "propaganda_participants", "model_addresses")


def new_communes(province: OrgUnit) -> list[OrgUnit]:
    """Return today's communes that took in communes of the old province, by code."""
    return list(
        OrgUnit.objects.filter(
            hierarchy=Hierarchy.NEW,
            level=Level.COMMUNE,
            predecessors__old__path__startswith=province.path,
        )
        .distinct()
        .order_by("code")
    )


def demo_continue(*, province: OrgUnit, system: User) -> dict[str, int]:
    """Re-home the province's living records and carry the demo on to 2026-11."""
    plan = orgunits_rehome(actor=system, under=province, use_seat=True, scopes=False)
    totals = plan.totals()
    communes = new_communes(province)
    rng = random.Random(f"{SEED}-{province.code}-{EFFECTIVE.isoformat()}")
    rounds = _propaganda(rng, communes, system)
    values = _monthly_reports(rng, communes, system)
    return {
        "rehomed_groups": totals.get("group", 0),
        "rehomed_episodes": totals.get("episode", 0),
        "rehomed_persons": totals.get("person", 0),
        "propaganda_2026": rounds,
        "values_2026": values,
    }


def _propaganda(rng: random.Random, communes: list[OrgUnit], system: User) -> int:
    """A few propaganda rounds per commune and month, from 1/7/2025 to the last report."""
    rows = []
    days = (LAST_MONTH - EFFECTIVE).days
    for unit in communes:
        activity = rng.uniform(0.3, 1.6)
        for _ in range(round(activity * 17)):
            rows.append(
                m.PropagandaActivity(
                    orgunit=unit,
                    date=EFFECTIVE + timedelta(days=rng.randrange(days + 1)),
                    topic=rng.choice(names.TOPICS),
                    organisers=rng.choice(names.ORGANISERS),
                    attendance=rng.randint(25, 180),
                    created_by=system,
                    updated_by=system,
                )
            )
    m.PropagandaActivity.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _monthly_reports(rng: random.Random, communes: list[OrgUnit], system: User) -> int:
    """Each commune's monthly values, consistent with its registries, through the write path."""
    dataset = DataSet.objects.filter(code="monthly_movement").first()
    if dataset is None:
        return 0
    elements = {e.code: e for e in DataElement.objects.filter(code__in=ELEMENTS)}
    default = CategoryOption.objects.get(combo__code="default", code="default")
    months = periods_between(PeriodKind.MONTH, EFFECTIVE, LAST_MONTH, windows=dataset.windows)
    ids = [u.pk for u in communes]
    activities: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for unit_id, day, people in m.PropagandaActivity.objects.filter(
        orgunit_id__in=ids, created_by=system
    ).values_list("orgunit_id", "date", "attendance"):
        activities[unit_id].append((day, people))
    groups: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    for unit_id, founded, dissolved in m.Group.objects.filter(orgunit_id__in=ids).values_list(
        "orgunit_id", "founded", "dissolved"
    ):
        groups[unit_id].append((founded, dissolved))
    cells: list[Cell] = []
    submissions: list[Submission] = []
    now = timezone.now()
    for period in months:
        for unit in communes:
            done = [a for d, a in activities[unit.pk] if period.start <= d <= period.end]
            active = sum(
                1 for f, d in groups[unit.pk] if f <= period.end and (d is None or d > period.end)
            )
            figures = {"model_addresses": active}
            if done:
                figures.update(propaganda_rounds=len(done), propaganda_participants=sum(done))
            cells += [
                Cell(
                    element=elements[code],
                    option=default,
                    orgunit=unit,
                    period=period,
                    raw=Decimal(value),
                )
                for code, value in figures.items()
            ]
            if period.end < LAST_MONTH or rng.random() < 0.5:
                when = timezone.make_aware(
                    datetime.combine(period.end + timedelta(days=rng.randint(0, 6)), time.min)
                )
                submissions.append(
                    Submission(
                        dataset=dataset,
                        orgunit=unit,
                        submitted_by=system,
                        submitted_at=min(when, now),
                        **PeriodFields.period_fields(period),
                    )
                )
    for chunk in itertools.batched(cells, 2000):
        datavalues_write_unscoped(actor=system, cells=list(chunk), source=Source.IMPORT)
    Submission.objects.bulk_create(submissions, batch_size=2000)
    return len(cells)
