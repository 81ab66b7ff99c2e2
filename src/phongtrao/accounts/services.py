"""Writes to accounts: creating users and granting roles."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from phongtrao.core.audit import audit_record
from phongtrao.core.errors import InvalidInput
from phongtrao.orgunits.models import Level, OrgUnit

from .models import ROLE_LEVEL, Role, RoleAssignment, User
from .permissions import grants_forget


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
    grants_forget(user)
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


MSG_SCOPE_NO_LEVEL = "vai trò «{role}» phải gắn với đơn vị {level}, «{unit}» là {actual}"


def role_assignment_move_refusal(*, assignment: RoleAssignment, new: OrgUnit) -> str:
    """Return why assignment cannot move to new ("" when it can): the role's level must hold."""
    level = ROLE_LEVEL.get(assignment.role)
    if level is not None and new.level != level:
        return MSG_SCOPE_NO_LEVEL.format(
            role=assignment.get_role_display(),
            level=Level(level).label.lower(),
            unit=new.name,
            actual=Level(new.level).label.lower(),
        )
    return ""


def role_assignment_move(
    *, actor: User | None, assignment: RoleAssignment, new: OrgUnit, rule: str, source: str
) -> RoleAssignment:
    """Move a role from an abolished unit to its successor; audited. Call inside a transaction.

    A user who already holds the role there keeps that grant; the old one goes either way.
    """
    old = assignment.orgunit
    before = {"role": assignment.role, "orgunit": old.pk, "code": old.code, "name": old.name}
    moved = RoleAssignment.objects.filter(
        user_id=assignment.user_id, role=assignment.role, orgunit=new
    ).first()
    if moved is None:
        moved = RoleAssignment(user_id=assignment.user_id, role=assignment.role, orgunit=new)
        moved.full_clean()
        moved.save()
    old_pk = assignment.pk
    assignment.delete()
    audit_record(
        actor=actor,
        action="role_assignment.rehome",
        source=source,
        target_type="role_assignment",
        target_id=old_pk,
        orgunit=new,
        summary=f"Chuyển phân quyền của {assignment.user}: {old.name} → {new.name}",
        before=before,
        after={
            "role": moved.role,
            "orgunit": new.pk,
            "code": new.code,
            "name": new.name,
            "assignment": moved.pk,
            "rule": rule,
        },
    )
    return moved
