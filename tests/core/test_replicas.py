"""The replica router: heavy reads to a replica, writes, transactions and migrations on default.

Runs on both databases with a second alias on the test database standing in for a replica, a
test mirror of default as settings.py declares each replica (the live streaming replica is in
test_replica_streaming.py, PostgreSQL only).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_started
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections, router, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from phongtrao.analytics.dashboard import dashboard_build
from phongtrao.analytics.engine import analytic_session
from phongtrao.analytics.models import Rollup, ValueRollup
from phongtrao.analytics.query import pivot_table
from phongtrao.core import replicas
from phongtrao.core.replicas import read_alias, read_connection, reading_replica
from phongtrao.datavalues.periods import Period, PeriodKind
from phongtrao.orgunits.models import OrgUnit
from phongtrao.reports.builders import review_build

from ..conftest import REPLICA_MIRROR, unit

pytestmark = pytest.mark.django_db(databases=[DEFAULT_DB_ALIAS, REPLICA_MIRROR])


@pytest.fixture
def fresh_request() -> Iterator[None]:
    """Each test starts as a request does: nothing written, no replica chosen."""
    replicas.request_started()
    yield
    replicas.request_started()


@pytest.fixture
def replica(replica_mirror, fresh_request) -> Iterator[str]:
    """The test database's second alias (a test mirror of default) as the one read replica."""
    with override_settings(PHONGTRAO_READ_REPLICAS=[replica_mirror]):
        yield replica_mirror


def test_without_replicas_the_router_answers_nothing(fresh_request):
    assert replicas.replica_aliases() == []
    with reading_replica():
        assert router.db_for_read(OrgUnit) == DEFAULT_DB_ALIAS
        assert replicas.ReplicaRouter().db_for_read(OrgUnit) is None
        assert replicas.ReplicaRouter().db_for_write(OrgUnit) is None
        assert replicas.ReplicaRouter().allow_migrate(DEFAULT_DB_ALIAS, "orgunits") is None
        assert read_alias() == DEFAULT_DB_ALIAS


def test_reads_go_to_the_replica_only_inside_reading_replica(replica):
    assert router.db_for_read(OrgUnit) == DEFAULT_DB_ALIAS
    with reading_replica():
        assert router.db_for_read(OrgUnit) == replica
        assert read_alias() == replica
        assert read_connection().alias == replica
    assert router.db_for_read(OrgUnit) == DEFAULT_DB_ALIAS


def test_an_orm_read_inside_reading_replica_runs_on_the_replica_connection(replica):
    with (
        CaptureQueriesContext(connections[replica]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_default,
        reading_replica(),
    ):
        assert OrgUnit.objects.filter(code="02").exists()
    assert len(on_replica.captured_queries) == 1
    assert "orgunits_orgunit" in on_replica.captured_queries[0]["sql"]
    assert on_default.captured_queries == []


def test_writes_go_to_default_and_later_reads_of_the_request_stay_there(replica, ha_giang):
    with reading_replica():
        assert router.db_for_read(OrgUnit) == replica
        assert router.db_for_write(OrgUnit) == DEFAULT_DB_ALIAS
        ha_giang.save(update_fields=["name"])
        # The request has written: its reads must see that write.
        assert router.db_for_read(OrgUnit) == DEFAULT_DB_ALIAS
    replicas.request_started()  # the next request
    with reading_replica():
        assert router.db_for_read(OrgUnit) == replica


def test_reads_inside_a_write_transaction_stay_on_default(replica):
    with reading_replica():
        with transaction.atomic():
            assert router.db_for_read(OrgUnit) == DEFAULT_DB_ALIAS
            assert read_alias() == DEFAULT_DB_ALIAS
            with transaction.atomic():  # a savepoint: still the writing transaction
                assert read_alias() == DEFAULT_DB_ALIAS
        assert read_alias() == replica
    with transaction.atomic(), reading_replica():
        assert read_alias() == DEFAULT_DB_ALIAS


def test_the_analytic_session_runs_on_the_replica_unless_a_transaction_is_open(replica):
    with analytic_session():
        assert read_alias() == replica
        assert connections[replica].in_atomic_block
    with transaction.atomic(), analytic_session():
        assert read_alias() == DEFAULT_DB_ALIAS


def test_a_pivot_reads_its_figures_from_the_replica(replica):
    province = unit("02")
    year = Period(PeriodKind.RANGE, date(2023, 1, 1), date(2023, 12, 31))
    figure_tables = ("registries_", Rollup._meta.db_table, ValueRollup._meta.db_table)
    with (
        CaptureQueriesContext(connections[replica]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_default,
    ):
        pivot_table(indicators=["propaganda_rounds"], units=[province], periods=[year])
    replica_sql = " ".join(q["sql"] for q in on_replica.captured_queries)
    default_sql = " ".join(q["sql"] for q in on_default.captured_queries)
    # The indicator's definition is read before the analytic session, on default.
    assert any(table in replica_sql for table in figure_tables)
    assert not any(table in default_sql for table in figure_tables)


@pytest.mark.parametrize("build", ["review", "dashboard"])
def test_the_review_and_the_dashboard_read_only_from_the_replica(replica, build):
    district = unit("00688").parent
    with (
        CaptureQueriesContext(connections[replica]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_default,
    ):
        if build == "review":
            review_build(root=district, start=date(2023, 1, 1), end=date(2023, 5, 30))
        else:
            dashboard_build(unit=district, year=2023, today=date(2023, 6, 15))
    assert len(on_replica.captured_queries) > 5
    assert on_default.captured_queries == []


def test_migrations_only_on_default(replica):
    route = replicas.ReplicaRouter()
    assert route.allow_migrate(replica, "orgunits", model_name="orgunit") is False
    assert route.allow_migrate(DEFAULT_DB_ALIAS, "orgunits", model_name="orgunit") is None
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "orgunits", model_name="orgunit")
    assert not router.allow_migrate(replica, "orgunits", model_name="orgunit")


def test_objects_read_from_a_replica_relate_to_objects_on_default(replica, ha_giang):
    with reading_replica():
        child = OrgUnit.objects.filter(parent=ha_giang).first()
    assert child._state.db == replica
    assert router.allow_relation(child, ha_giang)
    assert replicas.ReplicaRouter().allow_relation(child, ha_giang) is True


def test_nested_blocks_keep_one_replica(fresh_request):
    with override_settings(PHONGTRAO_READ_REPLICAS=["replica1", "replica2"]):
        chosen = []
        for _ in range(4):
            with reading_replica():
                outer = replicas._replica.get()
                with reading_replica():
                    assert replicas._replica.get() == outer
                chosen.append(outer)
        assert set(chosen) == {"replica1", "replica2"}  # the blocks take turns


def test_each_request_starts_unpinned(replica):
    replicas._wrote.set(True)
    with reading_replica():
        assert read_alias() == DEFAULT_DB_ALIAS
    # What the WSGI handler sends first; closing connections is left out, as the test client does.
    request_started.disconnect(close_old_connections)
    try:
        request_started.send(sender=WSGIHandler, environ={})
    finally:
        request_started.connect(close_old_connections)
    with reading_replica():
        assert read_alias() == replica
