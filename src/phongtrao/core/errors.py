"""One small hierarchy of errors; each edge (API, web, CLI) converts them once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RowError:
    """A reason why one row (or line) of an input was refused."""

    line: int | None
    field: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "reason": self.reason}


class PhongTraoError(Exception):
    """Base error: a stable machine code and a Vietnamese message for the user."""

    code = "error"
    http_status = 400

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": self.message}
        for key, value in self.extra.items():
            if key == "rows":
                data["rows"] = [row.as_dict() for row in value]
            else:
                data[key] = value
        return data


class NotFound(PhongTraoError):
    code = "not_found"
    http_status = 404


class AccessDenied(PhongTraoError):
    code = "access_denied"
    http_status = 403


class InvalidInput(PhongTraoError):
    code = "invalid_input"
    http_status = 400


class Conflict(PhongTraoError):
    code = "conflict"
    http_status = 409
