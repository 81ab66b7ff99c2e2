"""`phongtrao report review`: the review of an org unit over a date range, in a file."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

# The country unit's code (orgunits.models.COUNTRY_CODE): no model is imported before parsing.
COUNTRY_CODE = "VN"

MSG_DATE = "Ngày «{text}» không hợp lệ; hãy viết theo dạng NNNN-TT-NN, ví dụ 2013-08-01."
MSG_NO_FORMAT = (
    "Chưa rõ định dạng: dùng --format docx|pdf|xlsx|html|json hoặc đặt tên tệp có đuôi tương ứng."
)
MSG_BINARY_NEEDS_FILE = "Định dạng {fmt} cần tên tệp để ghi: thêm -o TỆP."
MSG_CANNOT_WRITE = "Không ghi được tệp «{path}»: {reason}."


def register(subparsers: argparse._SubParsersAction) -> None:
    report = subparsers.add_parser("report", help="lập báo cáo")
    sub = report.add_subparsers(dest="report_command", metavar="LỆNH", required=True)
    review = sub.add_parser(
        "review",
        help="báo cáo tổng kết phong trào của một đơn vị trong một khoảng thời gian",
        description="Lập báo cáo tổng kết (DOCX, PDF, XLSX, HTML hoặc JSON) từ số liệu các xã.",
    )
    review.add_argument(
        "--org",
        default=COUNTRY_CODE,
        metavar="MÃ",
        help=f"mã đơn vị (mã thống kê), ví dụ 02; mặc định {COUNTRY_CODE}: toàn quốc",
    )
    review.add_argument(
        "--from", dest="start", required=True, metavar="NGÀY", help="từ ngày, ví dụ 2013-08-01"
    )
    review.add_argument(
        "--to", dest="end", required=True, metavar="NGÀY", help="đến ngày, ví dụ 2023-05-30"
    )
    review.add_argument(
        "--format",
        dest="fmt",
        metavar="ĐỊNH_DẠNG",
        help="docx, pdf, xlsx, html hoặc json (mặc định: theo đuôi tệp; in ra màn hình: json)",
    )
    review.add_argument(
        "-o", "--output", metavar="TỆP", help="tệp kết quả (bỏ trống: in ra màn hình, HTML/JSON)"
    )
    review.add_argument(
        "--hierarchy", choices=["2008", "2025"], help="phiên bản cây đơn vị khi mã bị trùng"
    )
    review.add_argument(
        "--base-url",
        default="",
        metavar="ĐỊA_CHỈ",
        help="địa chỉ trang web, để các số liệu trong HTML/PDF có liên kết",
    )
    review.set_defaults(handler=handle_review)


def parse_date(text: str) -> date:
    """Read an ISO date, or raise InvalidInput in Vietnamese."""
    from phongtrao.core.errors import InvalidInput

    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(MSG_DATE.format(text=text)) from None


def _format(args: argparse.Namespace) -> str:
    from phongtrao.core.errors import InvalidInput

    from .render import format_check

    if args.fmt:
        return format_check(args.fmt)
    if not args.output or args.output == "-":
        return "json"  # to the screen, the machine-readable figures
    if Path(args.output).suffix:
        return format_check(Path(args.output).suffix)
    raise InvalidInput(MSG_NO_FORMAT)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def handle_review(args: argparse.Namespace) -> int:
    from phongtrao.cli import progress_printer
    from phongtrao.core.errors import InvalidInput
    from phongtrao.datavalues.periods import Period, PeriodKind
    from phongtrao.orgunits.selectors import orgunit_resolve

    from .builders import review_build
    from .drilldown import review_links
    from .render import review_render

    fmt = _format(args)
    to_screen = not args.output or args.output == "-"
    if fmt in ("docx", "pdf", "xlsx") and to_screen:
        raise InvalidInput(MSG_BINARY_NEEDS_FILE.format(fmt=fmt.upper()))
    start, end = parse_date(args.start), parse_date(args.end)
    period = Period(PeriodKind.RANGE, start, end)  # refuses a reversed range
    unit = orgunit_resolve(code=args.org.strip(), start=start, end=end, hierarchy=args.hierarchy)
    _say(f"Báo cáo tổng kết: {unit.name} (mã {unit.code}), {period.span_vi.lower()}.")
    review = review_build(
        root=unit, start=start, end=end, progress=progress_printer("Tính số liệu")
    )
    _say(f"Đang xuất định dạng {fmt.upper()}...")
    # Without --base-url the links are site-relative: they work once the file is on the site.
    link = review_links(review, base_url=args.base_url.rstrip("/"))
    content = review_render(review, fmt, link=link)
    if to_screen:
        sys.stdout.write(content.decode("utf-8"))
        return 0
    path = Path(args.output)
    try:
        path.write_bytes(content)
    except OSError as error:
        raise InvalidInput(MSG_CANNOT_WRITE.format(path=path, reason=error.strerror)) from None
    _say(f"Đã ghi {path} ({len(content):,} byte).".replace(",", "."))
    return 0
