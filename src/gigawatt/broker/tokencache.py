"""A server process's cache of known tokens, dropped when any token is revoked.

Looking a token up in the database on every request would cost a round trip per
placement; the cache answers from memory instead, under two rules that bound how stale
it may be:

* **Revocation.** Every revocation adds one to ``auth_version`` in its own transaction.
  Each entry is tagged with the version read in the same statement as its token row,
  and counts only while that is still the newest version seen. The server reads the
  version every :data:`POLL_S` seconds; an entry is used only while the newest such read
  *began* at most :data:`MAX_STALE_S` ago. So a token revoked (committed) at time *t*
  is refused by every process from *t* + :data:`MAX_STALE_S` on: a read that began
  after *t* saw the new version, and without one the cache is not used at all (requests
  then look their token up in the database).
* **Expiry** is checked against the wall clock on every use.

The process that revokes a token reads the version again once the revocation has
committed (:func:`gigawatt.broker.auth.refresh_revocations`), so it refuses the token at
once. Versions only grow: a read that began earlier can never bring back entries a newer
one dropped (and a revocation rolled back is never observed).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gigawatt.broker.context import Principal

__all__ = ["MAX_STALE_S", "POLL_S", "TokenCache"]

MAX_STALE_S = 1.0
POLL_S = 0.25
_LIMIT = 10000


@dataclass(frozen=True)
class _Entry:
    principal: Principal
    expires_at: float | None
    version: int


class TokenCache:
    """Known tokens by digest, valid while the revocation version they were read at holds.

    Thread-safe: lookups read without a lock (one dict read, two attribute reads);
    changes take one.

    Args:
        limit: Most entries kept (the cache is emptied when full).
    """

    def __init__(self, limit: int = _LIMIT) -> None:
        self._entries: dict[str, _Entry] = {}
        self._limit = limit
        self._lock = threading.Lock()
        self.version = -1  # the newest revocation version seen
        self.checked_at = -MAX_STALE_S - 1.0  # time.monotonic() when that read began

    def get(self, digest: str, now_s: float) -> Principal | None:
        """The principal of a token digest if it is cached, current and unexpired.

        Args:
            digest: The token's digest.
            now_s: Wall-clock time (epoch seconds) for the expiry check.
        """
        entry = self._entries.get(digest)
        if (
            entry is None
            or entry.version != self.version
            or time.monotonic() - self.checked_at > MAX_STALE_S
            or (entry.expires_at is not None and now_s >= entry.expires_at)
        ):
            return None
        return entry.principal

    def observe(self, version: int, began: float) -> None:
        """Record a read of the revocation version that began at ``began`` (monotonic)."""
        with self._lock:
            if version > self.version:
                self.version = version
                self._entries.clear()
            self.checked_at = max(self.checked_at, began)

    def put(
        self, digest: str, principal: Principal, expires_at: float | None, version: int
    ) -> None:
        """Cache a token read at revocation ``version`` (after :meth:`observe` of it)."""
        with self._lock:
            if version != self.version:
                return
            if len(self._entries) >= self._limit:
                self._entries.clear()
            self._entries[digest] = _Entry(principal, expires_at, version)

    def __len__(self) -> int:
        return len(self._entries)
