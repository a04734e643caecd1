"""Errors the broker answers with: an HTTP status, a stable code, a message and a field.

Every error a client can cause is a :class:`BrokerError`; the application turns it into
``{"error": {"code", "message", "field"}}`` with its 4xx status (and the headers of
:meth:`BrokerError.headers`, e.g. ``Retry-After``). Nothing a client sends may produce a
500; a database that does not answer is a 503 (:class:`UnavailableError`).
"""

from __future__ import annotations

from gigawatt.errors import GigawattError

__all__ = [
    "BadRequestError",
    "BrokerError",
    "ConflictError",
    "ForbiddenError",
    "MalformedRequestError",
    "NotFoundError",
    "TooManyRequestsError",
    "UnauthorizedError",
    "UnavailableError",
]


class BrokerError(GigawattError):
    """A request the broker refuses, with the HTTP status that says why.

    Attributes:
        status: HTTP status code (4xx).
        code: Stable machine-readable code, e.g. ``offer_not_pending``.
        message: What is wrong and how to fix it.
        field: The request field at fault, when there is one.
    """

    status = 400
    exit_code = 2

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def to_dict(self) -> dict[str, object]:
        """The JSON error body."""
        return {"error": {"code": self.code, "message": self.message, "field": self.field}}

    def headers(self) -> dict[str, str] | None:
        """Extra response headers (None: none)."""
        return None


class MalformedRequestError(BrokerError):
    """The HTTP request itself is ambiguous, e.g. a singleton header sent twice (400)."""

    status = 400


class BadRequestError(BrokerError):
    """The request is malformed or names something the scenario does not have (422)."""

    status = 422


class UnauthorizedError(BrokerError):
    """No token, or a token the broker does not know (401)."""

    status = 401


class ForbiddenError(BrokerError):
    """The token's role may not do this (403)."""

    status = 403


class NotFoundError(BrokerError):
    """No such placement, offer or site (404)."""

    status = 404


class ConflictError(BrokerError):
    """The request clashes with the current state, e.g. answering a closed offer (409)."""

    status = 409


class TooManyRequestsError(BrokerError):
    """A team is over one of its limits; retry after ``retry_after_s`` seconds (429).

    Attributes:
        retry_after_s: Whole seconds to wait (the ``Retry-After`` header).
    """

    status = 429

    def __init__(self, code: str, message: str, retry_after_s: int) -> None:
        super().__init__(code, message, None)
        self.retry_after_s = max(1, retry_after_s)

    def headers(self) -> dict[str, str] | None:
        """``Retry-After`` in whole seconds."""
        return {"Retry-After": str(self.retry_after_s)}


class UnavailableError(BrokerError):
    """The database does not answer; retry later (503, ``Retry-After: 1``)."""

    status = 503

    def headers(self) -> dict[str, str] | None:
        """``Retry-After: 1``."""
        return {"Retry-After": "1"}
