"""The demo province's records, generated from a fixed seed as unsaved rows (no database).

The generator is deterministic: the same province gets the same records every time, spread
unevenly over districts, communes and years, and the province's roll-up over
2013-08-01..2023-05-30 equals every figure of the seed review exactly. `loader.py` saves them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from phongtrao.accounts.models import User
from phongtrao.catalog.models import CategoryOption, DataElement, DataSet
from phongtrao.datavalues.models import Approval, PeriodFields, Submission
from phongtrao.datavalues.periods import Period
from phongtrao.datavalues.services.write import Cell
from phongtrao.orgunits.models import Level, OrgUnit
from phongtrao.registries import crypto
from phongtrao.registries import models as m

from . import names

START, END = date(2013, 8, 1), date(2023, 5, 30)
CONFERENCE_DAY = date(2023, 5, 30)
DEMO_TYPE_PREFIX = "demo_"
SEED = 20130801
AWARD_REASON = (
    "Có thành tích xuất sắc trong thực hiện Chương trình phối hợp số 09/CTr-BCA-MTTW "
    "giai đoạn 2013 – 2023"
)

# The figures of the seed review (../shared/seed/*.gold.json) the demo must reproduce.
TARGETS = {
    "propaganda_rounds": 2500,
    "propaganda_participants": 248_600,
    "model_types": 86,
    "model_addresses": 28_229,
    "self_managed_household_groups": 17_429,
    "people_security_teams": 2_530,
    "mediation_teams": 2_537,
    "fire_prevention_teams": 2_182,
    "persons_managed_educated": 6_626,
    "rehab_rounds": 31,
    "rehab_participants": 6_505,
    "rehab_quit": 1_250,
    "poppy_hundredths_ha": 2_372,  # 23,72 ha: "hơn 23,7 ha"
    "weapons_explosives_collected": 25_643,
    "surrendered_subjects": 209,
    "surrendered_wanted": 122,
}
# Activity by year: the program started in August 2013, peaked before COVID, recovered.
YEAR_WEIGHTS = {
    2013: 0.35,
    2014: 0.8,
    2015: 0.9,
    2016: 1.0,
    2017: 1.1,
    2018: 1.3,
    2019: 1.4,
    2020: 0.75,
    2021: 0.7,
    2022: 1.2,
    2023: 0.45,
}
HANDOVER_SHARES = {
    "dan": 0.62,
    "cong_cu_ho_tro": 0.2,
    "vat_lieu_no": 0.07,
    "sung": 0.05,
    "luu_dan": 0.04,
    "min": 0.02,
}
HANDOVER_SIZES = {
    "dan": (5, 60),
    "cong_cu_ho_tro": (1, 12),
    "vat_lieu_no": (1, 8),
    "sung": (1, 3),
    "luu_dan": (1, 4),
    "min": (1, 3),
}


def allocate(total: int, weights: Sequence[float]) -> list[int]:
    """Split total into integer parts proportional to weights (largest remainder)."""
    scale = sum(weights)
    raw = [total * w / scale for w in weights]
    parts = [int(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


class Generator:
    """Seeded records for one province, as unsaved rows; the loader saves them in this order.

    Each method draws from the one random stream, so the loader must call them in the order
    `demo_load` does: the same calls in the same order give the same records every time.
    """

    def __init__(
        self,
        *,
        province: OrgUnit,
        districts: Sequence[OrgUnit],
        communes: Sequence[OrgUnit],
        system: User,
    ) -> None:
        self.rng = random.Random(f"{SEED}-{province.code}")
        self.province = province
        self.system = system
        self.districts = list(districts)
        self.communes = list(communes)
        # Communes differ: size and activity are drawn per commune, never equal.
        self.size = [self.rng.lognormvariate(0, 0.45) for _ in self.communes]
        self.years = sorted(YEAR_WEIGHTS)
        self.by_district = {
            d.pk: [c for c in self.communes if c.parent_id == d.pk] for d in self.districts
        }

    # ---- small helpers -------------------------------------------------------------------
    def day(self, start: date = START, end: date = END) -> date:
        years = [y for y in self.years if date(y, 12, 31) >= start and date(y, 1, 1) <= end]
        year = self.rng.choices(years, [YEAR_WEIGHTS[y] for y in years])[0]
        first, last = max(start, date(year, 1, 1)), min(end, date(year, 12, 31))
        return first + timedelta(days=self.rng.randrange((last - first).days + 1))

    def commune(self, pool: Sequence[OrgUnit] | None = None) -> OrgUnit:
        pool = pool or self.communes
        if pool is self.communes:
            return self.rng.choices(self.communes, self.size)[0]
        return self.rng.choice(pool)

    def person_name(self, sex: str) -> str:
        given = names.MALE_GIVEN if sex == m.Sex.MALE else names.FEMALE_GIVEN
        return f"{self.rng.choice(names.FAMILY_NAMES)} {self.rng.choice(given)}"

    def person(self, unit: OrgUnit, *, young: bool = False) -> m.Person:
        sex = m.Sex.MALE if self.rng.random() < 0.82 else m.Sex.FEMALE
        born = self.rng.randint(1975 if young else 1960, 2003)
        person = m.Person(
            orgunit=unit,
            full_name=self.person_name(sex),
            birth_year=born,
            sex=sex,
            created_by=self.system,
            updated_by=self.system,
        )
        number = (
            f"002{0 if sex == m.Sex.MALE else 1}{born % 100:02d}{self.rng.randrange(10**6):06d}"
        )
        person.national_id_encrypted = crypto.encrypt(number)
        person.national_id_index = crypto.blind_index(number)
        return person

    def stamp(self, obj: Any) -> Any:
        obj.created_by = self.system
        obj.updated_by = self.system
        return obj

    # ---- registries ----------------------------------------------------------------------
    def propaganda(self) -> list[m.PropagandaActivity]:
        n = TARGETS["propaganda_rounds"]
        weights = [self.rng.uniform(0.4, 1.6) for _ in range(n)]
        attendance = allocate(TARGETS["propaganda_participants"], weights)
        rows = []
        for people in attendance:
            # A few rounds are held by the district for several communes at once.
            unit = self.rng.choice(self.districts) if self.rng.random() < 0.05 else self.commune()
            rows.append(
                self.stamp(
                    m.PropagandaActivity(
                        orgunit=unit,
                        date=self.day(),
                        topic=self.rng.choice(names.TOPICS),
                        organisers=self.rng.choice(names.ORGANISERS),
                        attendance=max(people, 1),
                    )
                )
            )
        return rows

    def group_types_extra(self, *, shipped: int) -> list[m.GroupType]:
        """Return the demo group types that bring the shipped ones up to the seed's count."""
        wanted = TARGETS["model_types"] - shipped
        extra = []
        for i, (form, topic) in enumerate(
            (f, t) for t in names.GROUP_TOPICS for f in names.GROUP_FORMS
        ):
            if i == wanted:
                break
            extra.append(m.GroupType(code=f"{DEMO_TYPE_PREFIX}{i + 1:02d}", name=f"{form} {topic}"))
        return extra

    def groups(self, types: list[m.GroupType]) -> list[m.Group]:
        by_code = {t.code: t for t in types}
        typical = {
            "lien_gia_tu_quan": TARGETS["self_managed_household_groups"],
            "to_an_ninh_nhan_dan": TARGETS["people_security_teams"],
            "to_hoa_giai": TARGETS["mediation_teams"],
            "to_pccc": TARGETS["fire_prevention_teams"],
        }
        others = [t for t in types if t.code not in typical]
        rest = TARGETS["model_addresses"] - sum(typical.values())
        spread = allocate(rest - len(others), [self.rng.uniform(0.2, 3) for _ in others])
        plan = [(by_code[c], n) for c, n in typical.items()] + [
            (t, n + 1) for t, n in zip(others, spread, strict=True)
        ]
        rows = []
        for group_type, count in plan:
            weights = [s * self.rng.uniform(0.7, 1.3) for s in self.size]
            for unit, n in zip(self.communes, allocate(count, weights), strict=True):
                for k in range(n):
                    rows.append(self._group(group_type, unit, k + 1, dissolved=None))
        # Groups that closed before the review's end: real, but not active at its end.
        for k in range(1200):
            founded = date(2008, 1, 1) + timedelta(days=self.rng.randrange(3650))
            gone = founded + timedelta(days=self.rng.randrange(365, 4000))
            rows.append(
                self._group(
                    by_code["lien_gia_tu_quan"],
                    self.commune(),
                    900 + k,
                    dissolved=min(gone, END - timedelta(days=1)),
                    founded=founded,
                )
            )
        return rows

    def _group(
        self,
        group_type: m.GroupType,
        unit: OrgUnit,
        k: int,
        *,
        dissolved: date | None,
        founded: date | None = None,
    ) -> m.Group:
        hamlet = f"{'Tổ dân phố' if unit.unit_type == 'phường' else 'Thôn'} {k % 25 + 1}"
        if founded is None:
            founded = (
                date(2005, 1, 1) + timedelta(days=self.rng.randrange(2900))
                if self.rng.random() < 0.55
                else self.day()
            )
        return self.stamp(
            m.Group(
                orgunit=unit,
                name=f"{group_type.name} {hamlet.lower()}",
                group_type=group_type,
                hamlet=hamlet,
                founded=founded,
                dissolved=dissolved,
                lead_organisation=self.rng.choice(m.LeadOrganisation.values[:7]),
                members=self.rng.randint(5, 40),
            )
        )

    def managed_people(self) -> tuple[list[m.Person], list[tuple[int, dict[str, Any]]]]:
        people, episodes = [], []
        reasons = m.ReasonCategory.values
        orgs = [
            m.LeadOrganisation.FRONT,
            m.LeadOrganisation.WOMEN,
            m.LeadOrganisation.YOUTH,
            m.LeadOrganisation.VETERANS,
            m.LeadOrganisation.FARMERS,
        ]
        for i in range(TARGETS["persons_managed_educated"] + 240):
            unit = self.commune()
            people.append(self.person(unit, young=True))
            before = i >= TARGETS["persons_managed_educated"]  # ended before the review began
            start = (
                date(2010, 1, 1) + timedelta(days=self.rng.randrange(1000))
                if before
                else self.day(END - timedelta(days=3650))
            )
            end = start + timedelta(days=self.rng.randrange(180, 900))
            if before:
                end = min(end, START - timedelta(days=1))
            spans = [(start, None if end > END else end)]
            if not before and self.rng.random() < 0.15 and end < END - timedelta(days=200):
                again = end + timedelta(days=self.rng.randrange(60, 160))
                spans.append((again, None))
            for s, e in spans:
                episodes.append(
                    (
                        i,
                        {
                            "orgunit": unit,
                            "start": s,
                            "end": e,
                            "reason": self.rng.choice(reasons),
                            "assigned_organisation": self.rng.choice(orgs),
                            "mentor": self.person_name(m.Sex.MALE),
                            "result": (
                                m.EpisodeResult.IN_PROGRESS
                                if e is None
                                else self.rng.choice(
                                    [m.EpisodeResult.REFORMED] * 4
                                    + [m.EpisodeResult.REOFFENDED, m.EpisodeResult.MOVED]
                                )
                            ),
                        },
                    )
                )
        return people, episodes

    def rehab(self) -> tuple[list[m.RehabRound], list[m.Person], list[tuple[int, int, str]]]:
        hot = [
            c
            for d in self.districts
            if d.code in {"024", "030", "034", "028"}
            for c in self.by_district[d.pk]
        ] or self.communes
        hosts = self.rng.sample(hot, min(TARGETS["rehab_rounds"], len(hot)))
        while len(hosts) < TARGETS["rehab_rounds"]:
            hosts.append(self.rng.choice(self.communes))
        rounds = []
        for i, unit in enumerate(hosts):
            start = self.day(START, END - timedelta(days=200))
            rounds.append(
                self.stamp(
                    m.RehabRound(
                        orgunit=unit,
                        name=f"Đợt cai nghiện tại cộng đồng số {i + 1}",
                        start=start,
                        end=start + timedelta(days=self.rng.choice([180, 270, 365])),
                    )
                )
            )
        rounds.sort(key=lambda r: r.start)
        sizes = allocate(
            TARGETS["rehab_participants"], [self.rng.uniform(0.5, 1.5) for _ in rounds]
        )
        people: list[m.Person] = []
        enrolments: list[tuple[int, int, str]] = []  # (round index, person index, outcome)
        for r, size in enumerate(sizes):
            for _ in range(size):
                people.append(self.person(rounds[r].orgunit, young=True))
                enrolments.append((r, len(people) - 1, m.RehabOutcome.RELAPSED))
        quitters = set(self.rng.sample(range(len(people)), TARGETS["rehab_quit"]))
        finals = {}
        for idx, (r, p, _) in enumerate(enrolments):
            if p in quitters:
                outcome = m.RehabOutcome.QUIT
            else:
                outcome = self.rng.choice(
                    [
                        m.RehabOutcome.RELAPSED,
                        m.RehabOutcome.DROPPED_OUT,
                        m.RehabOutcome.TRANSFERRED,
                    ]
                )
            enrolments[idx] = (r, p, outcome)
            finals[p] = idx
        # Some who relapsed come back for a later round: one more enrolment, not one more person.
        for p in self.rng.sample([p for p in range(len(people)) if p not in quitters], 300):
            r = enrolments[finals[p]][0]
            if r + 1 < len(rounds):
                later = self.rng.randrange(r + 1, len(rounds))
                enrolments.append((later, p, m.RehabOutcome.RELAPSED))
        return rounds, people, enrolments

    def surrenders(self) -> tuple[list[m.Person], list[dict[str, Any]]]:
        people, rows = [], []
        wanted = set(
            self.rng.sample(range(TARGETS["surrendered_subjects"]), TARGETS["surrendered_wanted"])
        )
        for i in range(TARGETS["surrendered_subjects"]):
            unit = self.commune()
            people.append(self.person(unit))
            day = self.day()
            rows.append(
                {
                    "orgunit": unit,
                    "date": day,
                    "wanted": i in wanted,
                    "warrant_reference": f"{self.rng.randint(10, 480)}/QĐ-TN"
                    if i in wanted
                    else "",
                    "persuading_organisation": self.rng.choice(
                        [
                            m.LeadOrganisation.POLICE,
                            m.LeadOrganisation.FRONT,
                            m.LeadOrganisation.VETERANS,
                            m.LeadOrganisation.GOVERNMENT,
                        ]
                    ),
                }
            )
        return people, rows

    def handovers(self) -> list[m.Handover]:
        kinds = list(HANDOVER_SHARES)
        totals = allocate(
            TARGETS["weapons_explosives_collected"], [HANDOVER_SHARES[k] for k in kinds]
        )
        rows = []
        for kind, total in zip(kinds, totals, strict=True):
            low, high = HANDOVER_SIZES[kind]
            while total > 0:
                quantity = min(total, self.rng.randint(low, high))
                total -= quantity
                rows.append(
                    self.stamp(
                        m.Handover(
                            orgunit=self.commune(),
                            date=self.day(),
                            kind=kind,
                            quantity=Decimal(quantity),
                            unit=m.HANDOVER_UNITS[kind],
                        )
                    )
                )
        return rows

    def poppy(self) -> list[m.PoppyEradication]:
        mountains = [
            c
            for d in self.districts
            if d.code in {"026", "027", "028", "029", "032", "033"}
            for c in self.by_district[d.pk]
        ] or self.communes
        n = 140
        parts = allocate(
            TARGETS["poppy_hundredths_ha"], [self.rng.uniform(0.2, 2) for _ in range(n)]
        )
        rows = []
        for hundredths in parts:
            unit = self.rng.choice(mountains)
            year = self.rng.choices(self.years[1:], [YEAR_WEIGHTS[y] for y in self.years[1:]])[0]
            day = date(year, self.rng.randint(1, 3), self.rng.randint(1, 28))  # crop season
            rows.append(
                self.stamp(
                    m.PoppyEradication(
                        orgunit=unit,
                        date=min(day, END),
                        area_ha=Decimal(max(hundredths, 1)) / 100,
                        location=f"Nương thôn {self.rng.randint(1, 15)}, {unit.name}",
                    )
                )
            )
        surplus = sum(r.area_ha for r in rows) - Decimal(TARGETS["poppy_hundredths_ha"]) / 100
        rows[0].area_ha -= surplus
        return rows

    def welfare(self) -> list[m.WelfareAction]:
        return [
            self.stamp(
                m.WelfareAction(
                    orgunit=self.commune(),
                    date=self.day(),
                    kind=self.rng.choice(m.WelfareKind.values),
                    description="Tặng quà gia đình chính sách, hộ nghèo",
                    value_vnd=Decimal(self.rng.randrange(2, 300) * 500_000),
                )
            )
            for _ in range(420)
        ]

    def evaluations(self, team_ids: Sequence[int]) -> list[m.GroupEvaluation]:
        """Return a 2022 grade for each people's security team still active."""
        grades = [m.Grade.GOOD] * 5 + [m.Grade.FAIR] * 3 + [m.Grade.AVERAGE, m.Grade.WEAK]
        return [
            m.GroupEvaluation(group_id=pk, year=2022, grade=self.rng.choice(grades))
            for pk in team_ids
        ]

    def conference(self) -> tuple[m.Event, list[m.BridgePoint], list[m.Commendation]]:
        """Return the conference of 30/5/2023, a bridge point per district, its commendations."""
        province = self.province
        event = self.stamp(
            m.Event(
                orgunit=province,
                date=CONFERENCE_DAY,
                kind=m.EventKind.CONFERENCE,
                level=Level.PROVINCE,
                name="Hội nghị tổng kết 10 năm thực hiện Chương trình phối hợp số 09/CTr-BCA-MTTW "
                "giai đoạn 2013 – 2023",
                host="Công an tỉnh và Ủy ban MTTQ Việt Nam tỉnh",
            )
        )
        points = [
            m.BridgePoint(event=event, orgunit=d, attendance=self.rng.randint(45, 130))
            for d in self.districts
        ]
        awards = [
            (
                m.RecipientKind.COLLECTIVE,
                m.Authority.PROVINCE_CHAIR,
                m.AwardForm.CERTIFICATE_OF_MERIT,
                4,
                "521/QĐ-UBND",
            ),
            (
                m.RecipientKind.INDIVIDUAL,
                m.Authority.PROVINCE_CHAIR,
                m.AwardForm.CERTIFICATE_OF_MERIT,
                6,
                "521/QĐ-UBND",
            ),
            (
                m.RecipientKind.COLLECTIVE,
                m.Authority.PROVINCE_POLICE_DIRECTOR,
                m.AwardForm.LETTER_OF_PRAISE,
                2,
                "1468/QĐ-CAT",
            ),
            (
                m.RecipientKind.INDIVIDUAL,
                m.Authority.PROVINCE_POLICE_DIRECTOR,
                m.AwardForm.LETTER_OF_PRAISE,
                3,
                "1468/QĐ-CAT",
            ),
        ]
        rows = []
        for kind, authority, form, count, number in awards:
            for _ in range(count):
                unit = self.commune()
                name = (
                    f"Công an {unit.name}"
                    if kind == m.RecipientKind.COLLECTIVE
                    else self.person_name(m.Sex.MALE)
                )
                rows.append(
                    self.stamp(
                        m.Commendation(
                            orgunit=unit,
                            decision_number=number,
                            decision_date=CONFERENCE_DAY - timedelta(days=3),
                            authority=authority,
                            form=form,
                            recipient_kind=kind,
                            recipient_name=name,
                            event=event,
                            reason=AWARD_REASON,
                        )
                    )
                )
        return event, points, rows

    def monthly_reports(
        self,
        *,
        months: Sequence[Period],
        dataset: DataSet,
        elements: dict[str, DataElement],
        default: CategoryOption,
        activities: dict[int, list[tuple[date, int]]],
        groups: dict[int, list[tuple[date, date | None]]],
        now: datetime,
    ) -> tuple[list[Cell], list[Submission], list[Approval]]:
        """Return each commune's monthly values, consistent with its registries, and which
        reports were submitted and approved (and when)."""
        values, submissions, approvals = [], [], []
        now = timezone.now()
        for period in months:
            for unit in self.communes:
                done = [a for d, a in activities[unit.pk] if period.start <= d <= period.end]
                active = sum(
                    1
                    for f, d in groups[unit.pk]
                    if f <= period.end and (d is None or d > period.end)
                )
                figures = {"model_addresses": active}
                if done:
                    figures.update(propaganda_rounds=len(done), propaganda_participants=sum(done))
                for code, value in figures.items():
                    values.append(
                        Cell(
                            element=elements[code],
                            option=default,
                            orgunit=unit,
                            period=period,
                            raw=Decimal(value),
                        )
                    )
                chance = self.rng.random()
                if period.end.month == 5 and chance < 0.5 or chance < 0.06:
                    continue  # not submitted (yet)
                late = chance > 0.9
                when = timezone.make_aware(
                    timezone.datetime.combine(
                        period.end
                        + timedelta(
                            days=self.rng.randint(9, 30) if late else self.rng.randint(0, 4)
                        ),
                        timezone.datetime.min.time(),
                    )
                )
                submissions.append(
                    Submission(
                        dataset=dataset,
                        orgunit=unit,
                        submitted_by=self.system,
                        submitted_at=min(when, now),
                        **PeriodFields.period_fields(period),
                    )
                )
                if period.end.month <= 3:
                    approvals.append(
                        Approval(
                            dataset=dataset,
                            orgunit=unit,
                            level=Level.DISTRICT,
                            approved_by=self.system,
                            approved_at=min(when, now),
                            **PeriodFields.period_fields(period),
                        )
                    )
        return values, submissions, approvals
