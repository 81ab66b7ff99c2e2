"""Command-line jobs on aggregate values: enter, read, validate, complete, approve, audit."""

from __future__ import annotations

import argparse
import json
from typing import Any


def _target_args(parser: argparse.ArgumentParser, *, dataset: bool = True) -> None:
    if dataset:
        parser.add_argument("--dataset", default="monthly_movement", help="mã biểu mẫu")
    parser.add_argument("--org", required=True, help="mã đơn vị (mã thống kê)")
    parser.add_argument("--hierarchy", choices=["2008", "2025"], help="phiên bản cây đơn vị")
    parser.add_argument(
        "--period",
        required=True,
        help="kỳ: 2023, 2023S1, 2023Q2, 202305 hoặc 2013-08-01..2023-05-30",
    )


def _user_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", required=True, help="tên đăng nhập của người thực hiện")


def register(subparsers: argparse._SubParsersAction) -> None:
    values = subparsers.add_parser("values", help="đọc và nhập số liệu tổng hợp")
    sub = values.add_subparsers(dest="values_command", metavar="LỆNH", required=True)
    get = sub.add_parser("get", help="in số liệu của một đơn vị, một kỳ (JSON)")
    _target_args(get)
    get.set_defaults(handler=handle_get)
    put = sub.add_parser("set", help="nhập số liệu: chi_tieu=giá_trị [chi_tieu.phan_to=giá_trị]")
    _target_args(put)
    _user_arg(put)
    put.add_argument("assignments", nargs="+", metavar="CHỈ_TIÊU=GIÁ_TRỊ")
    put.set_defaults(handler=handle_set)
    check = sub.add_parser(
        "check", help="tìm số liệu đã lưu mà quy tắc nhập liệu hiện hành không nhận (không ghi gì)"
    )
    check.add_argument("--org", help="mã đơn vị: chỉ kiểm tra dưới đơn vị này")
    check.add_argument("--hierarchy", choices=["2008", "2025"], help="phiên bản cây đơn vị")
    check.add_argument(
        "--delete", action="store_true", help="xóa các số liệu đó (cần --org và --user quản trị)"
    )
    check.add_argument("--user", help="tên đăng nhập của người xóa (với --delete)")
    check.set_defaults(handler=handle_check)

    validate = subparsers.add_parser("validate", help="kiểm tra số liệu theo quy tắc")
    _target_args(validate, dataset=False)
    validate.add_argument("--format", choices=["json", "text"], default="text")
    validate.set_defaults(handler=handle_validate)

    complete = subparsers.add_parser("completeness", help="tình hình nộp báo cáo")
    _target_args(complete)
    complete.add_argument("--format", choices=["json", "text"], default="text")
    complete.set_defaults(handler=handle_completeness)

    for name, text in [
        ("submit", "nộp báo cáo"),
        ("withdraw", "rút lại báo cáo đã nộp"),
        ("approve", "phê duyệt cấp tiếp theo"),
        ("unapprove", "hủy phê duyệt (cần --reason)"),
    ]:
        step = subparsers.add_parser(name, help=text)
        _target_args(step)
        _user_arg(step)
        if name == "unapprove":
            step.add_argument("--reason", required=True, help="lý do hủy phê duyệt")
        step.set_defaults(handler=handle_workflow, step=name)

    audit = subparsers.add_parser("audit", help="nhật ký thay đổi của một đơn vị")
    audit.add_argument("--org", required=True)
    audit.add_argument("--hierarchy", choices=["2008", "2025"])
    audit.add_argument("--limit", type=int, default=50)
    audit.set_defaults(handler=handle_audit)


