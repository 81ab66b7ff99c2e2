"""What the abolished units held goes on in today's units: `phongtrao orgunits rehome`.

On 1/7/2025 the old communes, districts and provinces ceased; what was alive in them on 30/6/2025
goes on in their successors only when the operator says so, by this one command (with a dry run
first): never silently.

How the history stays intact: a record alive across the change is cut in two at the change.
The old row stays on the old unit and ends on 30/6/2025 (a group is gone from 1/7/2025, an
episode or a rehab round ends on 30/6/2025); a copy on the successor starts on 1/7/2025 with the
rest of the old row (same person, same type, same members...) and a note naming the row it
continues. So every figure "as it was" before 1/7/2025 reads exactly the rows it read before,
and every stock after it counts the record once, on today's unit. A person (who has no span)
simply moves to the successor when one of their episodes or rehab enrolments continues there;
their past rows stay on the old units. A record that started on or after 1/7/2025 on an old
unit (entered late) moves whole.

A record lives in ONE unit: an old commune split among several new ones goes where the operator
chooses (`--choose OLD=NEW`), or to its seat successor when the operator asks for that
(`--seat`); shares cannot divide a record. Role assignments on abolished units move by the same
choices, when the role has a level in today's tree. Every moved record and scope has its audit
entry, in the same transaction; running the command again finds nothing more to move.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, F, Q, TextField, Value, When
from django.db.models.functions import Concat
from django.utils import timezone

from phongtrao.accounts.models import RoleAssignment, User
from phongtrao.accounts.services import role_assignment_move, role_assignment_move_refusal
from phongtrao.core.audit import audit_record, audit_record_many
from phongtrao.core.dataversion import data_changed
from phongtrao.core.errors import InvalidInput
from phongtrao.core.models import Source
from phongtrao.orgunits.models import Hierarchy, Level, OrgUnit
from phongtrao.orgunits.selectors import TARGET_RULE_LABELS, SuccessorTarget, successor_targets
from phongtrao.orgunits.sources import NEW_TREE_VALID_FROM

from .models import (
    EpisodeResult,
    Group,
    GroupEvaluation,
    ManagementEpisode,
    Person,
    RehabEnrolment,
    RehabOutcome,
    RehabRound,
)

EFFECTIVE = NEW_TREE_VALID_FROM  # 1/7/2025: the first day of today's units

KIND_LABELS = {
    "group": "mô hình tự quản",
    "episode": "đợt quản lý, giáo dục",
    "rehab_round": "đợt cai nghiện",
    "enrolment": "người đang cai nghiện",
    "person": "người",
    "scope": "phân quyền",
}
MSG_NEEDS_CHOICE = (
    "Chưa chuyển gì: {n} đơn vị cũ bị chia cần chọn một đơn vị kế thừa "
    "(--choose MÃ_CŨ=MÃ_MỚI, hoặc --seat để chọn đơn vị nhận trụ sở): {units}."
)
MSG_NO_SUCCESSOR = (
    "Chưa chuyển gì: {n} đơn vị cũ có bản ghi nhưng không có đơn vị kế thừa; "
    "chọn đơn vị nhận bằng --choose MÃ_CŨ=MÃ_MỚI: {units}."
)
MSG_SCOPE_NO_SUCCESSOR = "không có đơn vị kế thừa từ 01/7/2025 (cấp lại vai trò bằng tay)"
MSG_SCOPE_SPLIT = "đơn vị bị chia: cần chọn đơn vị kế thừa"
MSG_BAD_CHOICE = "Lựa chọn «{text}» không hợp lệ: cần dạng MÃ_CŨ=MÃ_MỚI."
MSG_UNKNOWN_CODE = "Không có đơn vị mã «{code}» trong hệ thống {tree}."


@dataclass
class UnitMove:
    """What leaves one old unit, and where it goes."""

    target: SuccessorTarget
    counts: Counter[str] = field(default_factory=Counter)


@dataclass
class RehomePlan:
    effective: date
    units: dict[int, UnitMove] = field(default_factory=dict)
    group_ids: list[int] = field(default_factory=list)
    episode_ids: list[int] = field(default_factory=list)
    round_ids: list[int] = field(default_factory=list)
    person_ids: list[int] = field(default_factory=list)
    scopes: list[RoleAssignment] = field(default_factory=list)
    refused_scopes: list[tuple[RoleAssignment, str]] = field(default_factory=list)
    applied: bool = False

    @property
    def needs_choice(self) -> list[SuccessorTarget]:
        """Split units with something to move and no choice yet."""
        return [
            u.target for u in self.units.values() if u.target.needs_choice and u.target.candidates
        ]

    @property
    def without_successor(self) -> list[SuccessorTarget]:
        """Units with records to move and nowhere to go (no successor, no choice)."""
        return [
            u.target
            for u in self.units.values()
            if u.target.needs_choice
            and not u.target.candidates
            and any(n for k, n in u.counts.items() if k != "scope")
        ]

    def totals(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for move in self.units.values():
            if not move.target.needs_choice:
                total.update(move.counts)
        return total

    def as_dict(self) -> dict[str, Any]:
        def unit(u: OrgUnit | None) -> dict[str, Any] | None:
            return None if u is None else {"id": u.pk, "code": u.code, "name": u.name}

        return {
            "effective": self.effective.isoformat(),
            "applied": self.applied,
            "totals": dict(self.totals()),
            "moves": [
                {
                    "old": unit(m.target.old),
                    "new": unit(m.target.new),
                    "rule": m.target.rule,
                    "counts": dict(m.counts),
                }
                for m in self.units.values()
                if not m.target.needs_choice
            ],
            "needs_choice": [
                {
                    "old": unit(t.old),
                    "candidates": [
                        {**(unit(c) or {}), "seat": c.pk == t.seat_id} for c in t.candidates
                    ],
                }
                for t in self.needs_choice
            ],
            "without_successor": [unit(t.old) for t in self.without_successor],
            "refused_scopes": [
                {"user": a.user.username, "role": a.role, "unit": unit(a.orgunit), "reason": r}
                for a, r in self.refused_scopes
            ],
        }


def rehome_choices_parse(texts: Iterable[str]) -> dict[int, int]:
    """Return {old unit id: new unit id} from "OLD=NEW" code pairs (old tree = new tree)."""
    pairs: list[tuple[str, str]] = []
    for text in texts:
        old, sep, new = text.strip().partition("=")
        if not sep or not old.strip() or not new.strip():
            raise InvalidInput(MSG_BAD_CHOICE.format(text=text))
        pairs.append((old.strip(), new.strip()))
    codes = {(Hierarchy.OLD, o) for o, _ in pairs} | {(Hierarchy.NEW, n) for _, n in pairs}
    ids = {
        (h, c): pk
        for h, c, pk in OrgUnit.objects.filter(
            code__in={c for _, c in codes}, hierarchy__in=[Hierarchy.OLD, Hierarchy.NEW]
        ).values_list("hierarchy", "code", "pk")
    }
    choices: dict[int, int] = {}
    for old, new in pairs:
        for tree, code in ((Hierarchy.OLD, old), (Hierarchy.NEW, new)):
            if (tree, code) not in ids:
                raise InvalidInput(MSG_UNKNOWN_CODE.format(code=code, tree=tree))
        choices[ids[(Hierarchy.OLD, old)]] = ids[(Hierarchy.NEW, new)]
    return choices


def _old_units(prefix: str, under: OrgUnit | None) -> Q:
    condition = Q(**{f"{prefix}orgunit__hierarchy": Hierarchy.OLD})
    if under is not None:
        condition &= Q(**{f"{prefix}orgunit__path__startswith": under.path})
    return condition


def rehome_plan(
    *,
    under: OrgUnit | None = None,
    choices: Mapping[int, int] | None = None,
    use_seat: bool = False,
    records: bool = True,
    scopes: bool = True,
) -> RehomePlan:
    """Return what would move to today's units (nothing is written)."""
    day = EFFECTIVE
    plan = RehomePlan(effective=day)
    by_unit: dict[int, Counter[str]] = {}

    def count(unit_id: int, kind: str) -> None:
        by_unit.setdefault(unit_id, Counter())[kind] += 1

    if records:
        alive_group = Q(dissolved__isnull=True) | Q(dissolved__gt=day)
        for pk, unit_id in Group.objects.filter(_old_units("", under), alive_group).values_list(
            "pk", "orgunit_id"
        ):
            plan.group_ids.append(pk)
            count(unit_id, "group")
        alive_span = Q(end__isnull=True) | Q(end__gte=day)
        persons: set[int] = set()
        for pk, unit_id, person_id in ManagementEpisode.objects.filter(
            _old_units("", under), alive_span
        ).values_list("pk", "orgunit_id", "person_id"):
            plan.episode_ids.append(pk)
            count(unit_id, "episode")
            persons.add(person_id)
        for pk, unit_id in RehabRound.objects.filter(_old_units("", under), alive_span).values_list(
            "pk", "orgunit_id"
        ):
            plan.round_ids.append(pk)
            count(unit_id, "rehab_round")
        for unit_id, person_id in RehabEnrolment.objects.filter(
            round_id__in=plan.round_ids, outcome=RehabOutcome.IN_PROGRESS
        ).values_list("round__orgunit_id", "person_id"):
            count(unit_id, "enrolment")
            persons.add(person_id)
        for pk, unit_id in Person.objects.filter(
            pk__in=persons, orgunit__hierarchy=Hierarchy.OLD
        ).values_list("pk", "orgunit_id"):
            plan.person_ids.append(pk)
            count(unit_id, "person")
    assignments: list[RoleAssignment] = []
    if scopes:
        assignments = list(
            RoleAssignment.objects.filter(_old_units("", under))
            .exclude(orgunit__level=Level.COUNTRY)  # a country grant covers both trees
            .select_related("user", "orgunit")
            .order_by("orgunit__path", "user__username")
        )
        for assignment in assignments:
            count(assignment.orgunit_id, "scope")
    targets = successor_targets(
        old_ids=by_unit, choices=dict(choices or {}), use_seat=use_seat, effective=day
    )
    plan.units = {
        unit_id: UnitMove(target=targets[unit_id], counts=by_unit[unit_id])
        for unit_id in sorted(by_unit, key=lambda i: targets[i].old.path)
    }
    for assignment in assignments:
        target = targets[assignment.orgunit_id]
        if target.new is None:
            reason = MSG_SCOPE_SPLIT if target.candidates else MSG_SCOPE_NO_SUCCESSOR
        else:
            reason = role_assignment_move_refusal(assignment=assignment, new=target.new)
        if reason:
            plan.refused_scopes.append((assignment, reason))
        else:
            plan.scopes.append(assignment)
    return plan


