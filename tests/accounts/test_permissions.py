import re

import pytest

from phongtrao.accounts.permissions import Action, orgunits_where, user_can
from phongtrao.accounts.services import role_grant, user_create
from phongtrao.core.errors import InvalidInput

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("user_fixture", "action", "target", "allowed"),
    [
        ("commune_user", Action.ENTER_DATA, "commune", True),
        ("commune_user", Action.VIEW_PERSONAL, "commune", True),
        ("commune_user", Action.ENTER_DATA, "sibling_commune", False),
        ("commune_user", Action.VIEW_AGGREGATE, "sibling_commune", False),
        ("commune_user", Action.VIEW_AGGREGATE, "ha_giang", False),
        ("commune_user", Action.APPROVE, "commune", False),
        ("district_user", Action.APPROVE, "commune", True),
        ("district_user", Action.ENTER_DATA, "sibling_commune", True),
        ("district_user", Action.VIEW_AGGREGATE, "ha_giang", False),
        ("province_user", Action.VIEW_PERSONAL, "commune", True),
        ("province_user", Action.ADMINISTER, "ha_giang", False),
        ("front_member_user", Action.VIEW_AGGREGATE, "commune", True),
        ("front_member_user", Action.VIEW_PERSONAL, "commune", False),
        ("front_member_user", Action.ENTER_DATA, "commune", False),
    ],
)
def test_user_can(request, user_fixture, action, target, allowed):
    user = request.getfixturevalue(user_fixture)
    unit = request.getfixturevalue(target)
    assert user_can(user, action, unit) is allowed


def test_anonymous_and_inactive_users_can_do_nothing(commune, commune_user):
    from django.contrib.auth.models import AnonymousUser

    assert not user_can(AnonymousUser(), Action.VIEW_AGGREGATE, commune)
    commune_user.is_active = False
    assert not user_can(commune_user, Action.VIEW_AGGREGATE, commune)


def test_units_where_a_district_officer_may_approve_are_its_subtree(district_user, commune):
    units = orgunits_where(district_user, Action.APPROVE)
    assert set(units.values_list("path", flat=True)) == set(
        type(commune)
        .objects.descendants_of(commune.parent, include_self=True)
        .values_list("path", flat=True)
    )


def test_role_must_match_the_units_level(ha_giang):
    user = user_create(username="sai-cap", password="mat-khau-thu-nghiem-2025")
    with pytest.raises(InvalidInput, match=re.escape("phải gắn với đơn vị cấp xã")):
        role_grant(user=user, role="commune_officer", orgunit=ha_giang)
    assert not user.role_assignments.exists()


def test_weak_password_is_refused_and_nothing_is_written(django_user_model):
    with pytest.raises(InvalidInput, match="^Mật khẩu chưa đạt"):
        user_create(username="yeu", password="123")
    assert not django_user_model.objects.filter(username="yeu").exists()
