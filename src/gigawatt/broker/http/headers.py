"""The singleton headers of a request: each may appear once; a repeat is a 400.

Two readers of one request must not disagree on which of two ``Idempotency-Key``
headers counts (one taking the first, the other the last booked the same request
twice). Every code path reads the headers through :func:`singleton_headers`, which
refuses a repeat of any of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from gigawatt.broker.errors import BadRequestError, MalformedRequestError

__all__ = [
    "IDEMPOTENCY_KEY",
    "SINGLETONS",
    "Singletons",
    "bearer_token",
    "idempotency_key",
    "singleton_headers",
]

IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
_NAMES = {
    b"authorization": "Authorization",
    b"idempotency-key": "Idempotency-Key",
    b"content-type": "Content-Type",
    b"content-length": "Content-Length",
}
SINGLETONS = tuple(_NAMES.values())


@dataclass(frozen=True, slots=True)
class Singletons:
    """The singleton headers of a request, as sent (None: absent)."""

    authorization: bytes | None
    idempotency_key: bytes | None
    content_type: bytes | None
    content_length: bytes | None


def singleton_headers(raw: Iterable[tuple[bytes, bytes]]) -> Singletons:
    """Read the singleton headers of an ASGI request (names are lower case in ASGI).

    Raises:
        MalformedRequestError: one of them appears more than once (400).
    """
    auth = key = ctype = length = None
    for name, value in raw:
        if name not in _NAMES:
            continue
        if name == b"authorization":
            repeated, auth = auth is not None, value
        elif name == b"idempotency-key":
            repeated, key = key is not None, value
        elif name == b"content-type":
            repeated, ctype = ctype is not None, value
        else:
            repeated, length = length is not None, value
        if repeated:
            label = _NAMES[name]
            raise MalformedRequestError(
                "repeated_header", f"send one {label} header, not several", label
            )
    return Singletons(auth, key, ctype, length)


def bearer_token(header: bytes | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (None: not of that form)."""
    if header is None or header[:7].lower() != b"bearer ":
        return None
    token = header[7:].decode("latin-1").strip()
    return token or None


def idempotency_key(header: bytes | None) -> str:
    """The idempotency key of a placement request.

    Raises:
        BadRequestError: missing, or not 1-200 printable ASCII characters (422).
    """
    key = header.decode("latin-1") if header is not None else None
    if key is None or not IDEMPOTENCY_KEY.match(key):
        raise BadRequestError(
            "invalid",
            "send an Idempotency-Key header of 1-200 printable ASCII characters",
            "Idempotency-Key",
        )
    return key
