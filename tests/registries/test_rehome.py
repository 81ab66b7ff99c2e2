"""Records and scopes of abolished units continue in today's units: a merge, a split, a rename.

The history stays as it was: figures before 1/7/2025 read the same rows on the old units, and
stocks after it count each record once, on its new unit.
"""

from __future__ import annotations

from datetime import date

import pytest

from phongtrao.accounts.models import RoleAssignment
from phongtrao.analytics.selectors import registry_indicator_figure
from phongtrao.cli import main
from phongtrao.core.dataversion import data_version
from phongtrao.core.errors import InvalidInput
from phongtrao.core.models import AuditEvent
from phongtrao.orgunits.models import Hierarchy, OrgUnit
from phongtrao.orgunits.selectors import TargetRule
from phongtrao.registries import models as m
from phongtrao.registries.rehome import orgunits_rehome, rehome_choices_parse, rehome_plan
from phongtrao.registries.selectors import records_filter
from phongtrao.registries.specs import BY_SLUG
from phongtrao.web.forms.registries import FilterForm

from ..conftest import unit
from ..factories import make_user

pytestmark = pytest.mark.django_db

MERGED = "00691"  # Phường Trần Phú, whole into (new) Phường Hà Giang 2 00691
SPLIT = "00688"  # Phường Quang Trung, split: 00691 (seat) and 00694 Phường Hà Giang 1
RENAMED = "03997"  # Xã Tân Lập (Sơn La), whole and alone into Xã Tân Yên 03997


def new(code: str) -> OrgUnit:
    return unit(code, Hierarchy.NEW)


def _group(where: OrgUnit, founded: date, dissolved: date | None = None, name="Tổ tự quản"):
    kind = m.GroupType.objects.order_by("pk").first()
    return m.Group.objects.create(
        orgunit=where, name=name, group_type=kind, founded=founded, dissolved=dissolved
    )


def _episode(where: OrgUnit, start: date, end: date | None = None):
    person = m.Person.objects.create(orgunit=where, full_name="Nguyễn Văn Bình", birth_year=1990)
    episode = m.ManagementEpisode.objects.create(
        orgunit=where,
        person=person,
        start=start,
        end=end,
        reason=m.ReasonCategory.MINOR_OFFENCE,
        assigned_organisation=m.LeadOrganisation.POLICE,
    )
    return person, episode


def _stock(code: str, root: OrgUnit, day: date):
    figure = registry_indicator_figure(code=code, root=root, start=day, end=day)
    return figure.value if figure is not None else None


@pytest.fixture
def merged_world():
    old = unit(MERGED)
    alive = _group(old, date(2019, 3, 1), name="Tổ an ninh nhân dân số 1")
    gone = _group(old, date(2015, 1, 1), date(2020, 1, 1))
    person, episode = _episode(old, date(2024, 5, 1))
    past_person, past = _episode(old, date(2018, 1, 1), date(2019, 1, 1))
    rehab_round = m.RehabRound.objects.create(orgunit=old, name="Đợt 2025", start=date(2025, 3, 1))
    rehab_person = m.Person.objects.create(orgunit=old, full_name="Trần Văn Công")
    quit_person = m.Person.objects.create(orgunit=old, full_name="Lê Văn Dũng")
    m.RehabEnrolment.objects.create(round=rehab_round, person=rehab_person)
    m.RehabEnrolment.objects.create(
        round=rehab_round, person=quit_person, outcome=m.RehabOutcome.QUIT
    )
    return {
        "old": old,
        "alive": alive,
        "gone": gone,
        "person": person,
        "episode": episode,
        "past_person": past_person,
        "past": past,
        "round": rehab_round,
        "rehab_person": rehab_person,
        "quit_person": quit_person,
    }