# Above this many records, SQLite's row triggers (a roll-up upsert per row, anchor and grain)
# cost more than refilling the roll-ups from the records once, in the same transaction (SQLite's
# schema changes are transactional: no other connection sees the records without roll-ups).
# PostgreSQL's statement triggers already take each statement's rows as one set.
REFILL_ABOVE = 2000


@contextmanager
def rollups_refilled(*, records: int = REFILL_ABOVE) -> Iterator[None]:
    """Write many records in the block with SQLite's roll-up triggers off, then refill once.

    Needs the caller's transaction (a failure rolls the triggers back in with the rows).
    """
    from phongtrao.analytics.rollups import rollups_active, rollups_install, rollups_uninstall

    if connection.vendor != "sqlite" or records < REFILL_ABOVE or not rollups_active():
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("rollups_refilled needs the caller's transaction")
    rollups_uninstall()
    yield
    rollups_install()


_CONTINUES = re.compile(r"Tiếp nối bản ghi #(\d+) ")


def _close_note(text: str) -> Case:
    """An update expression appending text to a note."""
    return Case(
        When(note="", then=Value(text)),
        default=Concat(F("note"), Value("\n" + text), output_field=TextField()),
        output_field=TextField(),
    )


@transaction.atomic
def rehome_apply(
    *, actor: User | None, plan: RehomePlan, source: str = Source.SYSTEM
) -> RehomePlan:
    """Carry out a plan: every record and scope moves, each audited, or nothing does."""
    if plan.needs_choice:
        raise InvalidInput(
            MSG_NEEDS_CHOICE.format(
                n=len(plan.needs_choice),
                units=", ".join(f"{t.old.code} {t.old.name}" for t in plan.needs_choice),
            ),
            needs_choice=plan.as_dict()["needs_choice"],
        )
    if plan.without_successor:
        raise InvalidInput(
            MSG_NO_SUCCESSOR.format(
                n=len(plan.without_successor),
                units=", ".join(f"{t.old.code} {t.old.name}" for t in plan.without_successor),
            )
        )
    mover = _Mover(actor=actor, plan=plan, source=source)
    with rollups_refilled(
        records=len(plan.group_ids) + len(plan.episode_ids) + len(plan.round_ids)
    ):
        mover.episodes()
        mover.rounds()
        mover.persons()
        mover.groups()
    # Rows written in SQL and by update(): no model signal tells the figures' cache.
    data_changed()
    audit_record_many(mover.audits)
    for assignment in plan.scopes:
        target = plan.units[assignment.orgunit_id].target
        role_assignment_move(
            actor=actor,
            assignment=assignment,
            new=mover.new_unit(assignment.orgunit_id),
            rule=target.rule,
            source=source,
        )
    audit_record(
        actor=actor,
        action="orgunits.rehome",
        source=source,
        target_type="orgunit",
        target_id="",
        summary=(
            f"Chuyển bản ghi và phân quyền sang đơn vị mới từ {plan.effective:%d/%m/%Y}: "
            + ", ".join(f"{KIND_LABELS[k]} {n}" for k, n in sorted(plan.totals().items()))
        ),
        after=dict(plan.totals()),
    )
    plan.applied = True
    return plan


