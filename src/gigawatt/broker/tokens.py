"""Creating, listing and revoking tokens.

A token is made for a principal: its role and name (unique together), and for a
provider token the provider it speaks for. The first token of a (role, name) makes the
principal; later ones are more tokens of the same principal (to rotate a secret), and a
provider token must then name the same provider. Names the broker uses as its own
actors (:data:`RESERVED_NAMES`, in any case) are refused. Only an admin creates tokens
and sees every token; a team or provider token lists and revokes the tokens of its own
principal. A revocation is effective at once in the process that made it and within
:data:`~gigawatt.broker.tokencache.MAX_STALE_S` in every other one.
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select, text, update

from gigawatt.broker.audit import act_once, record
from gigawatt.broker.auth import digest, require
from gigawatt.broker.context import ROLES, BrokerContext, Principal
from gigawatt.broker.errors import BadRequestError, ConflictError, NotFoundError
from gigawatt.broker.hours import iso_seconds
from gigawatt.broker.models import MAX_TTL_SECONDS
from gigawatt.broker.tables import auth_version, principals, tokens

__all__ = ["MAX_TTL_SECONDS", "RESERVED_NAMES", "create_token", "list_tokens", "revoke_token"]

RESERVED_NAMES = frozenset({"admin", "system"})
_ENSURE_PRINCIPAL = text(
    "INSERT INTO principals (role, name, provider, created_at) "
    "VALUES (:role, :name, :provider, :now) ON CONFLICT (role, name) DO NOTHING"
)
_COLUMNS: list[Any] = [
    tokens.c.id,
    tokens.c.principal_id,
    principals.c.role,
    principals.c.name,
    principals.c.provider,
    tokens.c.created_at,
    tokens.c.expires_at,
    tokens.c.revoked_at,
]
_JOINED = tokens.join(principals, principals.c.id == tokens.c.principal_id)


def _check(ctx: BrokerContext, role: str, name: str, provider: str | None) -> None:
    if role not in ROLES:
        raise BadRequestError("bad_role", f"role must be one of {', '.join(ROLES)}", "role")
    if name.lower() in RESERVED_NAMES:
        raise BadRequestError(
            "reserved_name",
            f"the name {name!r} is reserved: the broker acts as "
            f"{' and '.join(sorted(RESERVED_NAMES))} itself; choose another name",
            "name",
        )
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


def _expiry(now: float, ttl_seconds: int | None, expires_at: datetime | None) -> float | None:
    if ttl_seconds is not None and expires_at is not None:
        raise BadRequestError("invalid", "give ttl_seconds or expires_at, not both", "expires_at")
    if ttl_seconds is not None:
        if not 1 <= ttl_seconds <= MAX_TTL_SECONDS:
            raise BadRequestError(
                "invalid", f"ttl_seconds must lie in [1, {MAX_TTL_SECONDS}]", "ttl_seconds"
            )
        return now + ttl_seconds
    if expires_at is not None:
        if expires_at.utcoffset() is None:
            raise BadRequestError(
                "invalid", "expires_at needs a time zone (end it with Z)", "expires_at"
            )
        at = expires_at.timestamp()
        if at <= now:
            raise BadRequestError(
                "invalid", f"expires_at {iso_seconds(at)} is not in the future", "expires_at"
            )
        if at > now + MAX_TTL_SECONDS:
            raise BadRequestError("invalid", "expires_at is more than ten years away", "expires_at")
        return at
    return None


def render_token(row: Row[Any], now: float) -> dict[str, Any]:
    """The API form of a token (never its secret)."""
    if row.revoked_at is not None:
        state = "revoked"
    elif row.expires_at is not None and now >= row.expires_at:
        state = "expired"
    else:
        state = "active"
    return {
        "id": row.id,
        "principal_id": row.principal_id,
        "role": row.role,
        "name": row.name,
        "provider": row.provider,
        "state": state,
        "created_at": iso_seconds(row.created_at),
        "expires_at": iso_seconds(row.expires_at) if row.expires_at is not None else None,
        "revoked_at": iso_seconds(row.revoked_at) if row.revoked_at is not None else None,
    }


def create_token(
    ctx: BrokerContext,
    principal: Principal,
    role: str,
    name: str,
    provider: str | None,
    ttl_seconds: int | None = None,
    expires_at: datetime | None = None,
    *,
    tx: Connection | None = None,
) -> dict[str, Any]:
    """Create a token (admin only); the secret is in the answer, only its digest is kept.

    ``tx``: the batch's connection (the committer passes it), else a transaction of its own.

    Raises:
        ForbiddenError: the caller is not an admin.
        BadRequestError: unknown role, reserved name, a provider token without a known
            provider, or an expiry that is not in the future.
        ConflictError: the provider principal of that name speaks for another provider.
    """
    require(principal, "admin")
    _check(ctx, role, name, provider)
    now = time.time()
    expiry = _expiry(now, ttl_seconds, expires_at)
    secret = "gw_" + secrets.token_urlsafe(32)

    def insert(conn: Connection) -> dict[str, Any]:
        params = {"role": role, "name": name, "provider": provider, "now": now}
        conn.execute(_ENSURE_PRINCIPAL, params)
        owner = conn.execute(
            select(principals.c.id, principals.c.provider).where(
                principals.c.role == role, principals.c.name == name
            )
        ).one()
        if owner.provider != provider:
            raise ConflictError(
                "provider_mismatch",
                f"the provider principal {name!r} speaks for {owner.provider}; "
                f"give provider {owner.provider} or another name",
                "provider",
            )
        tid = conn.execute(
            tokens.insert().returning(tokens.c.id),
            {
                "digest": digest(secret),
                "principal_id": owner.id,
                "created_at": now,
                "expires_at": expiry,
            },
        ).scalar_one()
        record(
            conn,
            at=now,
            actor=principal,
            action="token",
            created_token_id=tid,
            principal_id=owner.id,
            role=role,
            name=name,
            provider=provider,
            expires_at=iso_seconds(expiry) if expiry is not None else None,
        )
        row = conn.execute(select(*_COLUMNS).select_from(_JOINED).where(tokens.c.id == tid))
        return {"token": secret, **render_token(row.one(), now)}

    return ctx.db.transact(insert, tx=tx)


def list_tokens(
    ctx: BrokerContext, principal: Principal, *, after: int | None, limit: int
) -> list[dict[str, Any]]:
    """Tokens by id without their secrets: an admin all, anyone else its principal's."""
    q = select(*_COLUMNS).select_from(_JOINED).order_by(tokens.c.id).limit(limit)
    if principal.role != "admin":
        q = q.where(tokens.c.principal_id == principal.id)
    if after is not None:
        q = q.where(tokens.c.id > after)
    now = time.time()

    def read(conn: Connection) -> list[dict[str, Any]]:
        return [render_token(r, now) for r in conn.execute(q)]

    return ctx.db.transact(read, write=False)


