"""Plain builders for test objects."""

from __future__ import annotations

from phongtrao.accounts.models import User
from phongtrao.accounts.services import user_create
from phongtrao.orgunits.models import OrgUnit

PASSWORD = "mat-khau-thu-nghiem-2025"


def make_user(
    username: str,
    *,
    role: str | None = None,
    orgunit: OrgUnit | None = None,
    is_superuser: bool = False,
) -> User:
    return user_create(
        username=username, password=PASSWORD, role=role, orgunit=orgunit, is_superuser=is_superuser
    )
