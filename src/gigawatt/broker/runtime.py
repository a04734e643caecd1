"""How the API's routes reach the broker: its state, the caller, writes and reads.

Writes go through the group committer (:mod:`gigawatt.broker.committer`: batches, one
commit, answers after it); reads run on threads of their own, not behind the writes
(:func:`read`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gigawatt.broker.auth import authenticate, cached_principal
from gigawatt.broker.committer import Runner
from gigawatt.broker.context import BrokerContext, Principal

__all__ = [
    "Caller",
    "Ctx",
    "bearer",
    "caller",
    "context",
    "context_of",
    "principal_of",
    "read",
    "run",
]

T = TypeVar("T")

bearer = HTTPBearer(auto_error=False, description="A token from POST /v1/tokens.")


def context_of(request: Request) -> BrokerContext:
    """The broker state of this server."""
    ctx: BrokerContext = request.app.state.broker
    return ctx


async def context(request: Request) -> BrokerContext:
    """The broker state, as a dependency (async: FastAPI runs sync ones in threads)."""
    return context_of(request)


async def run(request: Request, fn: Callable[..., T], *args: Any) -> T:
    """Run a write with this server's committer: ``fn(*args, tx=connection)`` in a batch."""
    runner: Runner = request.app.state.runner
    answer: T = await runner(fn, *args)
    return answer


async def read(fn: Callable[..., T], *args: Any) -> T:
    """Run a read-only broker operation on a thread of its own, not behind the writes.

    Reads see what is committed (their own transaction), so they need not wait for the
    batches queued before them; on SQLite (WAL) they run beside the writer.
    """
    return await asyncio.to_thread(fn, *args)


async def caller(
    request: Request,
    _creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The principal of the request's bearer token (401 without a known one)."""
    return await principal_of(request)


async def principal_of(request: Request) -> Principal:
    """The principal of the request's bearer token (401 without a known one)."""
    ctx = context_of(request)
    header = request.headers.get("authorization")
    if header is not None and header[:7].lower() == "bearer ":
        found = cached_principal(ctx, header[7:].strip())
        if found is not None:
            return found
    return await read(authenticate, ctx, header)  # a read: not behind the writes


Ctx = Annotated[BrokerContext, Depends(context)]
Caller = Annotated[Principal, Depends(caller)]