def _resolve(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    from phongtrao.catalog.selectors import dataset_get
    from phongtrao.orgunits.selectors import orgunit_resolve

    from .periods import period_parse

    dataset = dataset_get(code=args.dataset) if getattr(args, "dataset", None) else None
    period = period_parse(args.period, windows=dataset.windows if dataset else False)
    unit = orgunit_resolve(
        code=args.org, start=period.start, end=period.end, hierarchy=args.hierarchy
    )
    return dataset, unit, period


def handle_get(args: argparse.Namespace) -> int:
    from phongtrao.core.numbers import decimal_plain

    from .selectors import datavalues_for

    dataset, unit, period = _resolve(args)
    values = datavalues_for(orgunit=unit, period=period).filter(
        element__memberships__dataset=dataset
    )
    print(
        json.dumps(
            {
                "dataset": dataset.code,
                "org": unit.code,
                "period": period.code,
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
                "values": [
                    {
                        "element": dv.element.code,
                        "option": dv.option.code,
                        "value": decimal_plain(dv.value),
                        "version": dv.version,
                    }
                    for dv in values
                ],
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    return 0


def handle_set(args: argparse.Namespace) -> int:
    from phongtrao.accounts.operator import user_get_by_username
    from phongtrao.core.errors import InvalidInput
    from phongtrao.core.models import Source

    from .services import Entry, datavalues_save

    dataset, unit, period = _resolve(args)
    entries = []
    for text in args.assignments:
        if "=" not in text:
            raise InvalidInput(f"«{text}» phải có dạng chi_tieu=giá_trị.")
        target, raw = text.split("=", 1)
        element, _, option = target.partition(".")
        # An operator at the command line writes what they say, as a batch import would.
        entries.append(
            Entry(element=element, option=option or "default", raw=raw, check_version=False)
        )
    result = datavalues_save(
        user=user_get_by_username(username=args.user),
        dataset=dataset,
        orgunit=unit,
        period=period,
        entries=entries,
        source=Source.CLI,
    )
    print(
        f"Đã lưu {unit.name} {period.label_vi}: {result.created} mới, {result.updated} sửa, "
        f"{result.deleted} xóa."
    )
    for warning in result.warnings:
        print(f"Cảnh báo: {warning.message}")
    return 0


def handle_validate(args: argparse.Namespace) -> int:
    from .validation import validation_run

    _dataset, unit, period = _resolve(args)
    findings = validation_run(root=unit, start=period.start, end=period.end)
    if args.format == "json":
        print(
            json.dumps(
                {
                    "org": unit.code,
                    "period": period.code,
                    "violations": [f.as_dict() for f in findings],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for f in findings:
            kind = "LỖI" if f.blocking else "Cảnh báo"
            where = f"{f.orgunit.name if f.orgunit else ''} {f.period.code if f.period else ''}"
            print(f"[{kind}] {where.strip()} — {f.rule_code}: {f.message}")
        print(f"Tổng cộng {len(findings)} vi phạm dưới {unit.name}, {period.label_vi}.")
    return 1 if any(f.blocking for f in findings) else 0


def handle_completeness(args: argparse.Namespace) -> int:
    from .completeness import completeness_report

    dataset, unit, period = _resolve(args)
    report = completeness_report(dataset=dataset, root=unit, period=period)
    if args.format == "json":
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return 0
    print(f"{dataset.name} — {period.label_vi} (hạn nộp {report.deadline:%d/%m/%Y})")
    for row in report.rows:
        print(f"  {row.summary_vi}")
    print(report.total.summary_vi)
    return 0


def handle_workflow(args: argparse.Namespace) -> int:
    from phongtrao.accounts.operator import user_get_by_username
    from phongtrao.core.models import Source

    from . import services

    dataset, unit, period = _resolve(args)
    common = {
        "user": user_get_by_username(username=args.user),
        "dataset": dataset,
        "orgunit": unit,
        "period": period,
        "source": Source.CLI,
    }
    if args.step == "submit":
        services.dataset_submit(**common)
        print(f"Đã nộp {dataset.name} {period.label_vi} của {unit.name}.")
    elif args.step == "withdraw":
        services.dataset_withdraw(**common)
        print(f"Đã rút lại {dataset.name} {period.label_vi} của {unit.name}.")
    elif args.step == "approve":
        approval = services.dataset_approve(**common)
        print(
            f"Đã phê duyệt ({approval.get_level_display().lower()}) {dataset.name} "
            f"{period.label_vi} của {unit.name}."
        )
    else:
        services.dataset_unapprove(**common, reason=args.reason)
        print(f"Đã hủy phê duyệt {dataset.name} {period.label_vi} của {unit.name}.")
    return 0


def handle_audit(args: argparse.Namespace) -> int:
    from phongtrao.core.models import AuditEvent
    from phongtrao.orgunits.selectors import orgunit_resolve

    unit = orgunit_resolve(code=args.org, hierarchy=args.hierarchy)
    events = AuditEvent.objects.filter(orgunit=unit).select_related("actor")[: args.limit]
    for e in events:
        who = e.actor.username if e.actor else "hệ thống"
        reason = f" (lý do: {e.reason})" if e.reason else ""
        print(f"{e.at:%d/%m/%Y %H:%M} {who} [{e.get_source_display()}] {e.summary}{reason}")
    return 0


ADVICE = (
    "Cách xử lý: số liệu của một biểu mẫu chỉ được nhập ở đơn vị và loại kỳ của biểu mẫu đó. "
    "Nếu là số của một xã, hãy nhập lại ở xã đó (phongtrao values set --org MÃ_XÃ ... hoặc "
    "phongtrao import); nếu là số tổng hợp thì không cần lưu, vì số cấp trên được cộng từ các "
    "xã. Sau đó xóa các giá trị này: phongtrao values check --org MÃ --delete --user QUẢN_TRỊ."
)


def handle_check(args: argparse.Namespace) -> int:
    from phongtrao.accounts.operator import user_get_by_username
    from phongtrao.core.errors import InvalidInput
    from phongtrao.core.models import Source
    from phongtrao.core.numbers import format_vi_number
    from phongtrao.orgunits.selectors import orgunit_resolve

    from .integrity import datavalues_invalid, datavalues_invalid_delete

    root = orgunit_resolve(code=args.org, hierarchy=args.hierarchy) if args.org else None
    where = f" dưới {root.name}" if root else ""
    if args.delete:
        if root is None or not args.user:
            raise InvalidInput("Xóa số liệu không hợp lệ cần --org và --user.")
        user = user_get_by_username(username=args.user)
        deleted = datavalues_invalid_delete(user=user, root=root, source=Source.CLI)
        print(f"Đã xóa {deleted} số liệu không hợp lệ{where} (có ghi nhật ký).")
        return 0
    found = 0
    for problem in datavalues_invalid(root=root):
        dv = problem.value
        found += 1
        option = "" if dv.option.code == "default" else f".{dv.option.code}"
        print(
            f"{dv.orgunit.code} ({dv.orgunit.name}) — {dv.element.code}{option} — "
            f"kỳ {dv.period.code} — giá trị {format_vi_number(dv.value)}: {problem.reason}"
        )
    if not found:
        print(f"Không có số liệu nào{where} trái quy tắc nhập liệu hiện hành.")
        return 0
    print(f"Tổng cộng {found} số liệu{where} trái quy tắc nhập liệu hiện hành.")
    print(ADVICE)
    return 1
