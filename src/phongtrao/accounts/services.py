"""Writes to accounts: creating users and granting roles."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from phongtrao.core.errors import InvalidInput
from phongtrao.orgunits.models import OrgUnit

from .models import Role, RoleAssignment, User


def _validation_message(error: ValidationError) -> str:
    return " ".join(error.messages)


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    full_name: str = "",
    email: str = "",
    role: str | None = None,
    orgunit: OrgUnit | None = None,
    is_superuser: bool = False,
) -> User:
    """Create a user, optionally with one role over one unit."""
    username = username.strip()
    if not username:
        raise InvalidInput("Tên đăng nhập không được để trống.")
    if User.objects.filter(username=username).exists():
        raise InvalidInput(f"Tên đăng nhập «{username}» đã tồn tại.")
    password_check(password)
    user = User(
        username=username,
        email=email,
        first_name=full_name,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    if role is not None:
        role_grant(user=user, role=role, orgunit=orgunit)
    return user


@transaction.atomic
def role_grant(*, user: User, role: str, orgunit: OrgUnit | None) -> RoleAssignment:
    """Give user a role over orgunit and its subtree."""
    if role not in Role.values:
        choices = ", ".join(Role.values)
        raise InvalidInput(f"Vai trò «{role}» không hợp lệ; chọn một trong: {choices}.")
    if orgunit is None:
        raise InvalidInput("Vai trò phải gắn với một đơn vị hành chính.")
    assignment = RoleAssignment(user=user, role=role, orgunit=orgunit)
    try:
        assignment.full_clean()
    except ValidationError as error:
        raise InvalidInput(_validation_message(error)) from error
    assignment.save()
    user.__dict__.pop("_phongtrao_grants", None)
    return assignment


@dataclass(frozen=True)
class AdminResult:
    username: str
    password: str | None  # only when just generated, to be shown once
    created: bool


def password_check(password: str) -> None:
    """Refuse a password the validators of settings refuse, with their Vietnamese reasons."""
    try:
        validate_password(password)
    except ValidationError as error:
        raise InvalidInput(f"Mật khẩu chưa đạt: {_validation_message(error)}") from error


@transaction.atomic
def admin_ensure(*, username: str, password: str | None) -> AdminResult:
    """Create the administrator once; a generated password is returned only that once."""
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return AdminResult(username=username, password=None, created=False)
    generated = password is None
    secret = password or secrets.token_urlsafe(12)
    user_create(
        username=username, password=secret, full_name="Quản trị hệ thống", is_superuser=True
    )
    return AdminResult(username=username, password=secret if generated else None, created=True)
