"""`phongtrao extract`, `import`, `export`, `template`, `registry-import`, `registry-export` and
`reconcile`: bring data in and out.

Registries have their own subcommands rather than an option of `phongtrao import`, which reads
values files: a registry file has other columns, another report and another dry run.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .names import EXPORT_FORMATS, IMPORT_FORMATS

# The registries' slugs (registries.specs.REGISTRIES), spelled out so that parsing needs no
# Django; a test keeps the two in step.
REGISTRY_SLUGS = (
    "mo-hinh",
    "nguoi",
    "quan-ly-giao-duc",
    "cai-nghien",
    "hoc-vien-cai-nghien",
    "dau-thu",
    "giao-nop-vu-khi",
    "thuoc-phien",
    "tuyen-truyen",
    "an-sinh",
    "hoi-nghi",
    "khen-thuong",
)
MSG_BAD_DATE = "«{text}» không phải ngày (viết 2013-08-01 hoặc 01/08/2013)."


def register(subparsers: argparse._SubParsersAction) -> None:
    _register_extract(subparsers)
    _register_values(subparsers)
    _register_registries(subparsers)


def _register_extract(subparsers: argparse._SubParsersAction) -> None:
    extract = subparsers.add_parser(
        "extract",
        help="đọc số liệu trong một báo cáo văn xuôi (.txt, .docx) và in ra JSON",
        description="Đọc báo cáo (.txt UTF-8/TCVN3/VNI hoặc .docx), tìm các con số cùng "
        "chỉ tiêu, kỳ báo cáo và đơn vị hành chính được nêu, in ra JSON.",
    )
    extract.add_argument("file", help="tệp báo cáo .txt hoặc .docx")
    extract.add_argument("--format", choices=["json"], default="json")
    extract.set_defaults(handler=handle_extract)


def _register_values(subparsers: argparse._SubParsersAction) -> None:
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


def _register_registries(subparsers: argparse._SubParsersAction) -> None:
    slugs = list(REGISTRY_SLUGS)
    imp = subparsers.add_parser(
        "registry-import",
        help="nhập sổ theo dõi từ tệp CSV/XLSX (cột như tệp xuất; kiểm tra hết rồi mới ghi)",
        description="Nhập bản ghi sổ theo dõi từ tệp .csv hoặc .xlsx có cột như tệp xuất của "
        "sổ: dòng có «Mã bản ghi» sửa bản ghi đó, dòng không có thì thêm mới. Có dòng lỗi thì "
        "không ghi gì.",
    )
    imp.add_argument("file")
    imp.add_argument("--registry", required=True, choices=slugs, help="sổ theo dõi")
    imp.add_argument("--format", choices=["csv", "xlsx"], help="mặc định đoán theo phần mở rộng")
    imp.add_argument(
        "--dry-run", action="store_true", help="chỉ báo trước từng dòng sẽ thêm, sửa, giữ, từ chối"
    )
    imp.add_argument("--user", required=True, help="tên đăng nhập của người nhập")
    imp.add_argument("--json", action="store_true", help="in báo cáo dạng JSON")
    imp.set_defaults(handler=handle_registry_import)

    exp = subparsers.add_parser(
        "registry-export", help="xuất sổ theo dõi ra CSV/XLSX (nhập lại được bằng registry-import)"
    )
    exp.add_argument("--registry", required=True, choices=slugs, help="sổ theo dõi")
    exp.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    exp.add_argument(
        "--user", required=True, help="tên đăng nhập: xuất những gì người này xem được"
    )
    exp.add_argument("-o", "--output", required=True, help="tệp ghi ra")
    exp.set_defaults(handler=handle_registry_export)

    rec = subparsers.add_parser(
        "reconcile",
        help="đối chiếu số liệu một báo cáo văn xuôi nêu với số liệu trong hệ thống",
        description="Đọc báo cáo (.txt, .docx), tìm các con số theo chỉ tiêu và so với số liệu "
        "hệ thống của đơn vị trong khoảng thời gian: báo cáo nêu / hệ thống / chênh lệch. "
        "Trả về 0 khi mọi số khớp, 1 khi có số lệch hoặc hệ thống chưa có số liệu.",
    )
    rec.add_argument("file", help="tệp báo cáo .txt hoặc .docx")
    rec.add_argument("--org", required=True, help="mã đơn vị (tính cả các đơn vị trực thuộc)")
    rec.add_argument("--hierarchy", choices=["2008", "2025"])
    rec.add_argument(
        "--from",
        dest="start",
        metavar="NGÀY",
        help="từ ngày (mặc định: kỳ báo cáo tự nêu), ví dụ 2013-08-01",
    )
    rec.add_argument("--to", dest="end", metavar="NGÀY", help="đến ngày, ví dụ 2023-05-30")
    rec.add_argument("--format", choices=["text", "json"], default="text")
    rec.add_argument("--user", help="chỉ đối chiếu đơn vị trong phạm vi người này được xem")
    rec.set_defaults(handler=handle_reconcile)


def handle_extract(args: argparse.Namespace) -> int:
    from phongtrao.catalog.selectors import lexicon

    from .extract import extract
    from .readers import read_text

    result = extract(read_text(args.file), lexicon())
    print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    return 0


def handle_import(args: argparse.Namespace) -> int:
    from phongtrao.accounts.operator import user_get_by_username
    from phongtrao.cli import progress_printer

    from .services import file_import, guess_format

    path = Path(args.file)
    report = file_import(
        user=user_get_by_username(username=args.user),
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


def parse_day(text: str | None) -> date | None:
    """Read 2013-08-01 or 01/08/2013."""
    from phongtrao.core.errors import InvalidInput

    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), pattern).date()  # noqa: DTZ007 - a day
        except ValueError:
            continue
    raise InvalidInput(MSG_BAD_DATE.format(text=text))


def handle_registry_import(args: argparse.Namespace) -> int:
    from phongtrao.accounts.operator import user_get_by_username
    from phongtrao.cli import progress_printer
    from phongtrao.core.errors import InvalidInput
    from phongtrao.registries.specs import BY_SLUG

    from .registry_import import registry_import, report_text

    try:
        report = registry_import(
            user=user_get_by_username(username=args.user),
            spec=BY_SLUG[args.registry],
            path=Path(args.file),
            fmt=args.format,
            dry_run=args.dry_run,
            progress=progress_printer("Nhập sổ"),
        )
    except InvalidInput as error:
        if args.json and "report" in error.extra:
            print(json.dumps(error.extra["report"], ensure_ascii=False, indent=2))
        raise
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(report_text(report))
    return 0


def handle_registry_export(args: argparse.Namespace) -> int:
    import sys

    from phongtrao.accounts.operator import user_get_by_username
    from phongtrao.accounts.permissions import Action, user_can
    from phongtrao.core.models import Source
    from phongtrao.registries.exports import records_export
    from phongtrao.registries.selectors import records_for_user, records_list_audit
    from phongtrao.registries.specs import BY_SLUG

    user = user_get_by_username(username=args.user)
    spec = BY_SLUG[args.registry]
    records = records_for_user(user=user, spec=spec)
    content = records_export(
        spec,
        records,
        format=args.format,
        reveal_national_id=lambda p: user_can(user, Action.VIEW_NATIONAL_ID, p.orgunit),
    )
    records_list_audit(user=user, spec=spec, records=list(records.only("pk")), source=Source.CLI)
    Path(args.output).write_bytes(content)
    print(f"Đã ghi {args.output}.", file=sys.stderr)
    return 0


def handle_reconcile(args: argparse.Namespace) -> int:
    from phongtrao.accounts.permissions import Action, user_can
    from phongtrao.core.errors import NotFound
    from phongtrao.orgunits.selectors import MSG_UNIT_NOT_FOUND, orgunit_resolve

    from .extract import find_period
    from .readers import read_text
    from .reconcile import reconcile, reconciliation_table

    text = read_text(args.file)
    start, end = parse_day(args.start), parse_day(args.end)
    stated = find_period(text)
    if stated is not None:
        start, end = start or stated.start, end or stated.end
    unit = orgunit_resolve(code=args.org, start=start, end=end, hierarchy=args.hierarchy)
    if args.user:
        from phongtrao.accounts.operator import user_get_by_username

        if not user_can(user_get_by_username(username=args.user), Action.VIEW_AGGREGATE, unit):
            raise NotFound(MSG_UNIT_NOT_FOUND)
    result = reconcile(text=text, orgunit=unit, start=start, end=end)
    if args.format == "json":
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(reconciliation_table(result))
    return 0 if result.consistent else 1
