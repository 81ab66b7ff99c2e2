"""Shared worlds for the tests: the real hierarchy, loaded once per test database."""

from __future__ import annotations

import pytest

from phongtrao.orgunits.models import Hierarchy, OrgUnit

from .factories import make_user


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # noqa: F811
    """Load the official hierarchy into the test database once; tests roll back around it."""
    from phongtrao.catalog.services import catalog_load_shipped
    from phongtrao.orgunits.services import orgunits_load

    with django_db_blocker.unblock():
        orgunits_load()
        catalog_load_shipped()


def unit(code: str, hierarchy: str = Hierarchy.OLD) -> OrgUnit:
    return OrgUnit.objects.get(hierarchy=hierarchy, code=code)


@pytest.fixture
def ha_giang(db) -> OrgUnit:
    """Hà Giang province (old tree, code 02)."""
    return unit("02")


@pytest.fixture
def commune(db) -> OrgUnit:
    """A commune of Hà Giang city: Phường Quang Trung (00688)."""
    return unit("00688")


@pytest.fixture
def sibling_commune(commune) -> OrgUnit:
    """Another commune of the same district."""
    return OrgUnit.objects.filter(parent=commune.parent).exclude(pk=commune.pk).first()


@pytest.fixture
def commune_user(commune):
    return make_user("xa1", role="commune_officer", orgunit=commune)


@pytest.fixture
def district_user(commune):
    return make_user("huyen1", role="district_officer", orgunit=commune.parent)


@pytest.fixture
def province_user(ha_giang):
    return make_user("tinh1", role="province_officer", orgunit=ha_giang)


@pytest.fixture
def front_member_user(ha_giang):
    return make_user("mttq1", role="front_viewer", orgunit=ha_giang)


def pytest_configure(config):
    from django.conf import settings

    # Hashing a password properly takes most of a second; tests need only a correct one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
