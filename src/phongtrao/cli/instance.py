"""The instance's own commands: `phongtrao setup` prepares it, `phongtrao serve` runs it."""

from __future__ import annotations

import argparse
import os
import sys

from . import print_users, progress_printer


def register(subparsers: argparse._SubParsersAction) -> None:
    setup = subparsers.add_parser(
        "setup", help="chuẩn bị cơ sở dữ liệu: migrate, nạp đơn vị hành chính, tạo quản trị viên"
    )
    setup.set_defaults(handler=handle_setup)
    serve = subparsers.add_parser("serve", help="chạy ứng dụng web")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    # One process per core runs Python in parallel (the GIL); threads in each let a request
    # waiting on the database or a slow client not hold up the others.
    serve.add_argument("--workers", type=int, default=2, help="số tiến trình (mặc định 2)")
    serve.add_argument(
        "--threads", type=int, default=4, help="số luồng mỗi tiến trình (mặc định 4)"
    )
    serve.set_defaults(handler=handle_serve)


def handle_setup(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    from phongtrao.accounts.services import admin_ensure, password_check
    from phongtrao.orgunits.models import OrgUnit
    from phongtrao.orgunits.selectors import orgunit_stats
    from phongtrao.orgunits.services import orgunits_load

    password = os.environ.get("PHONGTRAO_ADMIN_PASSWORD")
    if password is not None:
        password_check(password)  # before the long work, not after it
    call_command("migrate", interactive=False, verbosity=0)
    print("Cơ sở dữ liệu: đã cập nhật cấu trúc (migrate).")
    if OrgUnit.objects.exists():
        # A full reload is cheap but not free; `phongtrao orgunits load` refreshes on demand.
        print("Đơn vị hành chính: đã có, bỏ qua (chạy `phongtrao orgunits load` để cập nhật).")
    else:
        result = orgunits_load(progress=progress_printer("Nạp đơn vị hành chính"))
        print(f"Đơn vị hành chính: đã nạp {result.created} đơn vị.")
    stats = orgunit_stats()
    for hierarchy, counts in stats.items():
        print(
            f"  phiên bản {hierarchy}: {counts['province']} tỉnh, {counts['district']} huyện, "
            f"{counts['commune']} xã"
        )
    from phongtrao.catalog.services import catalog_load_shipped

    # Only what is missing: an administrator's edits to shipped items are kept.
    loaded = catalog_load_shipped(update_existing=False)
    created = sum(loaded.created.values())
    print(f"Danh mục chỉ tiêu: {'đã nạp ' + str(created) + ' mục mới' if created else 'đã có'}.")
    _demo_if_empty()
    username = os.environ.get("PHONGTRAO_ADMIN_USER", "admin")
    admin = admin_ensure(username=username, password=password)
    if admin.created and admin.password:
        print(f"Quản trị viên: đã tạo tài khoản «{admin.username}», mật khẩu: {admin.password}")
        print("  (mật khẩu chỉ hiện một lần; đặt PHONGTRAO_ADMIN_PASSWORD để tự chọn)")
    elif admin.created:
        print(f"Quản trị viên: đã tạo tài khoản «{admin.username}» với mật khẩu từ môi trường.")
    else:
        print(f"Quản trị viên: tài khoản «{admin.username}» đã có.")
    return 0


def _demo_if_empty() -> None:
    """Load the demo province into an empty database (PHONGTRAO_DEMO=0 skips it)."""
    from phongtrao.datavalues.models import DataValue
    from phongtrao.demo.loader import demo_load
    from phongtrao.demo.users import demo_users_listed
    from phongtrao.registries.models import Group, Person

    if os.environ.get("PHONGTRAO_DEMO", "1") == "0":
        return
    listed = demo_users_listed()
    if listed:
        print_users(listed)
        return
    if Group.objects.exists() or Person.objects.exists() or DataValue.objects.exists():
        return  # real data: never mix the demo in
    result = demo_load(progress=progress_printer("Dữ liệu mẫu"))
    print(f"Dữ liệu mẫu: đã nạp {result.province.name} (2013–2023).")
    print_users(result.users)


def handle_serve(args: argparse.Namespace) -> int:
    print(f"Phong Trào đang chạy tại http://{args.host}:{args.port}/ (Ctrl+C để dừng)", flush=True)
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "phongtrao.wsgi:application",
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--access-logfile",
        "-",
    ]
    os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with the server
    return 0