class _Mover:
    """The writes of one plan, with the audit entries they leave."""

    def __init__(self, *, actor: User | None, plan: RehomePlan, source: str) -> None:
        self.actor = actor if getattr(actor, "pk", None) else None
        self.plan = plan
        self.source = source
        self.day = plan.effective
        self.now = timezone.now()
        self.audits: list[dict[str, Any]] = []

    def target(self, unit_id: int) -> SuccessorTarget:
        return self.plan.units[unit_id].target

    def new_unit(self, unit_id: int) -> OrgUnit:
        target = self.target(unit_id)
        if target.new is None:  # rehome_apply refuses such plans first
            raise InvalidInput(MSG_NEEDS_CHOICE.format(n=1, units=target.old.name))
        return target.new

    def moved_to(self, new: OrgUnit) -> str:
        return f"Từ {self.day:%d/%m/%Y} tiếp tục tại {new.name} ({new.code})."

    def audit(
        self,
        *,
        kind: str,
        model: type[Any],
        pk: int,
        label: str,
        old_unit_id: int,
        new_pk: int,
        before: dict[str, Any],
    ) -> None:
        target = self.target(old_unit_id)
        new = self.new_unit(old_unit_id)
        name = model._meta.model_name
        self.audits.append(
            {
                "actor": self.actor,
                "action": f"{name}.rehome",
                "source": self.source,
                "target_type": name,
                "target_id": pk,
                "orgunit": new,
                "summary": (
                    f"Chuyển {KIND_LABELS[kind]} «{label}» từ {target.old.name} sang "
                    f"{new.name} từ {self.day:%d/%m/%Y}"
                ),
                "before": {"orgunit": target.old.pk, "code": target.old.code, **before},
                "after": {
                    "orgunit": new.pk,
                    "code": new.code,
                    "record": new_pk,
                    "rule": target.rule,
                    "rule_label": TARGET_RULE_LABELS[target.rule],
                },
            }
        )

    def _by_unit(self, rows: Iterable[tuple[Any, ...]]) -> dict[int, list[tuple[Any, ...]]]:
        """Group (pk, unit id, ...) rows by unit."""
        grouped: dict[int, list[tuple[Any, ...]]] = {}
        for row in rows:
            grouped.setdefault(row[1], []).append(row)
        return grouped

    def _copy(
        self, model: type[Any], rows: list[tuple[Any, ...]], start: str, continues: str = ""
    ) -> dict[int, int]:
        """Copy rows (pk, unit id, ...) to their units' successors from the change, in SQL.

        One INSERT ... SELECT per old unit: the copy keeps every column but its unit, its start
        (the change), its note (which names the row it continues) and who wrote it when;
        continues: a column that takes the id of the row copied (written with the row, so the
        roll-up's triggers see the copy as it stays). Return {old pk: new pk}, read back from
        the notes.
        """
        table = model._meta.db_table
        qn = connection.ops.quote_name
        fixed = {"id", "orgunit_id", start, "note", "created_by_id", "updated_by_id"}
        fixed |= {"created_at", "updated_at", continues}
        kept = [f.column for f in model._meta.concrete_fields if f.column not in fixed]
        kept_sql = [qn(c) for c in kept]
        if continues:
            kept, kept_sql = [*kept, continues], [*kept_sql, "id"]
        columns = [*kept, "orgunit_id", start, "note", "created_by_id", "updated_by_id"]
        columns += ["created_at", "updated_at"]
        actor_id = self.actor.pk if self.actor is not None else None
        day = connection.ops.adapt_datefield_value(self.day)
        now = connection.ops.adapt_datetimefield_value(self.now)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {qn(table)}")  # noqa: S608
            (before,) = cursor.fetchone()
            for unit_id, members in self._by_unit(rows).items():
                old = self.target(unit_id).old
                head = "Tiếp nối bản ghi #"
                tail = (
                    f" của {old.name} ({old.code}) từ {self.day:%d/%m/%Y} "
                    "(sắp xếp đơn vị hành chính)."
                )
                note = (
                    "CASE WHEN note = '' THEN %s || CAST(id AS TEXT) || %s "
                    "ELSE note || %s || CAST(id AS TEXT) || %s END"
                )
                for chunk in itertools.batched([r[0] for r in members], 900):
                    cursor.execute(
                        f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) "  # noqa: S608
                        f"SELECT {', '.join(kept_sql)}, %s, %s, {note}, %s, %s, %s, %s "
                        f"FROM {qn(table)} WHERE id IN ({', '.join(['%s'] * len(chunk))}) "
                        "ORDER BY id",
                        [
                            self.new_unit(unit_id).pk,
                            day,
                            head,
                            tail,
                            "\n" + head,
                            tail,
                            actor_id,
                            actor_id,
                            now,
                            now,
                            *chunk,
                        ],
                    )
            cursor.execute(
                f"SELECT id, note FROM {qn(table)} WHERE id > %s",  # noqa: S608
                [before],
            )
            found = cursor.fetchall()
        copied: dict[int, int] = {}
        for new_pk, text in found:
            match = _CONTINUES.findall(text)
            copied[int(match[-1])] = new_pk
        return copied

    def _close(self, model: type[Any], rows: list[tuple[Any, ...]], **closing: Any) -> None:
        for unit_id, members in self._by_unit(rows).items():
            for chunk in itertools.batched([r[0] for r in members], 900):
                model.objects.filter(pk__in=chunk).update(
                    note=_close_note(self.moved_to(self.new_unit(unit_id))),
                    updated_by=self.actor,
                    updated_at=self.now,
                    **closing,
                )

    def _move_whole(
        self, model: type[Any], kind: str, rows: list[tuple[Any, ...]], label: int
    ) -> None:
        for unit_id, members in self._by_unit(rows).items():
            for chunk in itertools.batched([r[0] for r in members], 900):
                model.objects.filter(pk__in=chunk).update(
                    orgunit=self.new_unit(unit_id), updated_by=self.actor, updated_at=self.now
                )
            for row in members:
                self.audit(
                    kind=kind,
                    model=model,
                    pk=row[0],
                    label=str(row[label]),
                    old_unit_id=unit_id,
                    new_pk=row[0],
                    before={},
                )

    def groups(self) -> None:
        rows = list(
            Group.objects.filter(pk__in=self.plan.group_ids)
            .order_by("pk")
            .values_list("pk", "orgunit_id", "founded", "dissolved", "name")
        )
        split = [r for r in rows if r[2] < self.day]
        later = self._copy(Group, split, "founded")
        self._close(Group, split, dissolved=self.day)
        for evaluation in GroupEvaluation.objects.filter(
            group_id__in=later, year__gt=self.day.year
        ):
            evaluation.group_id = later[evaluation.group_id]
            evaluation.save(update_fields=["group"])
        for pk, unit_id, _, dissolved, name in split:
            self.audit(
                kind="group",
                model=Group,
                pk=pk,
                label=name,
                old_unit_id=unit_id,
                new_pk=later[pk],
                before={"dissolved": dissolved, "closed_on": self.day},
            )
        self._move_whole(Group, "group", [r for r in rows if r[2] >= self.day], label=4)

    def episodes(self) -> None:
        rows = list(
            ManagementEpisode.objects.filter(pk__in=self.plan.episode_ids)
            .order_by("pk")
            .values_list("pk", "orgunit_id", "start", "end", "person__full_name")
        )
        split = [r for r in rows if r[2] < self.day]
        later = self._copy(ManagementEpisode, split, "start")
        # On 30/6/2025 the person was still being helped; the result belongs to the rest.
        last_day = self.day - timedelta(days=1)
        self._close(ManagementEpisode, split, end=last_day, result=EpisodeResult.IN_PROGRESS)
        for pk, unit_id, _, end, name in split:
            self.audit(
                kind="episode",
                model=ManagementEpisode,
                pk=pk,
                label=name,
                old_unit_id=unit_id,
                new_pk=later[pk],
                before={"end": end, "closed_on": last_day},
            )
        self._move_whole(
            ManagementEpisode, "episode", [r for r in rows if r[2] >= self.day], label=4
        )

    def rounds(self) -> None:
        rows = [
            (r.pk, r.orgunit_id, r.start, r.end, str(r))
            for r in RehabRound.objects.filter(pk__in=self.plan.round_ids).order_by("pk")
        ]
        split = [r for r in rows if r[2] < self.day]
        later = self._copy(RehabRound, split, "start", continues="continued_from_id")
        for chunk in itertools.batched(split, 500):
            RehabRound.objects.filter(pk__in=[later[r[0]] for r in chunk]).update(
                name=Case(
                    *(When(pk=later[r[0]], then=Value(f"{r[4]} (tiếp tục)"[:200])) for r in chunk)
                )
            )
        last_day = self.day - timedelta(days=1)
        self._close(RehabRound, split, end=last_day)
        for pk, unit_id, _, end, label in split:
            self.audit(
                kind="rehab_round",
                model=RehabRound,
                pk=pk,
                label=label,
                old_unit_id=unit_id,
                new_pk=later[pk],
                before={"end": end, "closed_on": last_day},
            )
        self._move_whole(RehabRound, "rehab_round", [r for r in rows if r[2] >= self.day], label=4)
        carried = [
            RehabEnrolment(round_id=later[e.round_id], person_id=e.person_id, outcome=e.outcome)
            for e in RehabEnrolment.objects.filter(
                round_id__in=later, outcome=RehabOutcome.IN_PROGRESS
            ).order_by("pk")
        ]
        RehabEnrolment.objects.bulk_create(carried, batch_size=1000)

    def persons(self) -> None:
        rows = list(
            Person.objects.filter(pk__in=self.plan.person_ids)
            .order_by("pk")
            .values_list("pk", "orgunit_id", "full_name")
        )
        self._move_whole(Person, "person", rows, label=2)


def orgunits_rehome(
    *,
    actor: User | None,
    under: OrgUnit | None = None,
    choices: Mapping[int, int] | None = None,
    use_seat: bool = False,
    records: bool = True,
    scopes: bool = True,
    dry_run: bool = False,
    source: str = Source.SYSTEM,
) -> RehomePlan:
    """Plan the move of what the abolished units hold on 30/6/2025; carry it out unless dry_run."""
    with transaction.atomic():
        plan = rehome_plan(
            under=under, choices=choices, use_seat=use_seat, records=records, scopes=scopes
        )
        if dry_run:
            return plan
        return rehome_apply(actor=actor, plan=plan, source=source)
