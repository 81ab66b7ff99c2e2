"""`phongtrao pivot ...` and `phongtrao analytics derived ...`."""

from __future__ import annotations

import argparse
import json

# The country unit's code (orgunits.models.COUNTRY_CODE): no model is imported before parsing.
COUNTRY_CODE = "VN"

PIVOT_EPILOG = (
    'Giá trị: số; null khi không có số liệu; "not_additive" khi là số đếm không trùng lặp '
    "không cộng dồn được (ví dụ số người nhập theo tháng, hỏi theo năm). "
    "Kỳ: 2023, 2023S1, 2023Q2, 202305, 2013-08-01..2023-05-30, hoặc dãy 2014:2023, 202301:202312."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    pivot = subparsers.add_parser(
        "pivot",
        help="bảng số liệu: chỉ tiêu x đơn vị x kỳ",
        description="Tính các chỉ tiêu cho đơn vị và kỳ đã chọn, mỗi chỉ tiêu theo cách tổng "
        "hợp của nó (cộng dồn, giá trị cuối kỳ, đếm không trùng lặp).",
        epilog=PIVOT_EPILOG,
    )
    pivot.add_argument("--indicators", required=True, help="mã chỉ tiêu, cách nhau bởi dấu phẩy")
    pivot.add_argument(
        "--org",
        default=COUNTRY_CODE,
        help=f"mã đơn vị hành chính (mặc định {COUNTRY_CODE}: toàn quốc)",
    )
    pivot.add_argument("--hierarchy", choices=["2008", "2025"], help="phiên bản cây đơn vị")
    scope = pivot.add_mutually_exclusive_group()
    scope.add_argument("--children", action="store_true", help="các đơn vị trực thuộc")
    scope.add_argument(
        "--level", choices=["province", "district", "commune"], help="mọi đơn vị ở cấp này"
    )
    pivot.add_argument("--periods", required=True, help="các kỳ, cách nhau bởi dấu phẩy")
    pivot.add_argument(
        "--windows", action="store_true", help="kỳ báo cáo hành chính (chốt ngày 14)"
    )
    pivot.add_argument("--totals", action="store_true", help="thêm các dòng tổng (JSON)")
    pivot.add_argument("--format", choices=["json", "csv"], default="json")
    pivot.set_defaults(handler=handle_pivot)

    analytics = subparsers.add_parser("analytics", help="chỉ tiêu phái sinh (công thức)")
    sub = analytics.add_subparsers(dest="analytics_command", metavar="LỆNH", required=True)
    derived = sub.add_parser("derived", help="chỉ tiêu phái sinh")
    actions = derived.add_subparsers(dest="derived_command", metavar="LỆNH", required=True)
    add = actions.add_parser("add", help="thêm hoặc sửa một chỉ tiêu phái sinh")
    add.add_argument("code")
    add.add_argument("--name", required=True)
    add.add_argument(
        "--formula", required=True, help="ví dụ: rehab_quit / rehab_participants * 100"
    )
    add.add_argument("--unit", default="")
    add.add_argument("--decimals", type=int, default=1)
    add.add_argument("--description", default="")
    add.set_defaults(handler=handle_derived_add)
    listing = actions.add_parser("list", help="liệt kê chỉ tiêu phái sinh")
    listing.add_argument("--format", choices=["json", "table"], default="table")
    listing.set_defaults(handler=handle_derived_list)
    remove = actions.add_parser("remove", help="xóa một chỉ tiêu phái sinh")
    remove.add_argument("code")
    remove.set_defaults(handler=handle_derived_remove)
    load = actions.add_parser("load", help="nạp tệp JSON (bỏ trống: các chỉ tiêu kèm theo)")
    load.add_argument("file", nargs="?")
    load.set_defaults(handler=handle_derived_load)


def handle_pivot(args: argparse.Namespace) -> int:
    from .pivots import PivotRequest, pivot_csv, pivot_rows, pivot_run_unscoped

    request = PivotRequest(
        indicators=[c.strip() for c in args.indicators.split(",") if c.strip()],
        org=args.org,
        hierarchy=args.hierarchy,
        children=args.children,
        level=args.level,
        periods=args.periods,
        windows=args.windows,
    )
    table = pivot_run_unscoped(request, totals=args.totals and args.format == "json")
    if args.format == "csv":
        print(pivot_csv(table), end="")
    else:
        print(json.dumps(pivot_rows(table), ensure_ascii=False, indent=1))
    return 0


def handle_derived_add(args: argparse.Namespace) -> int:
    from .derived import derived_save

    derived = derived_save(
        code=args.code,
        name=args.name,
        formula=args.formula,
        unit=args.unit,
        decimals=args.decimals,
        description=args.description,
    )
    print(f"Đã lưu chỉ tiêu phái sinh {derived.code} = {derived.formula}")
    return 0


def handle_derived_list(args: argparse.Namespace) -> int:
    from .derived import derived_list

    items = derived_list()
    if args.format == "json":
        print(json.dumps(items, ensure_ascii=False, indent=2))
        return 0
    for item in items:
        print(f"{item['code']:<36} {item['unit']:<12} {item['formula']}  ({item['name']})")
    return 0


def handle_derived_remove(args: argparse.Namespace) -> int:
    from .derived import derived_delete

    derived_delete(code=args.code)
    print(f"Đã xóa chỉ tiêu phái sinh {args.code}")
    return 0


def handle_derived_load(args: argparse.Namespace) -> int:
    from .derived import derived_load

    result = derived_load(path=args.file)
    print(json.dumps({"created": result.created, "updated": result.updated}, ensure_ascii=False))
    return 0