def test_a_merged_commune_continues_in_its_successor_and_keeps_its_history(merged_world):
    w = merged_world
    old, successor = w["old"], new(MERGED)
    district, province = old.parent, old.parent.parent
    before = {
        (code, root.pk, day): _stock(code, root, day)
        for code in ("model_addresses", "persons_managed_educated")
        for root in (old, district, province)
        for day in (date(2024, 12, 31), date(2025, 6, 30))
    }
    admin = make_user("quantri", is_superuser=True)

    plan = orgunits_rehome(actor=admin, dry_run=True)
    move = plan.units[old.pk]
    assert move.target.new == successor and move.target.rule == TargetRule.WHOLE
    assert dict(move.counts) == {
        "group": 1,
        "episode": 1,
        "rehab_round": 1,
        "enrolment": 1,
        "person": 2,
    }
    assert not plan.applied and m.Group.objects.filter(orgunit=successor).count() == 0

    orgunits_rehome(actor=admin)

    w["alive"].refresh_from_db()
    assert w["alive"].orgunit == old and w["alive"].dissolved == date(2025, 7, 1)
    continued = m.Group.objects.get(orgunit=successor)
    assert (continued.name, continued.founded, continued.dissolved) == (
        "Tổ an ninh nhân dân số 1",
        date(2025, 7, 1),
        None,
    )
    assert f"#{w['alive'].pk}" in continued.note and successor.name in w["alive"].note
    w["gone"].refresh_from_db()
    assert w["gone"].orgunit == old and w["gone"].dissolved == date(2020, 1, 1)

    w["episode"].refresh_from_db()
    assert w["episode"].end == date(2025, 6, 30)
    later = m.ManagementEpisode.objects.get(orgunit=successor)
    assert (later.person_id, later.start, later.end) == (w["person"].pk, date(2025, 7, 1), None)
    w["person"].refresh_from_db()
    w["past_person"].refresh_from_db()
    assert w["person"].orgunit == successor and w["past_person"].orgunit == old

    w["round"].refresh_from_db()
    assert w["round"].end == date(2025, 6, 30)
    carried = m.RehabRound.objects.get(orgunit=successor)
    assert carried.start == date(2025, 7, 1)
    assert list(carried.enrolments.values_list("person_id", flat=True)) == [w["rehab_person"].pk]
    w["quit_person"].refresh_from_db()
    assert w["quit_person"].orgunit == old

    # As it was: every figure up to 30/6/2025 reads the same; after it, on today's unit.
    after = {key: _stock(*key[:1], OrgUnit.objects.get(pk=key[1]), key[2]) for key in before}
    assert after == before
    assert _stock("model_addresses", old, date(2026, 1, 31)) in (None, 0)
    assert _stock("model_addresses", successor, date(2026, 1, 31)) == 1
    assert _stock("model_addresses", successor.parent, date(2026, 1, 31)) == 1
    assert _stock("persons_managed_educated", successor, date(2026, 1, 31)) == 1

    # One audit entry per record, by the operator, on the unit it now lives in.
    events = AuditEvent.objects.filter(action__endswith=".rehome", actor=admin).exclude(
        target_type="orgunit"  # the run's own summary entry
    )
    assert sorted(events.values_list("action", flat=True)) == [
        "group.rehome",
        "managementepisode.rehome",
        "person.rehome",
        "person.rehome",
        "rehabround.rehome",
    ]
    group_event = events.get(action="group.rehome")
    assert group_event.orgunit == successor and group_event.target_id == str(w["alive"].pk)
    assert group_event.before["code"] == MERGED and group_event.after["record"] == continued.pk

    # Idempotent: a second run finds nothing to move and writes nothing.
    counts = (m.Group.objects.count(), m.ManagementEpisode.objects.count(), events.count())
    again = orgunits_rehome(actor=admin)
    assert not again.units and not again.totals()
    assert (m.Group.objects.count(), m.ManagementEpisode.objects.count(), events.count()) == counts


def test_a_split_commune_waits_for_the_operators_choice():
    old = unit(SPLIT)
    group = _group(old, date(2021, 6, 1))
    person, _ = _episode(old, date(2025, 1, 10))
    admin = make_user("quantri", is_superuser=True)

    plan = rehome_plan()
    (waiting,) = plan.needs_choice
    assert waiting.old == old
    assert [c.code for c in waiting.candidates] == ["00691", "00694"]
    assert waiting.seat_id == new("00691").pk
    with pytest.raises(InvalidInput, match="cần chọn"):
        orgunits_rehome(actor=admin)
    group.refresh_from_db()
    assert group.dissolved is None and m.Group.objects.count() == 1  # nothing written

    # A unit that is not among its successors is refused, whatever the operator types.
    with pytest.raises(InvalidInput, match="không phải đơn vị kế thừa"):
        orgunits_rehome(actor=admin, choices=rehome_choices_parse([f"{SPLIT}=00700"]))

    done = orgunits_rehome(actor=admin, choices=rehome_choices_parse([f"{SPLIT}=00694"]))
    assert done.units[old.pk].target.rule == TargetRule.CHOICE
    assert m.Group.objects.get(orgunit=new("00694")).founded == date(2025, 7, 1)
    person.refresh_from_db()
    assert person.orgunit == new("00694")
    event = AuditEvent.objects.get(action="group.rehome")
    assert event.after["rule"] == TargetRule.CHOICE


