import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from phongtrao.cli import main

PHONGTRAO = Path(sys.executable).with_name("phongtrao")


def run(args, tmp_path, **env):
    environment = {
        **os.environ,
        "PHONGTRAO_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **env,
    }
    return subprocess.run(
        [str(PHONGTRAO), *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )


def test_help_lists_own_commands_in_vietnamese(tmp_path):
    result = run(["--help"], tmp_path)
    assert result.returncode == 0
    assert "orgunits" in result.stdout and "users" in result.stdout
    assert "cách dùng" in result.stdout


@pytest.mark.slow
def test_orgunits_load_runs_in_a_subprocess_and_is_idempotent(tmp_path):
    assert run(["migrate", "-v", "0"], tmp_path).returncode == 0
    first = run(["orgunits", "load"], tmp_path)
    assert first.returncode == 0, first.stderr
    loaded = json.loads(first.stdout)
    assert loaded["created"] == loaded["per_hierarchy"]["2008"] + loaded["per_hierarchy"]["2025"]
    second = json.loads(run(["orgunits", "load"], tmp_path).stdout)
    assert (second["created"], second["updated"]) == (0, 0)
    stats = json.loads(run(["orgunits", "stats"], tmp_path).stdout)
    assert stats["2008"]["province"] == 63 and stats["2025"]["province"] == 34


@pytest.mark.slow
def test_unknown_subcommand_goes_to_django(tmp_path):
    result = run(["check"], tmp_path)
    assert result.returncode == 0
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_users_create_grants_a_scoped_role(monkeypatch, capsys, commune):
    monkeypatch.setenv("PHONGTRAO_USER_PASSWORD", "mat-khau-thu-nghiem-2025")
    code = main(["users", "create", "canbo", "--role", "commune_officer", "--org", commune.code])
    assert code == 0
    assert commune.name in capsys.readouterr().out
    from phongtrao.accounts.models import User

    assert User.objects.get(username="canbo").role_assignments.get().orgunit == commune


@pytest.mark.django_db
def test_users_create_with_an_ambiguous_code_explains_and_writes_nothing(monkeypatch, capsys):
    monkeypatch.setenv("PHONGTRAO_USER_PASSWORD", "mat-khau-thu-nghiem-2025")
    code = main(["users", "create", "tinh", "--role", "province_officer", "--org", "01"])
    assert code == 2
    assert "cả hai hệ thống đơn vị" in capsys.readouterr().err
    from phongtrao.accounts.models import User

    assert not User.objects.filter(username="tinh").exists()
