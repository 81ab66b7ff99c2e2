"""The user an operator's job acts as, named on the command line."""

from __future__ import annotations

from phongtrao.core.errors import NotFound

from .models import User

MSG_USER_NOT_FOUND = "Không có người dùng «{username}»."


def user_get_by_username(*, username: str) -> User:
    """Return the active user with this user name; raise NotFound otherwise."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise NotFound(MSG_USER_NOT_FOUND.format(username=username))
    return user
