"""Shared worlds for the tests: the real hierarchy and catalog, and the demo province.

Both are built once per run (and kept between runs, see template_db.py); every test runs in a
transaction rolled back around them. The demo province fills Hà Giang, where most worlds below
live, so the tests that use `demo` run last, after every test that expects Hà Giang empty.
"""

from __future__ import annotations

import copy

import pytest

from phongtrao.orgunits.models import Hierarchy, Level, OrgUnit

from . import template_db
from .factories import make_user


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # noqa: F811
    """Bring the test database to the base world: the official hierarchy and shipped catalog."""
    with django_db_blocker.unblock():
        template_db.ensure("base", template_db.build_base)


@pytest.fixture(scope="session")
def demo(django_db_setup, django_db_blocker):
    """The demo province (Hà Giang), loaded once per run, for the tests that run last."""
    from phongtrao.demo.services import DemoResult

    with django_db_blocker.unblock():
        meta = template_db.ensure("demo", template_db.build_demo)
        province = OrgUnit.objects.get(
            hierarchy=Hierarchy.OLD, code=meta["province_code"], level=Level.PROVINCE
        )
    return DemoResult(
        province=province, counts=meta["counts"], users=[tuple(u) for u in meta["users"]]
    )


def pytest_collection_modifyitems(config, items):
    # Stable: each group keeps its order. Once the demo is in, it stays until the run ends.
    items.sort(key=lambda item: "demo" in getattr(item, "fixturenames", ()))


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


# A second alias on the test database, as settings.py declares each read replica: a test mirror
# of default. The router's tests make it the replica (tests/core/test_replicas.py).
REPLICA_MIRROR = "replica_mirror"


@pytest.fixture(scope="session")
def replica_mirror(django_db_setup):
    """The mirror alias, its connection closed before the test databases are dropped."""
    from django.db import connections

    yield REPLICA_MIRROR
    connections[REPLICA_MIRROR].close()


def pytest_configure(config):
    from django.conf import settings
    from django.db import connections

    # Hashing a password properly takes most of a second; tests need only a correct one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Replicas from PHONGTRAO_READ_DATABASE_URL are test mirrors of default (settings.py), but a
    # mirror is a second connection in its own transaction, blind to a test's uncommitted rows:
    # reads stay on default unless a test names its replica (tests/core/test_replicas.py).
    settings.PHONGTRAO_READ_REPLICAS = []
    mirror = copy.deepcopy(connections.settings["default"])
    mirror["TEST"]["MIRROR"] = "default"
    if mirror["ENGINE"] == "django.db.backends.sqlite3":
        # The in-memory test database is shared between connections table by table: reading
        # uncommitted rows keeps the mirror from waiting on the test's own transaction.
        mirror["OPTIONS"] = {
            **mirror["OPTIONS"],
            "transaction_mode": "DEFERRED",
            "init_command": "PRAGMA read_uncommitted = 1;",
        }
    connections.settings[REPLICA_MIRROR] = mirror
