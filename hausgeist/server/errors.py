"""The API's errors: each has an HTTP status, a stable `code` and a message for people."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An answer other than success, rendered as `{"code", "message"}`."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def to_json(self) -> dict[str, Any]:
        """The JSON body."""
        return {"code": self.code, "message": self.message}


def bad_request(message: str, code: str = "bad_request") -> ApiError:
    """400: the request's body or parameters are wrong."""
    return ApiError(400, code, message)


def not_found(message: str = "Nicht gefunden / not found.") -> ApiError:
    """404."""
    return ApiError(404, "not_found", message)