def test_a_split_commune_goes_to_its_seat_only_when_asked():
    old = unit(SPLIT)
    _group(old, date(2021, 6, 1))
    admin = make_user("quantri", is_superuser=True)
    plan = orgunits_rehome(actor=admin, use_seat=True)
    assert plan.units[old.pk].target.rule == TargetRule.SEAT
    assert m.Group.objects.filter(orgunit=new("00691")).count() == 1


@pytest.mark.usefixtures("national")  # a commune of Sơn La, outside the small world
def test_a_renamed_commune_continues_under_its_new_name():
    old = unit(RENAMED)
    renamed = new(RENAMED)
    assert old.name != renamed.name  # Xã Tân Lập became Xã Tân Yên
    _group(old, date(2016, 2, 1))
    late = _group(old, date(2025, 8, 1))  # entered on the old unit after the change
    orgunits_rehome(actor=None)
    late.refresh_from_db()
    assert late.orgunit == renamed and late.founded == date(2025, 8, 1)  # moved whole
    assert m.Group.objects.filter(orgunit=renamed).count() == 2
    assert _stock("model_addresses", renamed, date(2026, 3, 31)) == 2
    assert _stock("model_addresses", old, date(2025, 6, 30)) == 1


def test_scopes_move_to_the_successors_by_the_same_command():
    province_user = make_user("tinh", role="province_officer", orgunit=unit("02"))
    commune_user = make_user("xa", role="commune_officer", orgunit=unit(MERGED))
    split_user = make_user("xa2", role="commune_officer", orgunit=unit(SPLIT))
    district_user = make_user("huyen", role="district_officer", orgunit=unit("024"))
    admin = make_user("quantri", is_superuser=True)

    plan = orgunits_rehome(actor=admin, dry_run=True, choices={})
    assert [t.old.code for t in plan.needs_choice] == [SPLIT]
    refused = {a.user.username: reason for a, reason in plan.refused_scopes}
    assert set(refused) == {"huyen", "xa2"} and "kế thừa" in refused["huyen"]
    assert RoleAssignment.objects.filter(orgunit__hierarchy=Hierarchy.NEW).count() == 0

    orgunits_rehome(actor=admin, choices=rehome_choices_parse([f"{SPLIT}=00694"]))

    def where(user):
        return sorted(
            (a.role, a.orgunit.hierarchy, a.orgunit.code)
            for a in RoleAssignment.objects.filter(user=user)
        )

    assert where(province_user) == [("province_officer", "2025", "08")]
    assert where(commune_user) == [("commune_officer", "2025", MERGED)]
    assert where(split_user) == [("commune_officer", "2025", "00694")]
    assert where(district_user) == [("district_officer", "2008", "024")]  # left, and listed
    events = AuditEvent.objects.filter(action="role_assignment.rehome")
    assert events.count() == 3
    assert {e.before["code"] for e in events} == {"02", MERGED, SPLIT}
    assert not rehome_plan(choices={}).scopes  # idempotent


def test_the_command_dry_run_lists_moves_and_choices(capsys):
    _group(unit(MERGED), date(2019, 3, 1))
    _group(unit(SPLIT), date(2019, 3, 1))
    assert main(["orgunits", "rehome", "--dry-run", "--under", "024"]) == 0
    out = capsys.readouterr().out
    assert "Chạy thử" in out
    assert f"{MERGED} Phường Trần Phú → {MERGED} Phường Hà Giang 2" in out
    assert "cần chọn" in out and "00694 Phường Hà Giang 1" in out and "(nhận trụ sở)" in out
    assert m.Group.objects.filter(orgunit__hierarchy=Hierarchy.NEW).count() == 0

    # A real run needs the operator's name, and a choice for the split commune.
    assert main(["orgunits", "rehome", "--under", "024"]) != 0
    assert "Cần --user" in capsys.readouterr().err
    make_user("quantri", is_superuser=True)
    assert main(["orgunits", "rehome", "--under", "024", "--user", "quantri"]) != 0
    assert "cần chọn" in capsys.readouterr().err
    assert m.Group.objects.filter(orgunit__hierarchy=Hierarchy.NEW).count() == 0
    assert (
        main(
            ["orgunits", "rehome", "--under", "024", "--user", "quantri", "--choose", "00688=00691"]
        )
        == 0
    )
    assert "Đã chuyển" in capsys.readouterr().out
    assert m.Group.objects.filter(orgunit__hierarchy=Hierarchy.NEW).count() == 2


