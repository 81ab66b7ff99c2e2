"""`phongtrao users ...`: accounts for operators."""

from __future__ import annotations

import argparse
import getpass
import json
import os

# The roles (accounts.models.Role) with their labels, spelled out so that parsing needs no
# Django; a test keeps the two in step.
ROLES = {
    "national_officer": "Cán bộ cấp trung ương (Bộ Công an, Ủy ban Trung ương MTTQ Việt Nam)",
    "commune_officer": "Cán bộ cấp xã",
    "district_officer": "Cán bộ cấp huyện",
    "province_officer": "Cán bộ cấp tỉnh",
    "front_viewer": "Tổ chức thành viên Mặt trận (chỉ xem số liệu tổng hợp)",
    "admin": "Quản trị hệ thống",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("users", help="tài khoản người dùng")
    sub = parser.add_subparsers(dest="users_command", metavar="LỆNH", required=True)
    create = sub.add_parser("create", help="tạo người dùng với một vai trò trên một đơn vị")
    create.add_argument("username")
    create.add_argument(
        "--role",
        choices=list(ROLES),
        required=True,
        help="; ".join(f"{value}: {label}" for value, label in ROLES.items()),
    )
    create.add_argument(
        "--org", required=True, help="mã đơn vị (mã thống kê); VN: toàn quốc (cả hai cây đơn vị)"
    )
    create.add_argument(
        "--hierarchy", choices=["2008", "2025"], help="phiên bản cây đơn vị khi mã trùng"
    )
    create.add_argument("--full-name", default="")
    create.add_argument("--email", default="")
    create.add_argument(
        "--password-env",
        default="PHONGTRAO_USER_PASSWORD",
        help="biến môi trường chứa mật khẩu (nếu không có sẽ hỏi)",
    )
    create.set_defaults(handler=handle_create)
    listing = sub.add_parser("list", help="liệt kê người dùng và vai trò (JSON)")
    listing.set_defaults(handler=handle_list)


def handle_create(args: argparse.Namespace) -> int:
    from phongtrao.core.errors import InvalidInput
    from phongtrao.orgunits.models import COUNTRY_CODE, Hierarchy
    from phongtrao.orgunits.selectors import orgunit_resolve

    from .models import Role
    from .services import user_create

    hierarchy = args.hierarchy
    if args.org.strip() == COUNTRY_CODE and not hierarchy:
        hierarchy = Hierarchy.NEW  # a role at the country covers it in both trees
    unit = orgunit_resolve(code=args.org.strip(), hierarchy=hierarchy)
    password = os.environ.get(args.password_env)
    if not password:
        try:
            password = getpass.getpass("Mật khẩu: ")
        except EOFError as error:
            raise InvalidInput(
                f"Cần mật khẩu: đặt biến môi trường {args.password_env} hoặc nhập khi được hỏi."
            ) from error
    user = user_create(
        username=args.username,
        password=password,
        full_name=args.full_name,
        email=args.email,
        role=args.role,
        orgunit=unit,
    )
    print(f"Đã tạo người dùng «{user.username}»: {Role(args.role).label} — {unit.name}.")
    return 0


def handle_list(args: argparse.Namespace) -> int:
    from .models import User

    rows = []
    for user in User.objects.prefetch_related("role_assignments__orgunit").order_by("username"):
        rows.append(
            {
                "username": user.username,
                "superuser": user.is_superuser,
                "roles": [
                    {"role": a.role, "org": a.orgunit.code, "hierarchy": a.orgunit.hierarchy}
                    for a in user.role_assignments.all()
                ],
            }
        )
    print(json.dumps(rows, ensure_ascii=False, indent=2))
    return 0
