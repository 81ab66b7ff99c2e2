"""`phongtrao registry-import`, `registry-export` and `reconcile`.

Registries have their own subcommands rather than an option of `phongtrao import`, which reads
values files: a registry file has other columns, another report and another dry run.
"""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime
from pathlib import Path

MSG_BAD_DATE = "«{text}» không phải ngày (viết 2013-08-01 hoặc 01/08/2013)."


def register(subparsers: argparse._SubParsersAction) -> None:
    from phongtrao.registries.specs import REGISTRIES

    slugs = [spec.slug for spec in REGISTRIES]
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
    from phongtrao.cli import progress_printer
    from phongtrao.core.errors import InvalidInput
    from phongtrao.datavalues.commands import _user
    from phongtrao.registries.specs import BY_SLUG

    from .registry_import import registry_import, report_text

    try:
        report = registry_import(
            user=_user(args.user),
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

    from phongtrao.accounts.permissions import Action, user_can
    from phongtrao.core.models import Source
    from phongtrao.datavalues.commands import _user
    from phongtrao.registries.exports import records_export
    from phongtrao.registries.selectors import records_for_user, records_list_audit
    from phongtrao.registries.specs import BY_SLUG

    user = _user(args.user)
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
        from phongtrao.datavalues.commands import _user

        if not user_can(_user(args.user), Action.VIEW_AGGREGATE, unit):
            raise NotFound(MSG_UNIT_NOT_FOUND)
    result = reconcile(text=text, orgunit=unit, start=start, end=end)
    if args.format == "json":
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(reconciliation_table(result))
    return 0 if result.consistent else 1
