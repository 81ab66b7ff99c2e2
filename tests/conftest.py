"""Shared worlds for the tests: a small world, the whole country, and the demo province.

Every test that uses the database runs in the small world unless it asks for another: two old
provinces of the official hierarchy (Hà Giang 02, Tuyên Quang 08), their 2025 successor, the
country units and the shipped catalog (template_db.py). A test that checks the whole country
(its loading, searches across it) asks for the `national` fixture, the demo's tests for `demo`.
Each world is built once per run (and kept between runs, see template_db.py); every test runs
in a transaction rolled back around it. Once a world is copied in it stays until the next one,
so the tests run in this order: without a database, in the small world, in the whole country,
in the demo (which fills Hà Giang, where most of the small world's tests live).

`make test` runs the tests on two pytest-xdist workers with `--dist load`, which hands each
worker its tests in the collection order below: a worker never gets a test of an earlier world
after one of a later (a check below fails the test if it ever did).
"""

from __future__ import annotations

import copy
import os

import pytest

from phongtrao.orgunits.models import Hierarchy, Level, OrgUnit

from . import template_db
from .factories import make_user

# The worlds in the order the tests meet them; the one in this process's test database.
WORLD_ORDER = ("small", "national", "demo")
_world = "small"


@pytest.fixture(scope="session")
def django_db_setup(
    request, django_test_environment, django_db_blocker, django_db_modify_db_settings
):
    """Make the test database the small world: two provinces and the shipped catalog.

    Replaces pytest-django's fixture: a kept world is copied in without running the migrations.
    Under xdist, a worker that finds no kept whole country or demo builds it first while the
    others run tests.
    """
    verbosity = request.config.option.verbose
    with django_db_blocker.unblock():
        old_config = template_db.setup_base(verbosity)
        workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
        if workers > 1:
            for name in ("national", "demo"):
                if any(name in _fixtures(item) for item in request.session.items):
                    template_db.prebuild(name)
    yield
    with django_db_blocker.unblock():
        try:
            template_db.teardown(old_config, verbosity)
        except Exception as exc:  # as pytest-django's fixture: a leftover database only warns
            request.node.warn(pytest.PytestWarning(f"Could not drop the test database: {exc!r}"))


def _enter(name: str, django_db_blocker) -> dict:
    global _world
    _world = name
    with django_db_blocker.unblock():
        return template_db.ensure(name)


@pytest.fixture(scope="session")
def national(django_db_setup, django_db_blocker) -> None:
    """The whole country: both official trees, for the tests that need more than two provinces.

    Use it as an argument or with `pytestmark = pytest.mark.usefixtures("national")`.
    """
    _enter("national", django_db_blocker)


@pytest.fixture(scope="session")
def demo(django_db_setup, django_db_blocker):
    """The demo province (Hà Giang) in the small world, loaded once per run, for the last tests."""
    from phongtrao.demo.services import DemoResult

    meta = _enter("demo", django_db_blocker)
    with django_db_blocker.unblock():
        province = OrgUnit.objects.get(
            hierarchy=Hierarchy.OLD, code=meta["province_code"], level=Level.PROVINCE
        )
    return DemoResult(
        province=province, counts=meta["counts"], users=[tuple(u) for u in meta["users"]]
    )


def _fixtures(item: pytest.Item) -> tuple[str, ...]:
    return tuple(getattr(item, "fixturenames", ()))


def _uses_db(item: pytest.Item) -> bool:
    return item.get_closest_marker("django_db") is not None or bool(
        {"db", "transactional_db"} & set(_fixtures(item))
    )


def _world_of(item: pytest.Item) -> str:
    fixtures = _fixtures(item)
    return next((w for w in reversed(WORLD_ORDER) if w in fixtures), "small")


def pytest_collection_modifyitems(config, items):
    # Stable: each group keeps its order. A world once copied in stays until the next one, so
    # the tests come world by world (small, national, demo); tests without a database come
    # first, so that a worker can run them while another builds a world. Within each group the
    # slow tests go first: a long test started last would keep one worker busy while the other
    # waits.
    items.sort(
        key=lambda item: (
            WORLD_ORDER.index(_world_of(item)),
            _uses_db(item),
            item.get_closest_marker("slow") is None,
        )
    )


def pytest_runtest_setup(item):
    wanted = _world_of(item)
    if _uses_db(item) and WORLD_ORDER.index(wanted) < WORLD_ORDER.index(_world):
        pytest.fail(
            f"the {_world} world is loaded in this process and this test expects the {wanted} "
            "one: run the tests in the collection order (xdist: --dist load)"
        )


@pytest.fixture(autouse=True)
def _empty_caches():
    """Start each test with no cached figures: every test's database starts at the same data
    version, with different data (core/dataversion.py)."""
    from django.core.cache import caches

    for cache in caches.all(initialized_only=True):
        cache.clear()


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

    from phongtrao.registries import crypto

    if not os.environ.get("PYTEST_XDIST_WORKER"):
        # Made once before the workers start: each would otherwise race to create var/field_key.
        crypto._key()

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
