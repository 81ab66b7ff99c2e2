"""Records and scopes of the abolished units continue in today's units (`phongtrao orgunits rehome`).

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

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Case, F, Q, TextField, Value, When
from django.db.models.functions import Concat
from django.utils import timezone

from phongtrao.accounts.models import RoleAssignment, User
from phongtrao.accounts.services import role_assignment_move, role_assignment_move_refusal
from phongtrao.core.audit import audit_record, audit_record_many
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
            u.target
            for u in self.units.values()
            if u.target.needs_choice and u.target.candidates
        ]

    @property
    def without_successor(self) -> list[SuccessorTarget]:
        """Units with records to move and nowhere to go (no successor, no choice)."""
        return [
            u.target
            for u in self.units.values()
            if u.target.needs_choice
            and not u.target.candidates
            and sum(n for k, n in u.counts.items() if k != "scope")
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


def _note(note: str, text: str) -> str:
    return f"{note}\n{text}" if note else text


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
    mover.groups()
    mover.episodes()
    mover.rounds()
    mover.persons()
    audit_record_many(mover.audits)
    for assignment in plan.scopes:
        target = plan.units[assignment.orgunit_id].target
        assert target.new is not None
        role_assignment_move(
            actor=actor, assignment=assignment, new=target.new, rule=target.rule, source=source
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
        new = self.target(unit_id).new
        assert new is not None  # rehome_apply refuses plans with a unit left to choose
        return new

    def continues(self, old: OrgUnit, pk: int) -> str:
        return (
            f"Tiếp nối bản ghi #{pk} của {old.name} ({old.code}) "
            f"từ {self.day:%d/%m/%Y} (sắp xếp đơn vị hành chính)."
        )

    def moved_to(self, new: OrgUnit) -> str:
        return f"Từ {self.day:%d/%m/%Y} tiếp tục tại {new.name} ({new.code})."

    def audit(
        self,
        *,
        kind: str,
        record: Any,
        old_unit_id: int,
        new_pk: int,
        before: dict[str, Any],
    ) -> None:
        target = self.target(old_unit_id)
        new = self.new_unit(old_unit_id)
        model = type(record)._meta.model_name
        self.audits.append(
            {
                "actor": self.actor,
                "action": f"{model}.rehome",
                "source": self.source,
                "target_type": model,
                "target_id": record.pk,
                "orgunit": new,
                "summary": (
                    f"Chuyển {KIND_LABELS[kind]} «{record}» từ {target.old.name} sang "
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

    def _by_unit(self, rows: Iterable[Any]) -> dict[int, list[Any]]:
        grouped: dict[int, list[Any]] = {}
        for row in rows:
            grouped.setdefault(row.orgunit_id, []).append(row)
        return grouped

    def _stamp(self, row: Any) -> Any:
        row.pk = None
        row.id = None
        row.created_by = self.actor
        row.updated_by = self.actor
        return row

    def groups(self) -> None:
        rows = list(Group.objects.filter(pk__in=self.plan.group_ids).order_by("pk"))
        split = [g for g in rows if g.founded < self.day]
        whole = [g for g in rows if g.founded >= self.day]
        originals = [(g.pk, g.orgunit_id, g.dissolved) for g in split]
        copies = []
        for g in split:
            old = self.target(g.orgunit_id).old
            copy = Group(**{f.attname: getattr(g, f.attname) for f in Group._meta.concrete_fields})
            copy = self._stamp(copy)
            copy.orgunit = self.new_unit(g.orgunit_id)
            copy.founded = self.day
            copy.note = _note(g.note, self.continues(old, g.pk))
            copies.append(copy)
        created = Group.objects.bulk_create(copies, batch_size=1000)
        for unit_id, members in self._by_unit(split).items():
            Group.objects.filter(pk__in=[g.pk for g in members]).update(
                dissolved=self.day,
                note=_close_note(self.moved_to(self.new_unit(unit_id))),
                updated_by=self.actor,
                updated_at=self.now,
            )
        later = {pk: c.pk for (pk, _, _), c in zip(originals, created, strict=True)}
        for evaluation in GroupEvaluation.objects.filter(
            group_id__in=later, year__gt=self.day.year
        ):
            evaluation.group_id = later[evaluation.group_id]
            evaluation.save(update_fields=["group"])
        for g, (pk, unit_id, dissolved) in zip(split, originals, strict=True):
            g.pk = pk
            self.audit(
                kind="group",
                record=g,
                old_unit_id=unit_id,
                new_pk=later[pk],
                before={"dissolved": dissolved, "closed_on": self.day},
            )
        for unit_id, members in self._by_unit(whole).items():
            Group.objects.filter(pk__in=[g.pk for g in members]).update(
                orgunit=self.new_unit(unit_id), updated_by=self.actor, updated_at=self.now
            )
            for g in members:
                self.audit(kind="group", record=g, old_unit_id=unit_id, new_pk=g.pk, before={})

    def _spans(self, model: type[Any], ids: list[int], kind: str) -> dict[int, int]:
        """Cut episodes or rounds at the change; return {old pk: continuing pk}."""
        rows_qs = model.objects.filter(pk__in=ids).order_by("pk")
        if model is ManagementEpisode:
            rows_qs = rows_qs.select_related("person")
        rows = list(rows_qs)
        split = [r for r in rows if r.start < self.day]
        whole = [r for r in rows if r.start >= self.day]
        originals = [(r.pk, r.orgunit_id, r.end) for r in split]
        copies = []
        for r in split:
            old = self.target(r.orgunit_id).old
            copy = model(**{f.attname: getattr(r, f.attname) for f in model._meta.concrete_fields})
            copy = self._stamp(copy)
            copy.orgunit = self.new_unit(r.orgunit_id)
            copy.start = self.day
            copy.note = _note(r.note, self.continues(old, r.pk))
            if model is RehabRound:
                copy.name = f"{r} (tiếp tục)"[:200]
            copies.append(copy)
        created = model.objects.bulk_create(copies, batch_size=1000)
        last_day = self.day - timedelta(days=1)
        closing: dict[str, Any] = {"end": last_day}
        if model is ManagementEpisode:
            # On 30/6/2025 the person was still being helped; the result belongs to the rest.
            closing["result"] = EpisodeResult.IN_PROGRESS
        for unit_id, members in self._by_unit(split).items():
            model.objects.filter(pk__in=[r.pk for r in members]).update(
                note=_close_note(self.moved_to(self.new_unit(unit_id))),
                updated_by=self.actor,
                updated_at=self.now,
                **closing,
            )
        continuing = {pk: c.pk for (pk, _, _), c in zip(originals, created, strict=True)}
        for r, (pk, unit_id, end) in zip(split, originals, strict=True):
            r.pk = pk
            self.audit(
                kind=kind,
                record=r,
                old_unit_id=unit_id,
                new_pk=continuing[pk],
                before={"end": end, "closed_on": last_day},
            )
        for unit_id, members in self._by_unit(whole).items():
            model.objects.filter(pk__in=[r.pk for r in members]).update(
                orgunit=self.new_unit(unit_id), updated_by=self.actor, updated_at=self.now
            )
            for r in members:
                continuing[r.pk] = r.pk
                self.audit(kind=kind, record=r, old_unit_id=unit_id, new_pk=r.pk, before={})
        return continuing

    def episodes(self) -> None:
        self._spans(ManagementEpisode, self.plan.episode_ids, "episode")

    def rounds(self) -> None:
        continuing = self._spans(RehabRound, self.plan.round_ids, "rehab_round")
        carried = [
            RehabEnrolment(round_id=continuing[e.round_id], person_id=e.person_id, outcome=e.outcome)
            for e in RehabEnrolment.objects.filter(
                round_id__in=[old for old, new in continuing.items() if old != new],
                outcome=RehabOutcome.IN_PROGRESS,
            ).order_by("pk")
        ]
        RehabEnrolment.objects.bulk_create(carried, batch_size=1000)

    def persons(self) -> None:
        rows = list(Person.objects.filter(pk__in=self.plan.person_ids).order_by("pk"))
        for unit_id, members in self._by_unit(rows).items():
            Person.objects.filter(pk__in=[p.pk for p in members]).update(
                orgunit=self.new_unit(unit_id), updated_by=self.actor, updated_at=self.now
            )
            for p in members:
                self.audit(kind="person", record=p, old_unit_id=unit_id, new_pk=p.pk, before={})


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
