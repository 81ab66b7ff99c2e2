"""`phongtrao demo`: load the demo province."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo", help="nạp (hoặc thay) dữ liệu mẫu của một tỉnh tái tạo số liệu báo cáo mẫu"
    )
    parser.add_argument(
        "--province",
        default="02",
        help="mã tỉnh (hệ thống trước 01/7/2025); mặc định 02 — Hà Giang",
    )
    parser.add_argument("--remove", action="store_true", help="chỉ xóa dữ liệu mẫu")
    parser.set_defaults(handler=handle_demo)


def handle_demo(args: argparse.Namespace) -> int:
    from phongtrao.cli import print_users, progress_printer

    from .services import demo_load, demo_unload

    if args.remove:
        removed = demo_unload()
        print(f"Đã xóa dữ liệu mẫu ({sum(removed.values())} bản ghi).")
        return 0
    result = demo_load(province_code=args.province, progress=progress_printer("Dữ liệu mẫu"))
    print(
        f"Đã nạp dữ liệu mẫu cho {result.province.name}: "
        + ", ".join(f"{k} {v}" for k, v in result.counts.items())
    )
    print_users(result.users)
    return 0
