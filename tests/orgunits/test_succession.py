"""Where an old unit's values go on today's units: whole, by shares, or to the seat."""

from decimal import Decimal

import pytest

from phongtrao.orgunits.models import Hierarchy, Level, OrgUnitSuccession
from phongtrao.orgunits.selectors import Attribution, AttributionRule, succession_attribution
from phongtrao.orgunits.succession import SeatCandidate, seat_choose

pytestmark = pytest.mark.django_db


def test_seat_goes_to_the_successor_that_kept_the_name():
    candidates = [
        SeatCandidate(1, "00100", "Bình Minh", partial=False),
        SeatCandidate(2, "00200", "Minh Ngọc", partial=True),
    ]
    assert seat_choose("Minh Ngoc", candidates) == 2


def test_seat_falls_back_to_the_whole_successor_then_the_lowest_code():
    whole = [SeatCandidate(1, "00300", "A", True), SeatCandidate(2, "00200", "B", False)]
    assert seat_choose("C", whole) == 2
    parts = [SeatCandidate(1, "00300", "A", True), SeatCandidate(2, "00200", "B", True)]
    assert seat_choose("C", parts) == 2


def _split_commune() -> int:
    counts: dict[int, int] = {}
    for old_id in OrgUnitSuccession.objects.filter(
        old__level=Level.COMMUNE, old__hierarchy=Hierarchy.OLD
    ).values_list("old_id", flat=True):
        counts[old_id] = counts.get(old_id, 0) + 1
    return next(old_id for old_id, n in counts.items() if n > 1)


def test_every_old_unit_with_successors_has_exactly_one_seat():
    seats: dict[int, int] = {}
    for old_id, seat in OrgUnitSuccession.objects.values_list("old_id", "seat"):
        seats[old_id] = seats.get(old_id, 0) + int(seat)
    assert seats and set(seats.values()) == {1}


def test_a_split_commune_goes_to_its_seat_until_shares_are_set():
    old_id = _split_commune()
    successions = list(OrgUnitSuccession.objects.filter(old_id=old_id).order_by("new_id"))
    (seat,) = [s for s in successions if s.seat]
    assert succession_attribution(old_ids=[old_id])[old_id] == [
        Attribution(seat.new_id, Decimal(1), AttributionRule.SEAT)
    ]
    shares = [Decimal("0.25")] + [Decimal("0.75") / (len(successions) - 1)] * (len(successions) - 1)
    for succession, share in zip(successions, shares, strict=True):
        succession.share = share.quantize(Decimal("0.0001"))
        succession.save()
    got = succession_attribution(old_ids=[old_id])[old_id]
    assert [a.rule for a in got] == [AttributionRule.SHARE] * len(successions)
    assert [a.new_id for a in got] == [s.new_id for s in successions]
    assert abs(sum(a.weight for a in got) - 1) < Decimal("0.001")


def test_a_merged_commune_goes_whole():
    counts: dict[int, int] = {}
    for old_id in OrgUnitSuccession.objects.filter(old__level=Level.COMMUNE).values_list(
        "old_id", flat=True
    ):
        counts[old_id] = counts.get(old_id, 0) + 1
    single = next(old_id for old_id, n in counts.items() if n == 1)
    (row,) = succession_attribution(old_ids=[single])[single]
    assert row.rule == AttributionRule.WHOLE and row.weight == 1
    assert row.new_id == OrgUnitSuccession.objects.get(old_id=single).new_id


def test_an_officer_of_todays_unit_opens_on_it_before_its_predecessors():
    from phongtrao.orgunits.models import OrgUnit
    from phongtrao.orgunits.selectors import orgunit_roots_for_user

    from ..factories import make_user

    today = OrgUnit.objects.get(hierarchy=Hierarchy.NEW, code="08", level=Level.PROVINCE)
    officer = make_user("tinh_moi", role="province_officer", orgunit=today)
    roots = list(orgunit_roots_for_user(user=officer))
    assert roots[0] == today
    # Its predecessors' history is readable too, after it.
    assert {r.hierarchy for r in roots[1:]} == {Hierarchy.OLD}
