"""`phongtrao`: the one command for every job a user or an operator runs.

Its own subcommands live in each app's `commands.py` (a `register(subparsers)` function), and
the instance's own (`setup`, `serve`) in `cli/instance.py`; any other subcommand goes to Django's
management (`phongtrao migrate`, `phongtrao shell`). Only this package imports command modules.

Arguments are parsed before Django starts, so `phongtrao --help` and a mistyped argument answer
at once: a command module's `register` must not import models, services or heavy libraries
(its handlers import what they use), and Django is set up only when a handler runs.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Sequence

COMMAND_MODULES = (
    "phongtrao.cli.instance",
    "phongtrao.orgunits.commands",
    "phongtrao.accounts.commands",
    "phongtrao.catalog.commands",
    "phongtrao.datavalues.commands",
    "phongtrao.ingest.commands",
    "phongtrao.demo.commands",
    "phongtrao.reports.commands",
    "phongtrao.analytics.commands",
)


# argparse's own words, in Vietnamese (it looks them up through gettext at call time).
_ARGPARSE_VI = {
    "usage: ": "cách dùng: ",
    "options": "tùy chọn",
    "positional arguments": "tham số",
    "show this help message and exit": "hiện trợ giúp này rồi thoát",
    "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
    "unrecognized arguments: %s": "tham số không nhận ra: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "lựa chọn không hợp lệ: %(value)r (chọn một trong: %(choices)s)"
    ),
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "expected one argument": "cần một giá trị",
    "expected at most one argument": "cần nhiều nhất một giá trị",
    "expected at least one argument": "cần ít nhất một giá trị",
    "not allowed with argument %s": "không dùng cùng với tham số %s",
    "one of the arguments %s is required": "cần một trong các tham số %s",
    "ambiguous option: %(option)s could match %(matches)s": (
        "tùy chọn chưa rõ: %(option)s có thể là %(matches)s"
    ),
    "invalid %(type)s value: %(value)r": "giá trị %(type)s không hợp lệ: %(value)r",
}
argparse._ = lambda text: _ARGPARSE_VI.get(text, text)  # type: ignore[attr-defined]


# Words Django's management answers without a command of that name.
DJANGO_OWN_WORDS = ("help", "version")


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phongtrao.settings")
    import django
    from django.apps import apps

    if apps.ready:  # already set up in this process (tests call main() many times)
        return
    # Setting up creates the objects of some 600 modules, all of them kept for the life of the
    # process: collecting while it runs finds nothing and costs about a tenth of a small
    # command's start-up. They are frozen out of later collections instead.
    gc.disable()
    try:
        django.setup()
    finally:
        gc.freeze()
        gc.enable()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="phongtrao",
        description="Phong Trào — số liệu phong trào Toàn dân bảo vệ an ninh Tổ quốc.",
        epilog="Các lệnh khác được chuyển cho Django: phongtrao migrate, phongtrao shell, "
        "phongtrao help (danh sách lệnh Django).",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="LỆNH", title="các lệnh")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def _own_commands(parser: argparse.ArgumentParser) -> set[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    first = args_list[0] if args_list else None
    if first is not None and not first.startswith("-") and first not in _own_commands(parser):
        _setup_django()
        from django.core.management import execute_from_command_line, get_commands

        if first in get_commands() or first in DJANGO_OWN_WORDS:
            execute_from_command_line(["phongtrao", *args_list])
            return 0
        # Neither ours nor Django's: argparse says so in Vietnamese and exits with 2.
    args = parser.parse_args(args_list)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 0
    _setup_django()
    from phongtrao.core.errors import PhongTraoError

    try:
        return int(args.handler(args) or 0)
    except PhongTraoError as error:
        print(f"Lỗi: {error.message}", file=sys.stderr)
        for row in error.extra.get("rows", []):
            where = [f"dòng {row.line}"] if row.line is not None else []
            where += [f"«{row.field}»"] if row.field else []
            print(f"  {' '.join(where)}: {row.reason}", file=sys.stderr)
        if reasons := error.extra.get("reasons"):
            shown = len(error.extra.get("rows", []))
            print(
                f"Tổng cộng {error.extra.get('refused', shown)} dòng bị từ chối "
                f"(in ra {shown} dòng đầu); theo lý do:",
                file=sys.stderr,
            )
            for reason, count in reasons.items():
                print(f"  {count} dòng: {reason}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("Đã dừng.", file=sys.stderr)
        return 130


def progress_printer(label: str):  # type: ignore[no-untyped-def]
    """Return a progress callback that redraws one line on stderr."""
    interactive = sys.stderr.isatty()

    def report(stage: str, done: int, total: int) -> None:
        if total <= 0:  # a stream of unknown length: count, no bar
            line = f"{label}: {done} {stage}"
            print(
                f"\r{line}" if interactive else line,
                end="" if interactive else "\n",
                file=sys.stderr,
                flush=True,
            )
            return
        width = 30
        filled = int(width * done / total) if total else width
        bar = "█" * filled + "·" * (width - filled)
        line = f"{label} [{bar}] {done}/{total} {stage}"
        if interactive:
            print(f"\r{line}", end="" if done < total else "\n", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)

    return report


def print_users(users: list[tuple[str, str, str, str]]) -> None:
    """Print the demo accounts: user name, password, role and unit."""
    print("Tài khoản mẫu (tên đăng nhập / mật khẩu — vai trò, đơn vị):")
    for username, password, role, unit in users:
        print(f"  {username} / {password} — {role}, {unit}")
