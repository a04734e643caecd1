"""Tokens and roles.

A token is ``gw_`` followed by 32 random bytes (URL-safe base64), shown once when it is
created; the database keeps only its SHA-256 digest (a slow password hash is not needed
for 256-bit random secrets). The first admin token is ``GIGAWATT_ADMIN_TOKEN`` in the
server's environment; it is never stored. Roles:

* ``team``: places placements and sees, lists and releases its own (``name`` is the team);
* ``provider``: lists and answers the offers made to its provider, sees placements there;
* ``admin``: everything, including creating tokens, draining sites and reading the audit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from sqlalchemy import Connection, select

from gigawatt.broker.audit import record
from gigawatt.broker.context import ROLES, BrokerContext, Principal
from gigawatt.broker.errors import BadRequestError, ForbiddenError, UnauthorizedError
from gigawatt.broker.tables import tokens

__all__ = ["authenticate", "create_token", "digest", "require"]

_CACHE_LIMIT = 10000


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


def authenticate(ctx: BrokerContext, header: str | None) -> Principal:
    """The principal a bearer token stands for.

    Raises:
        UnauthorizedError: no token, or an unknown one.
    """
    token = _bearer(header)
    d = digest(token)
    if ctx.admin_digest is not None and hmac.compare_digest(d, ctx.admin_digest):
        return Principal("admin", "admin")
    found = ctx.tokens.get(d)
    if found is not None:
        return found

    def lookup(conn: Connection) -> Principal | None:
        row = conn.execute(
            select(tokens.c.role, tokens.c.name, tokens.c.provider).where(tokens.c.digest == d)
        ).first()
        return None if row is None else Principal(row.role, row.name, row.provider)

    principal = ctx.db.transact(lookup, write=False)
    if principal is None:
        raise UnauthorizedError(
            "unknown_token", "this token is not known to the broker", "Authorization"
        )
    if len(ctx.tokens) >= _CACHE_LIMIT:
        ctx.tokens.clear()
    ctx.tokens[d] = principal
    return principal


def require(principal: Principal, *roles: str) -> None:
    """Refuse unless the principal has one of the roles.

    Raises:
        ForbiddenError: it has none of them.
    """
    if principal.role not in roles:
        raise ForbiddenError(
            "forbidden", f"a {principal.role} token may not do this (needs {' or '.join(roles)})"
        )


def create_token(
    ctx: BrokerContext, principal: Principal, role: str, name: str, provider: str | None
) -> dict[str, str | None]:
    """Create a token (admin only) and return it with its role; only its digest is kept.

    Raises:
        ForbiddenError: the caller is not an admin.
        BadRequestError: unknown role, or a provider token without a known provider.
    """
    require(principal, "admin")
    if role not in ROLES:
        raise BadRequestError("bad_role", f"role must be one of {', '.join(ROLES)}", "role")
    if role == "provider":
        if provider is None:
            raise BadRequestError("no_provider", "a provider token needs 'provider'", "provider")
        if provider not in ctx.catalog.scenario.providers:
            known = ", ".join(sorted(ctx.catalog.scenario.providers))
            raise BadRequestError(
                "unknown_provider", f"no provider {provider!r} (known: {known})", "provider"
            )
    elif provider is not None:
        raise BadRequestError(
            "provider_not_allowed", "only provider tokens name a provider", "provider"
        )
    token = "gw_" + secrets.token_urlsafe(32)
    now = time.time()

    def insert(conn: Connection) -> None:
        conn.execute(
            tokens.insert(),
            {
                "digest": digest(token),
                "role": role,
                "name": name,
                "provider": provider,
                "created_at": now,
            },
        )
        record(
            conn,
            at=now,
            actor=principal.name,
            action="token",
            role=role,
            name=name,
            provider=provider,
        )

    ctx.db.transact(insert)
    return {"token": token, "role": role, "name": name, "provider": provider}
