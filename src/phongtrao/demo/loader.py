"""Load (or replace) a demo province whose commune records reproduce the seed's figures.

`generator.py` draws the records; this module saves them in bulk, in the generator's order.
Every demo row is written by the demo system user, which is how `demo_unload` finds them and
touches nothing else.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from phongtrao.accounts.models import User
from phongtrao.catalog.models import CategoryOption, DataElement, DataSet
from phongtrao.core.audit import audit_record
from phongtrao.core.dataversion import data_changed
from phongtrao.core.errors import NotFound
from phongtrao.core.models import AuditEvent, Source
from phongtrao.datavalues.models import Approval, DataValue, Submission
from phongtrao.datavalues.periods import PeriodKind, periods_between
from phongtrao.datavalues.services.write import datavalues_write_unscoped
from phongtrao.orgunits.models import Hierarchy, Level, OrgUnit
from phongtrao.registries import models as m
from phongtrao.registries.rehome import rollups_refilled

from .continuation import demo_continue
from .generator import DEMO_TYPE_PREFIX, END, Generator
from .users import DEMO_USERS, SYSTEM_USER, demo_system_user, demo_users_create

Progress = Callable[[str, int, int], None]


@dataclass
class DemoResult:
    province: OrgUnit
    counts: dict[str, int] = field(default_factory=dict)
    users: list[tuple[str, str, str, str]] = field(default_factory=list)  # name, pwd, role, unit


@transaction.atomic
def demo_unload() -> dict[str, int]:
    """Remove every demo row (and only those)."""
    system = User.objects.filter(username=SYSTEM_USER).first()
    counts: dict[str, int] = {}
    if system is None:
        return counts
    demo_users = list(User.objects.filter(username__in=[u[0] for u in DEMO_USERS]))
    mine = {"created_by": system}
    for label, qs in [
        ("enrolments", m.RehabEnrolment.objects.filter(round__created_by=system)),
        ("commendations", m.Commendation.objects.filter(**mine)),
        ("events", m.Event.objects.filter(**mine)),
        ("rehab_rounds", m.RehabRound.objects.filter(**mine)),
        ("surrenders", m.Surrender.objects.filter(**mine)),
        ("episodes", m.ManagementEpisode.objects.filter(**mine)),
        ("persons", m.Person.objects.filter(**mine)),
        ("groups", m.Group.objects.filter(**mine)),
        ("group_types", m.GroupType.objects.filter(code__startswith=DEMO_TYPE_PREFIX)),
        ("propaganda", m.PropagandaActivity.objects.filter(**mine)),
        ("welfare", m.WelfareAction.objects.filter(**mine)),
        ("handovers", m.Handover.objects.filter(**mine)),
        ("poppy", m.PoppyEradication.objects.filter(**mine)),
        ("approvals", Approval.objects.filter(approved_by=system)),
        ("submissions", Submission.objects.filter(submitted_by=system)),
        ("values", DataValue.objects.filter(**mine)),
        ("audit", AuditEvent.objects.filter(actor__in=[system, *demo_users])),
    ]:
        counts[label] = qs.delete()[0]
    User.objects.filter(pk__in=[u.pk for u in demo_users]).delete()
    data_changed()  # values and approvals deleted in bulk: no signal
    return counts


def _bulk(model: type, rows: list[Any], progress: Progress, label: str) -> list[Any]:
    created = model.objects.bulk_create(rows, batch_size=2000)
    data_changed()  # rows created in bulk: no signal
    progress(label, len(rows), len(rows))
    return created


@transaction.atomic
def demo_load(*, province_code: str = "02", progress: Progress | None = None) -> DemoResult:
    """Replace the demo data with a fresh demo of the given (old-tree) province."""
    progress = progress or (lambda stage, done, total: None)
    province = OrgUnit.objects.filter(
        hierarchy=Hierarchy.OLD, code=province_code, level=Level.PROVINCE
    ).first()
    if province is None:
        raise NotFound(f"Không có tỉnh mã «{province_code}» trong hệ thống đơn vị trước 2025.")
    # Some hundred thousand rows: on SQLite the roll-ups are filled once at the end rather than
    # row by row by their triggers (PostgreSQL's statement triggers take each batch at once).
    with rollups_refilled():
        demo_unload()
        return _demo_fill(province, progress)


def _demo_fill(province: OrgUnit, progress: Progress) -> DemoResult:
    system = demo_system_user()
    gen = Generator(
        province=province,
        districts=OrgUnit.objects.filter(parent=province).order_by("code"),
        communes=OrgUnit.objects.descendants_of(province)
        .filter(level=Level.COMMUNE)
        .valid_on(END)
        .order_by("path"),
        system=system,
    )
    result = DemoResult(province=province)

    result.counts["propaganda"] = len(
        _bulk(m.PropagandaActivity, gen.propaganda(), progress, "tuyên truyền")
    )
    types = _group_types(gen)
    result.counts["groups"] = len(_bulk(m.Group, gen.groups(types), progress, "mô hình"))
    _evaluate_groups(gen)

    people, episodes = gen.managed_people()
    saved = _bulk(m.Person, people, progress, "người được giáo dục")
    _bulk(
        m.ManagementEpisode,
        [gen.stamp(m.ManagementEpisode(person=saved[i], **e)) for i, e in episodes],
        progress,
        "đợt giáo dục",
    )
    result.counts["persons_managed"] = len(saved)

    rounds, rehab_people, enrolments = gen.rehab()
    rounds = _bulk(m.RehabRound, rounds, progress, "đợt cai nghiện")
    rehab_people = _bulk(m.Person, rehab_people, progress, "người cai nghiện")
    _bulk(
        m.RehabEnrolment,
        [
            m.RehabEnrolment(round=rounds[r], person=rehab_people[p], outcome=o)
            for r, p, o in enrolments
        ],
        progress,
        "ghi danh cai nghiện",
    )

    surrender_people, surrenders = gen.surrenders()
    surrender_people = _bulk(m.Person, surrender_people, progress, "người ra đầu thú")
    _bulk(
        m.Surrender,
        [
            gen.stamp(m.Surrender(person=p, **s))
            for p, s in zip(surrender_people, surrenders, strict=True)
        ],
        progress,
        "ra đầu thú",
    )
    result.counts["handovers"] = len(_bulk(m.Handover, gen.handovers(), progress, "giao nộp"))
    result.counts["poppy"] = len(_bulk(m.PoppyEradication, gen.poppy(), progress, "thuốc phiện"))
    _bulk(m.WelfareAction, gen.welfare(), progress, "an sinh")
    _conference(gen)
    result.counts["values"] = _monthly_values(gen)
    # Past 1/7/2025 the records go on in today's communes (the seed's figures stay as they are).
    result.counts.update(demo_continue(province=province, system=system))
    progress("từ 01/7/2025", 1, 1)
    result.users = demo_users_create(province=province)
    audit_record(
        actor=system,
        action="demo.load",
        source=Source.SYSTEM,
        target_type="orgunit",
        target_id=province.pk,
        orgunit=province,
        summary=f"Nạp dữ liệu mẫu cho {province.name}",
        after=result.counts,
    )
    data_changed()  # the demo's rows are created in bulk: no signal
    return result


def _group_types(gen: Generator) -> list[m.GroupType]:
    shipped = list(m.GroupType.objects.exclude(code__startswith=DEMO_TYPE_PREFIX))
    m.GroupType.objects.bulk_create(gen.group_types_extra(shipped=len(shipped)))
    return shipped + list(m.GroupType.objects.filter(code__startswith=DEMO_TYPE_PREFIX))


def _evaluate_groups(gen: Generator) -> None:
    teams = m.Group.objects.filter(
        created_by=gen.system, group_type__code="to_an_ninh_nhan_dan", dissolved__isnull=True
    ).values_list("pk", flat=True)
    m.GroupEvaluation.objects.bulk_create(gen.evaluations(list(teams)), batch_size=2000)


def _conference(gen: Generator) -> None:
    """Save the conference of 30/5/2023, its bridge points and its commendations."""
    event, points, commendations = gen.conference()
    event.save()
    m.BridgePoint.objects.bulk_create(points)
    m.Commendation.objects.bulk_create(commendations)


def _monthly_values(gen: Generator) -> int:
    """Enter Jan-May 2023 monthly reports for every commune, consistent with its registries."""
    dataset = DataSet.objects.filter(code="monthly_movement").first()
    if dataset is None:
        return 0
    elements = {
        e.code: e
        for e in DataElement.objects.filter(
            code__in=["propaganda_rounds", "propaganda_participants", "model_addresses"]
        )
    }
    default = CategoryOption.objects.get(combo__code="default", code="default")
    months = [
        p
        for p in periods_between(
            PeriodKind.MONTH, date(2023, 1, 1), date(2023, 5, 14), windows=True
        )
        if p.end <= date(2023, 5, 14)
    ]
    activities: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for unit_id, day, people in m.PropagandaActivity.objects.filter(
        created_by=gen.system
    ).values_list("orgunit_id", "date", "attendance"):
        activities[unit_id].append((day, people))
    groups: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    for unit_id, founded, dissolved in m.Group.objects.filter(created_by=gen.system).values_list(
        "orgunit_id", "founded", "dissolved"
    ):
        groups[unit_id].append((founded, dissolved))
    values, submissions, approvals = gen.monthly_reports(
        months=months,
        dataset=dataset,
        elements=elements,
        default=default,
        activities=activities,
        groups=groups,
        now=timezone.now(),
    )
    # The demo's operator writes through the one write path (every check but a user's scope),
    # before the submissions and approvals that would lock the periods.
    for chunk in itertools.batched(values, 2000):
        datavalues_write_unscoped(actor=gen.system, cells=list(chunk), source=Source.IMPORT)
    Submission.objects.bulk_create(submissions, batch_size=2000)
    Approval.objects.bulk_create(approvals, batch_size=2000)
    return len(values)
