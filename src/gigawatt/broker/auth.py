"""Tokens and roles: which principal a bearer token stands for.

A token is ``gw_`` followed by 32 random bytes (URL-safe base64), shown once when it is
created; the database keeps only its SHA-256 digest (a slow password hash is not needed
for 256-bit random secrets). Each token belongs to one principal (a team, a provider or
an admin, unique per role and name) and may expire or be revoked
(:mod:`gigawatt.broker.tokens`). The first admin token is ``GIGAWATT_ADMIN_TOKEN`` in the
server's environment; it is never stored and stands for the principal ``admin`` (id 1).
Roles:

* ``team``: places placements and sees, lists and releases its own;
* ``provider``: lists and answers the offers made to its provider, sees placements there;
* ``admin``: everything, including creating tokens, draining sites and reading the audit.

Every request's token goes through :func:`cached_principal` (memory only: the placement
fast path) or :func:`authenticate` (memory, then the database); the cache's staleness
is bounded (:mod:`gigawatt.broker.tokencache`).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time

from sqlalchemy import Connection, select

from gigawatt.broker.context import ADMIN, BrokerContext, Principal
from gigawatt.broker.errors import ForbiddenError, UnauthorizedError, UnavailableError
from gigawatt.broker.hours import iso_seconds
from gigawatt.broker.tables import auth_version, principals, tokens
from gigawatt.broker.tokencache import POLL_S

__all__ = [
    "authenticate",
    "cached_principal",
    "digest",
    "read_version",
    "refresh_revocations",
    "require",
    "watch_revocations",
]

log = logging.getLogger("gigawatt.broker")

_VERSION = select(auth_version.c.version).where(auth_version.c.id == 1).scalar_subquery()


def digest(token: str) -> str:
    """SHA-256 hex digest of a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _bearer(header: str | None) -> str:
    if not header:
        raise UnauthorizedError("no_token", "send 'Authorization: Bearer <token>'", "Authorization")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        raise UnauthorizedError(
            "bad_token", "the Authorization header must be 'Bearer <token>'", "Authorization"
        )
    return token


def cached_principal(ctx: BrokerContext, token: str) -> Principal | None:
    """The principal of a token known without the database (bootstrap admin or cache).

    None when the token would need a database read (unknown here, revoked elsewhere
    less than :data:`~gigawatt.broker.tokencache.MAX_STALE_S` ago, expired, or the
    cache not checked recently): :func:`authenticate` then decides.
    """
    d = digest(token)
    if ctx.admin_digest is not None and hmac.compare_digest(d, ctx.admin_digest):
        return ADMIN
    return ctx.tokens.get(d, time.time())


def authenticate(ctx: BrokerContext, header: str | None) -> Principal:
    """The principal a bearer token stands for (from the cache, else the database).

    Raises:
        UnauthorizedError: no token, an unknown one, or one revoked or expired.
    """
    token = _bearer(header)
    found = cached_principal(ctx, token)
    if found is not None:
        return found
    d = digest(token)
    began = time.monotonic()

    def lookup(conn: Connection) -> tuple[int, Principal | None, float | None, float | None]:
        row = conn.execute(
            select(
                _VERSION.label("version"),
                tokens.c.id,
                tokens.c.expires_at,
                tokens.c.revoked_at,
                principals.c.id.label("principal_id"),
                principals.c.role,
                principals.c.name,
                principals.c.provider,
            )
            .select_from(tokens.join(principals, principals.c.id == tokens.c.principal_id))
            .where(tokens.c.digest == d)
        ).first()
        if row is None:
            return conn.execute(select(_VERSION)).scalar_one(), None, None, None
        who = Principal(row.principal_id, row.role, row.name, row.provider, row.id)
        return int(row.version), who, row.expires_at, row.revoked_at

    version, principal, expires_at, revoked_at = ctx.db.transact(lookup, write=False)
    ctx.tokens.observe(version, began)
    if principal is None:
        raise UnauthorizedError(
            "unknown_token", "this token is not known to the broker", "Authorization"
        )
    if revoked_at is not None:
        raise UnauthorizedError(
            "token_revoked",
            f"token {principal.token_id} was revoked at {iso_seconds(revoked_at)}; "
            "ask an admin for a new one",
            "Authorization",
        )
    if expires_at is not None and time.time() >= expires_at:
        raise UnauthorizedError(
            "token_expired",
            f"token {principal.token_id} expired at {iso_seconds(expires_at)}; "
            "ask an admin for a new one",
            "Authorization",
        )
    ctx.tokens.put(d, principal, expires_at, version)
    return principal


def read_version(conn: Connection) -> int:
    """The revocation version (how many revocations the database has seen)."""
    return int(conn.execute(select(_VERSION)).scalar_one())


def refresh_revocations(ctx: BrokerContext) -> None:
    """Read the revocation version now and drop cached tokens if it moved."""
    began = time.monotonic()
    ctx.tokens.observe(ctx.db.transact(read_version, write=False), began)


async def watch_revocations(ctx: BrokerContext) -> None:
    """Read the revocation version every ``POLL_S`` seconds, forever (a server task).

    A failed read is logged once per failure streak; meanwhile the cache goes stale and
    tokens are looked up in the database.
    """
    failing = False
    while True:
        await asyncio.sleep(POLL_S)
        try:
            await asyncio.to_thread(refresh_revocations, ctx)
        except Exception as exc:
            # An outage is logged once by the database's health (broker/health.py).
            if not failing and not isinstance(exc, UnavailableError):
                log.warning("cannot read the token revocation version: %s", exc)
            failing = True
            continue
        failing = False


def require(principal: Principal, *roles: str) -> None:
    """Refuse unless the principal has one of the roles.

    Raises:
        ForbiddenError: it has none of them.
    """
    if principal.role not in roles:
        raise ForbiddenError(
            "forbidden", f"a {principal.role} token may not do this (needs {' or '.join(roles)})"
        )
