"""Users and the roles they hold, each scoped to one org unit and everything below it."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

from phongtrao.orgunits.models import Level, OrgUnit


class User(AbstractUser):
    """A person who signs in; what they may do comes from their role assignments."""

    class Meta:
        verbose_name = "người dùng"
        verbose_name_plural = "người dùng"


class Role(models.TextChoices):
    # The ministry (Bộ Công an) and the Front's central committee: the whole country, aggregates.
    NATIONAL_OFFICER = (
        "national_officer",
        "Cán bộ cấp trung ương (Bộ Công an, Ủy ban Trung ương MTTQ Việt Nam)",
    )
    COMMUNE_OFFICER = "commune_officer", "Cán bộ cấp xã"
    DISTRICT_OFFICER = "district_officer", "Cán bộ cấp huyện"
    PROVINCE_OFFICER = "province_officer", "Cán bộ cấp tỉnh"
    FRONT_VIEWER = "front_viewer", "Tổ chức thành viên Mặt trận (chỉ xem số liệu tổng hợp)"
    ADMIN = "admin", "Quản trị hệ thống"


# The level a role must be held at; None: any level.
ROLE_LEVEL: dict[str, str | None] = {
    Role.NATIONAL_OFFICER: Level.COUNTRY,
    Role.COMMUNE_OFFICER: Level.COMMUNE,
    Role.DISTRICT_OFFICER: Level.DISTRICT,
    Role.PROVINCE_OFFICER: Level.PROVINCE,
    Role.FRONT_VIEWER: None,
    Role.ADMIN: None,
}


class RoleAssignment(models.Model):
    """A user holds a role over an org unit and its whole subtree."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField("vai trò", max_length=32, choices=Role.choices)
    orgunit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="đơn vị"
    )
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)

    class Meta:
        verbose_name = "phân quyền"
        verbose_name_plural = "phân quyền"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "orgunit"], name="role_assignment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.orgunit}"

    def clean(self) -> None:
        level = ROLE_LEVEL.get(self.role)
        if level is not None and self.orgunit_id and self.orgunit.level != level:
            raise ValidationError(
                {
                    "orgunit": f"Vai trò «{self.get_role_display()}» phải gắn với đơn vị "
                    f"{Level(level).label.lower()}."
                }
            )