def test_only_an_administrator_of_the_scope_runs_the_command(capsys):
    _group(unit(MERGED), date(2019, 3, 1))
    make_user("tinh", role="province_officer", orgunit=unit("02"))
    make_user("quantri_tinh", role="admin", orgunit=unit("02"))
    assert main(["orgunits", "rehome", "--user", "tinh", "--under", "02"]) != 0
    assert main(["orgunits", "rehome", "--user", "quantri_tinh"]) != 0  # the whole country
    assert "Chỉ quản trị" in capsys.readouterr().err
    assert m.Group.objects.filter(orgunit__hierarchy=Hierarchy.NEW).count() == 0
    assert main(["orgunits", "rehome", "--user", "quantri_tinh", "--under", "024"]) == 0
    assert m.Group.objects.filter(orgunit__hierarchy=Hierarchy.NEW).count() == 1


def test_a_record_cut_at_the_change_counts_once_on_todays_units(merged_world):
    """The old row (mapped to its successor) and its copy are one record on today's units."""
    old, successor = merged_world["old"], new(MERGED)
    spans = [
        (date(2025, 1, 1), date(2025, 12, 31)),
        (date(2025, 6, 1), date(2025, 8, 31)),
        (date(2013, 1, 1), date(2026, 12, 31)),
    ]
    codes = (
        "persons_managed_educated",
        "rehab_participants",
        "rehab_rounds",  # the round's copy is the same round (continued_from), not a new one
        "model_addresses",
        "model_types",
    )

    def figures(root):
        return {
            (code, start): getattr(
                registry_indicator_figure(code=code, root=root, start=start, end=end),
                "value",
                None,
            )
            for code in codes
            for start, end in spans
        }

    before = figures(old)
    version = data_version()
    orgunits_rehome(actor=make_user("quantri", is_superuser=True))
    assert data_version() > version  # cached figures are not served after the move
    copy = m.RehabRound.objects.get(continued_from=merged_world["round"])
    assert copy.orgunit == successor and copy.name == "Đợt 2025 (tiếp tục)"
    # As it was: the old rows, nothing else (the group is gone from the old unit by each end).
    assert figures(old) == {
        **before,
        **{(c, s): None for c in ("model_addresses", "model_types") for s, _ in spans},
    }
    for root in (successor, successor.parent):
        assert figures(root) == before, root


def test_todays_unit_lists_its_predecessors_records(merged_world):
    """A figure's drill-down on today's unit reaches the old units' records."""
    old, successor = merged_world["old"], new(MERGED)
    spec = BY_SLUG["mo-hinh"]
    everything = spec.model._default_manager.all()
    old_groups = {merged_world["alive"].pk, merged_world["gone"].pk}
    for where in (successor, successor.parent):
        assert (
            set(records_filter(everything, spec=spec, unit=where).values_list("pk", flat=True))
            == old_groups
        )
    orgunits_rehome(actor=make_user("quantri", is_superuser=True))
    copy = m.Group.objects.get(orgunit=successor).pk
    listed = set(records_filter(everything, spec=spec, unit=successor).values_list("pk", flat=True))
    assert listed == old_groups | {copy}
    # As it was: the old unit lists its own rows only.
    assert (
        set(records_filter(everything, spec=spec, unit=old).values_list("pk", flat=True))
        == old_groups
    )
    # The list's unit filter offers today's unit even where only its predecessors hold records.
    admin = make_user("quantri2", is_superuser=True)
    m.Group.objects.filter(pk=copy).delete()
    form = FilterForm({"don_vi": str(successor.pk)}, user=admin, spec=spec, records=everything)
    assert str(successor.pk) in dict(form.fields["don_vi"].choices)
    assert set(form.apply(everything).values_list("pk", flat=True)) == old_groups
