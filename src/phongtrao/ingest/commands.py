"""Command-line jobs to bring data in and out."""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    extract = subparsers.add_parser(
        "extract",
        help="đọc số liệu trong một báo cáo văn xuôi (.txt, .docx) và in ra JSON",
        description="Đọc báo cáo (.txt UTF-8/TCVN3/VNI hoặc .docx), tìm các con số cùng "
        "chỉ tiêu, kỳ báo cáo và đơn vị hành chính được nêu, in ra JSON.",
    )
    extract.add_argument("file", help="tệp báo cáo .txt hoặc .docx")
    extract.add_argument("--format", choices=["json"], default="json")
    extract.set_defaults(handler=handle_extract)


def handle_extract(args: argparse.Namespace) -> int:
    from phongtrao.catalog.selectors import lexicon

    from .extract import extract
    from .readers import read_text

    result = extract(read_text(args.file), lexicon())
    print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    return 0