def _revoked(row: Row[Any]) -> bool:
    """Whether a token was revoked (the first revocation stays)."""
    return row.revoked_at is not None


def revoke_token(
    ctx: BrokerContext, principal: Principal, token_id: int, *, tx: Connection | None = None
) -> dict[str, Any]:
    """Revoke a token: an admin any, a team or provider one of its own principal's.

    ``tx``: the batch's connection (the committer passes it), else a transaction of its own.

    Revoking a revoked token changes nothing and answers it again (the first revocation
    time stays). Once the transaction has committed (inside a batch: once the batch
    has), :func:`~gigawatt.broker.auth.refresh_revocations` makes this process refuse
    the token at once.

    Raises:
        NotFoundError: no such token, or not the caller's to revoke.
    """

    def revoke(conn: Connection) -> dict[str, Any]:
        q = select(*_COLUMNS).select_from(_JOINED).where(tokens.c.id == token_id)
        row = conn.execute(q).first()
        if row is None or (principal.role != "admin" and row.principal_id != principal.id):
            raise NotFoundError("no_token", f"no token {token_id} of yours", "id")
        now = time.time()

        def change(row: Row[Any]) -> dict[str, Any]:
            conn.execute(
                update(tokens)
                .where(tokens.c.id == token_id, tokens.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            conn.execute(
                update(auth_version)
                .where(auth_version.c.id == 1)
                .values(version=auth_version.c.version + 1)
            )
            return {
                "revoked_token_id": token_id,
                "principal_id": row.principal_id,
                "role": row.role,
                "name": row.name,
            }

        revoked = act_once(conn, row, q, _revoked, change, (now, principal, "token_revoke"))
        return render_token(revoked, now)

    return ctx.db.transact(revoke, tx=tx)
