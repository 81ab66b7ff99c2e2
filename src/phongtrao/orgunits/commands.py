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
    register_rehome(sub)


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


def register_rehome(sub: argparse._SubParsersAction) -> None:
    rehome = sub.add_parser(
        "rehome",
        help="chuyển bản ghi còn hiệu lực và phân quyền của đơn vị cũ sang đơn vị mới từ 01/7/2025",
        description=(
            "Mô hình tự quản, đợt quản lý giáo dục, đợt cai nghiện còn hiệu lực ngày 30/6/2025 "
            "ở đơn vị cũ được khép lại ngày 30/6/2025 và tiếp nối ở đơn vị kế thừa từ "
            "01/7/2025; người liên quan và phân quyền chuyển theo. Mỗi bản ghi có nhật ký. "
            "Chạy lại không chuyển thêm gì."
        ),
    )
    rehome.add_argument(
        "--dry-run", action="store_true", help="chỉ liệt kê những gì sẽ chuyển, không ghi gì"
    )
    rehome.add_argument(
        "--under", metavar="MÃ", help="chỉ các đơn vị cũ thuộc đơn vị này (mã, hệ thống 2008)"
    )
    rehome.add_argument(
        "--choose",
        action="append",
        default=[],
        metavar="MÃ_CŨ=MÃ_MỚI",
        help="đơn vị nhận bản ghi của một xã cũ bị chia (lặp lại cho từng xã)",
    )
    rehome.add_argument(
        "--choices-file",
        metavar="TỆP",
        help="tệp các lựa chọn, mỗi dòng MÃ_CŨ=MÃ_MỚI (dòng trống, dòng # bỏ qua)",
    )
    rehome.add_argument(
        "--seat",
        action="store_true",
        help="xã cũ bị chia mà chưa chọn: chuyển về đơn vị nhận trụ sở",
    )
    rehome.add_argument(
        "--only",
        choices=["records", "scopes"],
        help="chỉ chuyển bản ghi (records) hoặc chỉ phân quyền (scopes)",
    )
    rehome.add_argument(
        "--user", help="tên đăng nhập của người thực hiện (bắt buộc, trừ khi --dry-run)"
    )
    rehome.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    rehome.set_defaults(handler=handle_rehome)


def _choice_lines(path: str) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        lines = [line.split("#", 1)[0].strip() for line in handle]
    return [line for line in lines if line]


def handle_rehome(args: argparse.Namespace) -> int:
    from phongtrao.accounts.operator import user_get_by_username
    from phongtrao.accounts.permissions import Action, user_can
    from phongtrao.core.errors import AccessDenied, InvalidInput
    from phongtrao.registries.rehome import orgunits_rehome, rehome_choices_parse

    from .models import Hierarchy
    from .selectors import orgunit_resolve

    if not args.dry_run and not args.user:
        raise InvalidInput("Cần --user (người thực hiện) để chuyển thật; hoặc dùng --dry-run.")
    actor = user_get_by_username(username=args.user) if args.user else None
    under = orgunit_resolve(code=args.under, hierarchy=Hierarchy.OLD) if args.under else None
    # The whole country takes a superuser; an administrator may move what lies in their scope.
    if actor is not None and not (
        actor.is_superuser if under is None else user_can(actor, Action.ADMINISTER, under)
    ):
        raise AccessDenied(
            "Chỉ quản trị hệ thống (trong phạm vi của mình, với --under) mới được chuyển "
            "bản ghi sang đơn vị mới."
        )
    texts = list(args.choose)
    if args.choices_file:
        texts += _choice_lines(args.choices_file)
    plan = orgunits_rehome(
        actor=actor,
        under=under,
        choices=rehome_choices_parse(texts),
        use_seat=args.seat,
        records=args.only != "scopes",
        scopes=args.only != "records",
        dry_run=args.dry_run,
    )
    if args.json:
        print(json.dumps(plan.as_dict(), ensure_ascii=False, indent=2))
    else:
        _print_plan(plan, dry_run=args.dry_run)
    return 0


def _print_plan(plan, *, dry_run: bool) -> None:  # type: ignore[no-untyped-def]
    from phongtrao.orgunits.selectors import TARGET_RULE_LABELS
    from phongtrao.registries.rehome import KIND_LABELS

    day = f"{plan.effective:%d/%m/%Y}"
    if dry_run:
        print(f"Chạy thử (chưa ghi gì): những gì sẽ chuyển sang đơn vị mới từ {day}.")
    else:
        print(f"Đã chuyển sang đơn vị mới từ {day}.")
    for move in plan.units.values():
        target = move.target
        counts = ", ".join(f"{KIND_LABELS[k]} {n}" for k, n in sorted(move.counts.items()))
        if target.new is None:
            continue
        rule = TARGET_RULE_LABELS[target.rule]
        print(
            f"  {target.old.code} {target.old.name} → {target.new.code} {target.new.name} "
            f"[{rule}]: {counts}"
        )
    if plan.needs_choice:
        print("Đơn vị cũ bị chia, cần chọn một đơn vị kế thừa (--choose MÃ_CŨ=MÃ_MỚI hoặc --seat):")
        for target in plan.needs_choice:
            options = ", ".join(
                f"{c.code} {c.name}{' (nhận trụ sở)' if c.pk == target.seat_id else ''}"
                for c in target.candidates
            )
            counts = ", ".join(
                f"{KIND_LABELS[k]} {n}" for k, n in sorted(plan.units[target.old.pk].counts.items())
            )
            print(f"  {target.old.code} {target.old.name} ({counts}): {options}")
    if plan.without_successor:
        print("Đơn vị cũ không có đơn vị kế thừa, cần chọn đơn vị nhận (--choose MÃ_CŨ=MÃ_MỚI):")
        for target in plan.without_successor:
            print(f"  {target.old.code} {target.old.name}")
    if plan.refused_scopes:
        print("Phân quyền không chuyển được (giữ nguyên):")
        for assignment, reason in plan.refused_scopes:
            print(
                f"  {assignment.user.username}: {assignment.get_role_display()}, "
                f"{assignment.orgunit.name}: {reason}"
            )
    totals = plan.totals()
    summary = ", ".join(f"{KIND_LABELS[k]} {n}" for k, n in sorted(totals.items()))
    print(f"Tổng: {summary or 'không có gì để chuyển'}.")
