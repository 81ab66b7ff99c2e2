"""`phongtrao catalog ...`: load and list the catalog."""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("catalog", help="danh mục chỉ tiêu, biểu mẫu, quy tắc")
    sub = parser.add_subparsers(dest="catalog_command", metavar="LỆNH", required=True)
    load = sub.add_parser("load", help="nạp tệp danh mục JSON (kiểm tra hết rồi mới ghi)")
    load.add_argument("file", nargs="?", help="tệp JSON; bỏ trống để nạp danh mục kèm theo")
    load.set_defaults(handler=handle_load)
    listing = sub.add_parser("list", help="liệt kê chỉ tiêu")
    listing.add_argument("--format", choices=["json", "table"], default="table")
    listing.set_defaults(handler=handle_list)


def handle_load(args: argparse.Namespace) -> int:
    from .services import catalog_load_file, catalog_load_shipped

    result = catalog_load_file(path=args.file) if args.file else catalog_load_shipped()
    print(json.dumps({"created": result.created, "updated": result.updated}, ensure_ascii=False))
    return 0


def handle_list(args: argparse.Namespace) -> int:
    from .selectors import catalog_export

    elements = catalog_export()
    if args.format == "json":
        print(json.dumps(elements, ensure_ascii=False, indent=2))
        return 0
    for e in elements:
        print(
            f"{e['code']:<32} {e['unit']:<18} {e['time_aggregation']:<9} "
            f"{e['orgunit_aggregation']:<9} {e['name']}"
        )
    return 0
