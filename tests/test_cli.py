import argparse
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from phongtrao.cli import build_parser, main

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


# Every subcommand's help, then whether Django was imported, in a fresh interpreter.
HELP_WITHOUT_DJANGO = textwrap.dedent(
    """
    import argparse, contextlib, io, json, sys
    from phongtrao.cli import build_parser, main

    def paths(parser, path):
        yield path
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from paths(sub, [*path, name])

    helps = {}
    for path in paths(build_parser(), []):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                main([*path, "--help"])
            except SystemExit as exit:
                code = exit.code
        helps[" ".join(path)] = [code, out.getvalue()]
    print(json.dumps({"django": "django" in sys.modules, "helps": helps}))
    """
)


def test_help_of_every_subcommand_is_vietnamese_and_does_not_start_django(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", HELP_WITHOUT_DJANGO],
        capture_output=True,
        text=True,
        env={**os.environ, "PHONGTRAO_VAR_DIR": str(tmp_path)},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["django"] is False
    helps = answer["helps"]
    assert {"", "users create", "report review", "values set", "analytics derived add"} <= set(
        helps
    )
    for path, (code, text) in helps.items():
        assert code == 0, path
        assert text.startswith(f"cách dùng: phongtrao {path}".rstrip()), path
    assert "các lệnh" in helps[""][1] and "tùy chọn" in helps["users create"][1]
    # argparse wraps the role list at the terminal's width.
    assert "Cán bộ cấp xã" in " ".join(helps["users create"][1].split())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["khong-co-lenh"], "lựa chọn không hợp lệ: 'khong-co-lenh'"),
        (["values", "xem"], "lựa chọn không hợp lệ: 'xem'"),
        (["--khong-co"], "tham số không nhận ra: --khong-co"),
        (["users", "create", "a", "--role", "sep", "--org", "01"], "tham số --role: lựa chọn"),
        (["pivot", "--org", "02"], "thiếu tham số bắt buộc: --indicators, --periods"),
        (["audit", "--org", "02", "--limit", "nhieu"], "giá trị int không hợp lệ: 'nhieu'"),
    ],
)
def test_a_wrong_command_or_argument_is_refused_in_vietnamese_with_exit_2(args, message, capsys):
    with pytest.raises(SystemExit) as exit:
        main(args)
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("cách dùng: phongtrao")
    assert "lỗi: " in err and message in err


def _subparser(*path: str) -> argparse.ArgumentParser:
    parser = build_parser()
    for name in path:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = action.choices[name]
    return parser


def _choices(parser: argparse.ArgumentParser, dest: str) -> list[str]:
    return list(next(a for a in parser._actions if a.dest == dest).choices)


def test_choices_spelled_out_for_parsing_match_the_models():
    from phongtrao.accounts.models import Role
    from phongtrao.orgunits.models import Hierarchy
    from phongtrao.registries.specs import REGISTRIES

    create = _subparser("users", "create")
    assert _choices(create, "role") == Role.values
    role_help = next(a for a in create._actions if a.dest == "role").help
    assert role_help == "; ".join(f"{r.value}: {r.label}" for r in Role)
    assert _choices(_subparser("orgunits", "search"), "hierarchy") == Hierarchy.values
    assert _choices(_subparser("orgunits", "load"), "hierarchy") == [
        "all",
        Hierarchy.OLD,
        Hierarchy.NEW,
    ]
    slugs = [spec.slug for spec in REGISTRIES]
    assert _choices(_subparser("registry-import"), "registry") == slugs
    assert _choices(_subparser("registry-export"), "registry") == slugs


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
    # Tuyên Quang is 08 in both trees.
    code = main(["users", "create", "tinh", "--role", "province_officer", "--org", "08"])
    assert code == 2
    assert "cả hai hệ thống đơn vị" in capsys.readouterr().err
    from phongtrao.accounts.models import User

    assert not User.objects.filter(username="tinh").exists()
