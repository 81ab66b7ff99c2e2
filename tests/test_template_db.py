"""The test templates are shared safely between pytest-xdist workers."""

from django.db import connection

from . import template_db


def test_a_template_held_by_one_worker_is_busy_for_another(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    with template_db._locked("sqlite-base") as first:
        with template_db._locked("sqlite-base", wait=False) as second:
            assert first and not second
        with template_db._locked("sqlite-demo", wait=False) as other:
            assert other
    with template_db._locked("sqlite-base", wait=False) as again:
        assert again


def test_every_worker_copies_the_same_postgresql_template(monkeypatch):
    names = set()
    for worker in ["gw0", "gw1"]:
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        monkeypatch.setitem(connection.settings_dict, "NAME", f"test_someone_db_{worker}")
        names.add(template_db._PostgresStore("0123456789abcdef")._template("base"))
    assert names == {"test_someone_db_tpl_base_0123456789abcdef"}


def test_every_template_name_fits_postgresql(monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    monkeypatch.setitem(connection.settings_dict, "NAME", f"test_{'x' * 58}_gw1")  # 63
    store = template_db._PostgresStore("0123456789abcdef")
    names = {store._template(world) for world in [template_db.BASE, *template_db.WORLDS]}
    assert len(names) == 1 + len(template_db.WORLDS)
    assert all(len(name) <= 63 for name in names)  # PostgreSQL's limit for a name


def test_without_workers_the_template_follows_the_database_name(monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    monkeypatch.setitem(connection.settings_dict, "NAME", "test_other_db")
    store = template_db._PostgresStore("0123456789abcdef")
    assert store._template("demo") == "test_other_db_tpl_demo_0123456789abcdef"
    assert len(store._template("demo")) <= 63  # PostgreSQL's limit for a name


def test_the_base_is_found_before_the_connection_names_the_test_database(monkeypatch):
    # setup_base looks for the kept small world while the connection still names the
    # project's database: the template must be the one the workers save and copy.
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    monkeypatch.setitem(connection.settings_dict, "NAME", "someone_db")
    before = template_db._PostgresStore("0123456789abcdef", "test_someone_db_gw0")
    monkeypatch.setitem(connection.settings_dict, "NAME", "test_someone_db_gw0")
    after = template_db._PostgresStore("0123456789abcdef")
    assert before._template("small") == after._template("small")
    assert before.lock_name("small") == after.lock_name("small")
