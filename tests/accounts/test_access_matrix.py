"""Every role against every kind of unit and every action, through `user_can`.

The expected table is written out by hand from the role definitions (README, "Roles"): a role
covers its unit and everything under it; officers enter data and handle personal records; district
and province officers approve; only the commune officer sees a national ID unmasked; the Front's
viewers see aggregates only; an administrator may do everything within their unit; a superuser
everywhere. A grant in the 2025 tree covers its unit there and reads (aggregates and personal
records, nothing more) the history of its predecessors: the old units that became all or part
of it, with everything under them. The new commune NC took in C (part of it) and C2; the new
province NP took in the whole old province P, but not X.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from phongtrao.accounts.permissions import Action, orgunits_where, user_can
from phongtrao.accounts.services import role_grant
from phongtrao.orgunits.models import Hierarchy, OrgUnit

from ..factories import make_user

pytestmark = pytest.mark.django_db

LETTER = {
    "A": Action.VIEW_AGGREGATE,
    "E": Action.ENTER_DATA,
    "P": Action.APPROVE,
    "V": Action.VIEW_PERSONAL,
    "W": Action.EDIT_PERSONAL,
    "N": Action.VIEW_NATIONAL_ID,
    "U": Action.EDIT_UNIT,
    "M": Action.ADMINISTER,
}
# The units, by (hierarchy, code).
UNITS = {
    "C": (Hierarchy.OLD, "00688"),  # Phường Quang Trung, Thành phố Hà Giang
    "C2": (Hierarchy.OLD, "00691"),  # Phường Trần Phú, same district
    "D": (Hierarchy.OLD, "024"),  # Thành phố Hà Giang
    "P": (Hierarchy.OLD, "02"),  # Tỉnh Hà Giang
    "F": (Hierarchy.OLD, "00712"),  # Thị trấn Phó Bảng, Huyện Đồng Văn, same province
    "F_D": (Hierarchy.OLD, "026"),  # Huyện Đồng Văn
    "X": (Hierarchy.OLD, "08"),  # Tỉnh Tuyên Quang (old tree): another province, but a
    # predecessor of NP, whose officers read its history
    "NC": (Hierarchy.NEW, "00691"),  # Phường Hà Giang 2, successor of the commune
    "NP": (Hierarchy.NEW, "08"),  # Tỉnh Tuyên Quang (2025), which took in Hà Giang
}
# Each user's grants: (role, unit); "superuser" and the special cases are built below.
USERS = {
    "commune_officer": [("commune_officer", "C")],
    "district_officer": [("district_officer", "D")],
    "province_officer": [("province_officer", "P")],
    "front_viewer": [("front_viewer", "P")],
    "admin": [("admin", "P")],
    "two_communes": [("commune_officer", "C"), ("commune_officer", "F")],
    "front_and_commune": [("front_viewer", "P"), ("commune_officer", "C")],
    "new_tree_commune": [("commune_officer", "NC")],
    "new_tree_province": [("province_officer", "NP")],
    "no_grant": [],
    "inactive_officer": [("province_officer", "P")],
    "superuser": [],
    "anonymous": [],
}
# Columns: C the commune, C2 its sibling, D their district, P the province, F a commune of
# another district F_D, X another province, NC and NP the 2025 commune and province.
EXPECTED = """
user              C        C2       D        P        F        F_D      X        NC       NP
commune_officer   AEVWNU   -        -        -        -        -        -        -        -
district_officer  AEPVWU   AEPVWU   AEPVWU   -        -        -        -        -        -
province_officer  AEPVWU   AEPVWU   AEPVWU   AEPVWU   AEPVWU   AEPVWU   -        -        -
front_viewer      A        A        A        A        A        A        -        -        -
admin             AEPVWNUM AEPVWNUM AEPVWNUM AEPVWNUM AEPVWNUM AEPVWNUM -        -        -
two_communes      AEVWNU   -        -        -        AEVWNU   -        -        -        -
front_and_commune AEVWNU   A        A        A        A        A        -        -        -
new_tree_commune  AV       AV       -        -        -        -        -        AEVWNU   -
new_tree_province AV       AV       AV       AV       AV       AV       AV       AEPVWU   AEPVWU
no_grant          -        -        -        -        -        -        -        -        -
inactive_officer  -        -        -        -        -        -        -        -        -
superuser         AEPVWNUM AEPVWNUM AEPVWNUM AEPVWNUM AEPVWNUM AEPVWNUM AEPVWNUM AEPVWNUM AEPVWNUM
anonymous         -        -        -        -        -        -        -        -        -
"""
# What each user may do somewhere at all (user_can without a unit).
ANYWHERE = {
    "commune_officer": "AEVWNU",
    "district_officer": "AEPVWU",
    "province_officer": "AEPVWU",
    "front_viewer": "A",
    "admin": "AEPVWNUM",
    "two_communes": "AEVWNU",
    "front_and_commune": "AEVWNU",
    "new_tree_commune": "AEVWNU",
    "new_tree_province": "AEPVWU",
    "no_grant": "",
    "inactive_officer": "",
    "superuser": "AEPVWNUM",
    "anonymous": "",
}


def _table() -> dict[tuple[str, str], set[Action]]:
    header, *rows = [line.split() for line in EXPECTED.strip().splitlines()]
    targets = header[1:]
    table = {}
    for user, *cells in rows:
        assert len(cells) == len(targets), user
        for target, cell in zip(targets, cells, strict=True):
            table[(user, target)] = {LETTER[c] for c in cell if c != "-"}
        table[(user, "anywhere")] = {LETTER[c] for c in ANYWHERE[user]}
    return table


TABLE = _table()
CASES = [(user, target, action) for (user, target) in TABLE for action in Action]


def test_the_table_covers_every_user_every_unit_and_every_action():
    assert {user for user, _ in TABLE} == set(USERS)
    assert {target for _, target in TABLE} == {*UNITS, "anywhere"}
    assert set(LETTER.values()) == set(Action)


@pytest.fixture
def units(db) -> dict[str, OrgUnit]:
    found = {name: OrgUnit.objects.get(hierarchy=h, code=c) for name, (h, c) in UNITS.items()}
    # The table's geography, checked rather than assumed.
    assert found["C2"].parent == found["C"].parent == found["D"]
    assert found["D"].parent == found["P"] == found["F_D"].parent
    assert found["F"].parent == found["F_D"]
    assert found["NC"].parent == found["NP"]
    return found


@pytest.fixture
def users(units) -> dict[str, object]:
    made: dict[str, object] = {}
    for name, grants in USERS.items():
        if name == "anonymous":
            made[name] = AnonymousUser()
            continue
        user = make_user(name, is_superuser=name == "superuser")
        for role, target in grants:
            role_grant(user=user, role=role, orgunit=units[target])
        if name == "inactive_officer":
            user.is_active = False
            user.save(update_fields=["is_active"])
        made[name] = user
    return made


def test_user_can_follows_the_table(users, units):
    wrong = []
    for user_name, target, action in CASES:
        unit = None if target == "anywhere" else units[target]
        allowed = action in TABLE[(user_name, target)]
        if user_can(users[user_name], action, unit) is not allowed:
            wrong.append((user_name, target, str(action), allowed))
    assert not wrong, f"{len(wrong)} cells differ (user, unit, action, expected): {wrong}"


def test_units_where_a_user_may_act_follow_the_same_table(users, units):
    """The queryset form, which every list and scoped selector uses, agrees cell by cell."""
    wrong = []
    for user_name, user in users.items():
        for action in Action:
            where = set(
                orgunits_where(user, action)
                .filter(pk__in=[u.pk for u in units.values()])
                .values_list("pk", flat=True)
            )
            expected = {
                units[target].pk for target in UNITS if action in TABLE[(user_name, target)]
            }
            if where != expected:
                wrong.append((user_name, str(action)))
    assert not wrong


def test_a_grant_covers_the_units_subtree_to_the_last_commune(users, units):
    district_officer = users["district_officer"]
    communes = OrgUnit.objects.filter(parent=units["D"])
    assert communes.count() > 2
    assert all(user_can(district_officer, Action.APPROVE, c) for c in communes)
    outside = OrgUnit.objects.filter(parent=units["F_D"])
    assert not any(user_can(district_officer, Action.VIEW_AGGREGATE, c) for c in outside)
