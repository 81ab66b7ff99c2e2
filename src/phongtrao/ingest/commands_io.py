"""`phongtrao import` and `phongtrao export`: files in and out, atomic, with a dry run."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

IMPORT_FORMATS = ("csv", "xlsx", "dhis2-json", "dhis2-csv", "adx", "dhis2-metadata")
EXPORT_FORMATS = ("csv", "dhis2-json", "dhis2-csv", "adx")


def register(subparsers: argparse._SubParsersAction) -> None:
    imp = subparsers.add_parser("import", help="nhập tệp số liệu (kiểm tra hết rồi mới ghi)")
    imp.add_argument("file")
    imp.add_argument(
        "--format", choices=IMPORT_FORMATS, help="định dạng; mặc định đoán theo phần mở rộng"
    )
    imp.add_argument(
        "--dry-run",
        action="store_true",
        help="chỉ báo trước dòng nào sẽ thêm, sửa, bị từ chối; không ghi gì",
    )
    imp.add_argument("--user", required=True, help="tên đăng nhập của người nhập")
    imp.set_defaults(handler=handle_import)
    exp = subparsers.add_parser("export", help="xuất số liệu ra tệp")
    exp.add_argument("--format", choices=EXPORT_FORMATS, default="csv")
    exp.add_argument("--org", required=True, help="mã đơn vị (xuất cả cây bên dưới)")
    exp.add_argument("--hierarchy", choices=["2008", "2025"])
    exp.add_argument("--periods", required=True, help="kỳ, cách nhau bởi dấu phẩy")
    exp.add_argument("-o", "--output", required=True, help="tệp ghi ra ('-' để in ra màn hình)")
    exp.set_defaults(handler=handle_export)
    tpl = subparsers.add_parser("template", help="tạo biểu mẫu Excel để điền số liệu")
    tpl.add_argument("kind", choices=["xlsx"])
    tpl.add_argument("--dataset", default="monthly_movement", help="mã biểu mẫu")
    tpl.add_argument("--org", required=True, help="mã đơn vị (lấy mọi đơn vị nhập liệu bên dưới)")
    tpl.add_argument("--hierarchy", choices=["2008", "2025"])
    tpl.add_argument("--period", required=True, help="kỳ báo cáo, ví dụ 202305")
    tpl.add_argument("-o", "--output", required=True, help="tệp .xlsx ghi ra")
    tpl.set_defaults(handler=handle_template)


def guess_format(path: Path) -> str:
    from phongtrao.core.errors import InvalidInput

    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in {".xlsx", ".xlsm"}:
        return "xlsx"
    if suffix == ".xml":
        return "adx"
    if suffix == ".json":
        return "dhis2-json"
    raise InvalidInput(f"Không đoán được định dạng của «{path.name}»; hãy ghi rõ --format.")


def handle_import(args: argparse.Namespace) -> int:
    from phongtrao.cli import progress_printer
    from phongtrao.datavalues.commands import _user

    from .services import file_import

    path = Path(args.file)
    report = file_import(
        user=_user(args.user),
        path=path,
        fmt=args.format or guess_format(path),
        dry_run=args.dry_run,
        progress=progress_printer("Nhập tệp"),
    )
    if sys.stderr.isatty():
        print(file=sys.stderr)  # end the progress line before the report
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


def handle_export(args: argparse.Namespace) -> int:
    from .services import values_export

    data = values_export(
        org=args.org, hierarchy=args.hierarchy, periods=args.periods, fmt=args.format
    )
    _write(args.output, data)
    return 0


def handle_template(args: argparse.Namespace) -> int:
    from phongtrao.catalog.selectors import dataset_get
    from phongtrao.datavalues.periods import period_parse
    from phongtrao.orgunits.selectors import orgunit_resolve

    from .formats.xlsx_values import template_xlsx

    dataset = dataset_get(code=args.dataset)
    period = period_parse(args.period, windows=dataset.windows)
    unit = orgunit_resolve(
        code=args.org, start=period.start, end=period.end, hierarchy=args.hierarchy
    )
    _write(args.output, template_xlsx(dataset=dataset, root=unit, period=period))
    return 0


def _write(output: str, data: Any) -> None:
    if output == "-":
        sys.stdout.write(data if isinstance(data, str) else data.decode())
        return
    Path(output).write_bytes(data.encode() if isinstance(data, str) else data)
    print(f"Đã ghi {output}.", file=sys.stderr)
