"""A deterministic national data set: registry records and monthly values for every commune.

Densities follow the demo province (Hà Giang, whose records reproduce the seed review): about
145 self-management groups, 37 management episodes, 21 rehab enrolments and 16 propaganda
rounds per commune over 2013-2025, plus monthly values (the reporting windows closing on the
14th) of three indicators kept by no registry for every commune. One commune in twenty keeps
no registries and reports the seed indicators as monthly values instead.

With `scale` below 1 only that share of communes (picked by code, the same ones every time)
gets data: the country keeps its shape, with fewer communes.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction

from phongtrao.catalog.models import CategoryOption, DataElement
from phongtrao.core.models import Source
from phongtrao.datavalues.models import DataValue, PeriodFields
from phongtrao.datavalues.periods import PeriodKind, periods_between
from phongtrao.demo.generator import HANDOVER_SIZES
from phongtrao.orgunits.models import Hierarchy, Level, OrgUnit
from phongtrao.registries import models as m
from phongtrao.registries.indicators import SOURCES

SEED = "phongtrao-bench-1"
START, END = date(2013, 1, 1), date(2025, 6, 30)  # the old tree ends on 30/6/2025
DAYS = (END - START).days
CHUNK = 250  # communes written per batch
BATCH = 5000

# Kept by no registry: every commune enters them monthly.
ENTERED_ONLY = {"public_tips": "sum", "cases_solved": "sum", "front_members": "last"}
# A commune without registries reports these (the monthly_movement form) instead.
SEED_MONTHLY = tuple(code for code in SOURCES if not code.startswith("awards_"))
NO_REGISTRY_SHARE = 0.05
EXTRA_GROUP_TYPES = 22
TYPE_WEIGHTS = {
    "lien_gia_tu_quan": 60,
    "to_an_ninh_nhan_dan": 9,
    "to_hoa_giai": 9,
    "to_pccc": 8,
}

Progress = Callable[[str, int, int], None]


@dataclass
class GenerateResult:
    communes: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, label: str, n: int) -> None:
        self.counts[label] = self.counts.get(label, 0) + n


def _share(code: str) -> float:
    """Return a stable number in [0, 1) for a code, the same on every machine."""
    digest = hashlib.sha256(f"{SEED}:{code}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def communes_for(scale: float) -> list[OrgUnit]:
    """Return the old-tree communes that get data at this scale."""
    qs = OrgUnit.objects.filter(hierarchy=Hierarchy.OLD, level=Level.COMMUNE).order_by("path")
    return [c for c in qs if scale >= 1 or _share(c.code) < scale]


class _Commune:
    """The records of one commune, from its own random stream."""

    def __init__(self, unit: OrgUnit, types: Sequence[m.GroupType]) -> None:
        self.unit = unit
        self.rng = random.Random(f"{SEED}:{unit.code}")  # noqa: S311 (a benchmark, not crypto)
        self.types = types
        self.weights = [TYPE_WEIGHTS.get(t.code, 1) for t in types]
        self.first = max(START, unit.valid_from or START)
        self.last = min(END, unit.valid_to or END)
        self.span = max((self.last - self.first).days, 1)

    def day(self) -> date:
        return self.first + timedelta(days=self.rng.randrange(self.span))

    def person(self) -> m.Person:
        sex = m.Sex.MALE if self.rng.random() < 0.8 else m.Sex.FEMALE
        return m.Person(
            orgunit=self.unit,
            full_name=f"Người {self.unit.code}-{self.rng.randrange(10**6):06d}",
            birth_year=self.rng.randint(1960, 2005),
            sex=sex,
        )

    def groups(self) -> Iterator[m.Group]:
        for k in range(self.rng.randint(60, 230)):
            if self.rng.random() < 0.3:
                founded = date(2005, 1, 1) + timedelta(days=self.rng.randrange(2900))
            else:
                founded = self.day()
            dissolved = None
            if self.rng.random() < 0.15:
                dissolved = founded + timedelta(days=self.rng.randrange(200, 3000))
                dissolved = dissolved if dissolved < self.last else None
            group_type = self.rng.choices(self.types, self.weights)[0]
            yield m.Group(
                orgunit=self.unit,
                name=f"{group_type.name} thôn {k % 25 + 1}",
                group_type=group_type,
                hamlet=f"Thôn {k % 25 + 1}",
                founded=founded,
                dissolved=dissolved,
                members=self.rng.randint(5, 40),
            )

    def propaganda(self) -> Iterator[m.PropagandaActivity]:
        for _ in range(self.rng.randint(8, 24)):
            yield m.PropagandaActivity(
                orgunit=self.unit,
                date=self.day(),
                topic="Tuyên truyền phòng, chống tội phạm",
                attendance=self.rng.randint(20, 300),
            )

    def managed(self) -> Iterator[tuple[m.Person, list[m.ManagementEpisode]]]:
        for _ in range(self.rng.randint(15, 55)):
            person = self.person()
            start = self.day()
            episodes = []
            for _ in range(2 if self.rng.random() < 0.1 else 1):
                end = start + timedelta(days=self.rng.randrange(90, 1100))
                episodes.append(
                    m.ManagementEpisode(
                        orgunit=self.unit,
                        start=start,
                        end=end if end < self.last else None,
                        reason=self.rng.choice(m.ReasonCategory.values),
                        assigned_organisation=m.LeadOrganisation.FRONT,
                    )
                )
                start = end + timedelta(days=self.rng.randrange(30, 400))
                if start >= self.last:
                    break
            yield person, episodes

    def rehab(self) -> Iterator[tuple[m.RehabRound, list[tuple[m.Person, str]]]]:
        for _ in range(self.rng.choice([0, 0, 0, 1, 1, 2])):
            start = self.day()
            round_ = m.RehabRound(
                orgunit=self.unit,
                name="Đợt cai nghiện tại cộng đồng",
                start=start,
                end=start + timedelta(days=self.rng.choice([180, 270, 365])),
            )
            people = []
            for _ in range(self.rng.randint(10, 60)):
                outcome = (
                    m.RehabOutcome.QUIT
                    if self.rng.random() < 0.2
                    else self.rng.choice([m.RehabOutcome.RELAPSED, m.RehabOutcome.DROPPED_OUT])
                )
                people.append((self.person(), outcome))
            yield round_, people

    def incidents(self) -> Iterator[Any]:
        for _ in range(self.rng.randint(0, 8)):
            kind = self.rng.choice(list(HANDOVER_SIZES))
            yield m.Handover(
                orgunit=self.unit,
                date=self.day(),
                kind=kind,
                quantity=Decimal(self.rng.randint(*HANDOVER_SIZES[kind])),
                unit=m.HANDOVER_UNITS[kind],
            )
        if self.rng.random() < 0.25:
            for _ in range(self.rng.randint(1, 4)):
                yield m.PoppyEradication(
                    orgunit=self.unit,
                    date=self.day(),
                    location="Nương",
                    area_ha=Decimal(self.rng.randint(1, 50)) / 100,
                )
        if self.rng.random() < 0.4:
            yield m.Commendation(
                orgunit=self.unit,
                decision_number=f"{self.rng.randint(1, 900)}/QĐ-UBND",
                decision_date=self.day(),
                authority=self.rng.choice(m.Authority.values),
                form=self.rng.choice(m.AwardForm.values),
                recipient_kind=self.rng.choice(m.RecipientKind.values),
                recipient_name="Ban Công an xã",
            )

    def surrenders(self) -> Iterator[tuple[m.Person, m.Surrender]]:
        for _ in range(self.rng.choice([0, 0, 1, 1, 2, 3])):
            person = self.person()
            yield (
                person,
                m.Surrender(
                    orgunit=self.unit,
                    date=self.day(),
                    person=person,
                    wanted=self.rng.random() < 0.5,
                ),
            )


def _bulk(model: type, rows: list[Any]) -> list[Any]:
    return model.objects.bulk_create(rows, batch_size=BATCH) if rows else []


def _group_types() -> list[m.GroupType]:
    extra = [
        m.GroupType(code=f"bench_{i:02d}", name=f"Mô hình thử nghiệm {i:02d}")
        for i in range(1, EXTRA_GROUP_TYPES + 1)
    ]
    m.GroupType.objects.bulk_create(extra, ignore_conflicts=True)
    return list(m.GroupType.objects.order_by("code"))


def _registries(communes: list[_Commune], result: GenerateResult) -> None:
    groups, propaganda, incidents = [], [], []
    managed, rehab, surrenders = [], [], []
    for c in communes:
        groups += c.groups()
        propaganda += c.propaganda()
        incidents += c.incidents()
        managed += c.managed()
        rehab += c.rehab()
        surrenders += c.surrenders()
    result.add("groups", len(_bulk(m.Group, groups)))
    result.add("propaganda", len(_bulk(m.PropagandaActivity, propaganda)))
    for model in (m.Handover, m.PoppyEradication, m.Commendation):
        rows = [r for r in incidents if isinstance(r, model)]
        result.add(model._meta.model_name, len(_bulk(model, rows)))
    people = _bulk(m.Person, [p for p, _ in managed])
    episodes = [e for person, (_, eps) in zip(people, managed, strict=True) for e in eps]
    for person, (_, eps) in zip(people, managed, strict=True):
        for episode in eps:
            episode.person = person
    result.add("episodes", len(_bulk(m.ManagementEpisode, episodes)))
    rounds = _bulk(m.RehabRound, [r for r, _ in rehab])
    rehab_people = _bulk(m.Person, [p for _, people in rehab for p, _ in people])
    enrolments, at = [], 0
    for round_, (_, people) in zip(rounds, rehab, strict=True):
        for _, outcome in people:
            enrolments.append(
                m.RehabEnrolment(round=round_, person=rehab_people[at], outcome=outcome)
            )
            at += 1
    result.add("rehab_rounds", len(rounds))
    result.add("enrolments", len(_bulk(m.RehabEnrolment, enrolments)))
    surrender_people = _bulk(m.Person, [p for p, _ in surrenders])
    for person, (_, row) in zip(surrender_people, surrenders, strict=True):
        row.person = person
    result.add("surrenders", len(_bulk(m.Surrender, [row for _, row in surrenders])))
    result.add("persons", len(people) + len(rehab_people) + len(surrender_people))


def _values(
    units: list[OrgUnit],
    codes: Sequence[str],
    elements: dict[str, DataElement],
    option: CategoryOption,
    result: GenerateResult,
) -> None:
    months = [
        p
        for p in periods_between(PeriodKind.MONTH, START, END, windows=True)
        if p.end <= END and p.start >= START - timedelta(days=31)
    ]
    rows = []
    for unit in units:
        rng = random.Random(f"{SEED}:values:{unit.code}")  # noqa: S311
        level = {code: rng.randint(50, 2000) for code in codes}
        for period in months:
            fields = PeriodFields.period_fields(period)
            for code in codes:
                element = elements[code]
                if element.time_aggregation == "sum":
                    value = rng.choice([0, 0, 1, 1, 2, 3, 5, 8])
                else:  # stocks and distinct counts drift slowly
                    level[code] = max(0, level[code] + rng.randint(-3, 5))
                    value = level[code]
                rows.append(
                    DataValue(
                        element=element,
                        option=option,
                        orgunit=unit,
                        value=Decimal(value),
                        source=Source.IMPORT,
                        **fields,
                    )
                )
        if len(rows) >= 50 * BATCH:
            result.add("values", len(_bulk(DataValue, rows)))
            rows = []
    result.add("values", len(_bulk(DataValue, rows)))


def generate(*, scale: float = 1.0, progress: Progress | None = None) -> GenerateResult:
    """Write the data set for the communes of this scale through bulk_create."""
    progress = progress or (lambda stage, done, total: None)
    types = _group_types()
    units = communes_for(scale)
    elements = {e.code: e for e in DataElement.objects.all()}
    option = CategoryOption.objects.get(combo__code="default", code="default")
    result = GenerateResult(communes=len(units))
    keeping = [u for u in units if _share(f"registry:{u.code}") >= NO_REGISTRY_SHARE]
    reporting = [u for u in units if _share(f"registry:{u.code}") < NO_REGISTRY_SHARE]
    for done in range(0, len(keeping), CHUNK):
        with transaction.atomic():
            _registries([_Commune(u, types) for u in keeping[done : done + CHUNK]], result)
        progress("sổ theo dõi", min(done + CHUNK, len(keeping)), len(keeping))
    for done in range(0, len(units), CHUNK):
        with transaction.atomic():
            _values(units[done : done + CHUNK], list(ENTERED_ONLY), elements, option, result)
        progress("số liệu tháng", min(done + CHUNK, len(units)), len(units))
    for done in range(0, len(reporting), CHUNK):
        with transaction.atomic():
            _values(reporting[done : done + CHUNK], SEED_MONTHLY, elements, option, result)
        progress("báo cáo thay sổ", min(done + CHUNK, len(reporting)), len(reporting))
    result.counts["communes_with_registries"] = len(keeping)
    result.counts["communes_reporting_values"] = len(reporting)
    return result
