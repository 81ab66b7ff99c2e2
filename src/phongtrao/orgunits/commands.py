"""`phongtrao orgunits ...`: load and inspect the administrative hierarchy."""

from __future__ import annotations

import argparse
import json

# The hierarchy versions (orgunits.models.Hierarchy), spelled out so that parsing needs no
# Django; a test keeps the two in step.
OFFICIAL_HIERARCHIES = ("2008", "2025")
HIERARCHIES = (*OFFICIAL_HIERARCHIES, "dhis2")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("orgunits", help="đơn vị hành chính: nạp, thống kê, tìm")
    sub = parser.add_subparsers(dest="orgunits_command", metavar="LỆNH", required=True)
    load = sub.add_parser("load", help="nạp (hoặc cập nhật) cây đơn vị hành chính chính thức")
    load.add_argument(
        "--hierarchy",
        choices=["all", *OFFICIAL_HIERARCHIES],
        default="all",
        help="phiên bản: 2008 (trước 01/7/2025), 2025 (hiện hành) hoặc all",
    )
    load.set_defaults(handler=handle_load)
    stats = sub.add_parser("stats", help="in số đơn vị theo phiên bản và cấp (JSON)")
    stats.set_defaults(handler=handle_stats)
    find = sub.add_parser("search", help="tìm đơn vị theo tên (có dấu hoặc không dấu) hoặc mã")
    find.add_argument("query")
    find.add_argument("--hierarchy", choices=HIERARCHIES)
    find.set_defaults(handler=handle_search)


def handle_load(args: argparse.Namespace) -> int:
    from phongtrao.cli import progress_printer

    from .services import orgunits_load

    official = list(OFFICIAL_HIERARCHIES)
    hierarchies = official if args.hierarchy == "all" else [args.hierarchy]
    result = orgunits_load(
        hierarchies=hierarchies, progress=progress_printer("Nạp đơn vị hành chính")
    )
    print(json.dumps(result.as_dict(), ensure_ascii=False))
    return 0


def handle_stats(args: argparse.Namespace) -> int:
    from .selectors import orgunit_stats

    print(json.dumps(orgunit_stats(), ensure_ascii=False, indent=2))
    return 0


def handle_search(args: argparse.Namespace) -> int:
    from phongtrao.accounts.models import User

    from .selectors import orgunit_search

    system = User(is_superuser=True, is_active=True)
    for unit in orgunit_search(user=system, query=args.query, hierarchy=args.hierarchy):
        parent = unit.parent.name if unit.parent else ""
        print(f"{unit.hierarchy}\t{unit.code}\t{unit.name}\t{parent}")
    return 0
