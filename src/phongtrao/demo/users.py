"""The demo's accounts: the system user that writes every demo row, and one user per role."""

from __future__ import annotations

from phongtrao.accounts.models import Role, User
from phongtrao.accounts.services import role_grant
from phongtrao.orgunits.models import Level, OrgUnit

SYSTEM_USER = "demo-he-thong"
DEMO_PASSWORD = "phongtrao-demo-2023"
DEMO_USERS = (
    ("demo_tinh", Role.PROVINCE_OFFICER, "province", "Cán bộ Công an tỉnh (demo)"),
    ("demo_huyen", Role.DISTRICT_OFFICER, "district", "Cán bộ Công an huyện (demo)"),
    ("demo_xa", Role.COMMUNE_OFFICER, "commune", "Cán bộ Công an xã (demo)"),
    ("demo_mttq", Role.FRONT_VIEWER, "province", "Hội Liên hiệp Phụ nữ tỉnh (demo)"),
    ("demo_quantri", Role.ADMIN, "province", "Quản trị tỉnh (demo)"),
    ("demo_trunguong", Role.NATIONAL_OFFICER, "country", "Cán bộ Bộ Công an (demo)"),
    # Today's province (from 1/7/2025) that took in the demo province: it reads the old one's
    # history too, as any grant on today's units does.
    ("demo_tinh_moi", Role.PROVINCE_OFFICER, "province_today", "Cán bộ Công an tỉnh (demo, 2025)"),
)


def demo_system_user() -> User:
    """Return the inactive user that writes every demo row, creating it when missing."""
    system, _ = User.objects.get_or_create(
        username=SYSTEM_USER, defaults={"first_name": "Dữ liệu mẫu", "is_active": False}
    )
    return system


def demo_users_listed() -> list[tuple[str, str, str, str]]:
    """Return the demo accounts that exist: user name, password, role and unit."""
    demo_users = User.objects.filter(username__in=[u[0] for u in DEMO_USERS])
    listed = []
    for user in demo_users.prefetch_related("role_assignments__orgunit"):
        assignment = next(iter(user.role_assignments.all()), None)
        if assignment is not None:
            listed.append(
                (
                    user.username,
                    DEMO_PASSWORD,
                    assignment.get_role_display(),
                    assignment.orgunit.name,
                )
            )
    return listed


def demo_users_create(*, province: OrgUnit) -> list[tuple[str, str, str, str]]:
    """Create the demo accounts over the country, the province, its first district and commune."""
    district = OrgUnit.objects.filter(parent=province).order_by("code").first()
    commune = OrgUnit.objects.filter(parent=district).order_by("code").first()
    today = OrgUnit.objects.filter(predecessors__old=province, level=Level.PROVINCE).first()
    scopes = {
        "country": province.parent,
        "province": province,
        "district": district,
        "commune": commune,
        "province_today": today,
    }
    shown = []
    for username, role, scope, full_name in DEMO_USERS:
        unit = scopes[scope]
        if unit is None:
            continue  # a province without a successor (a tree loaded without the 2025 one)
        user = User(username=username, first_name=full_name, is_staff=role == Role.ADMIN)
        user.set_password(DEMO_PASSWORD)
        user.save()
        role_grant(user=user, role=role, orgunit=unit)
        shown.append((username, DEMO_PASSWORD, Role(role).label, unit.name))
    return shown
