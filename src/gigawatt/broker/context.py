"""What every broker operation works with: the database, the catalog and the caller."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from gigawatt.broker.admission import TeamLimits
from gigawatt.broker.catalog import Catalog
from gigawatt.broker.db import Database
from gigawatt.broker.hours import SECONDS_PER_HOUR, hour_of
from gigawatt.broker.settings import BrokerSettings
from gigawatt.broker.tables import drained_sites
from gigawatt.broker.tokencache import TokenCache

__all__ = ["ADMIN", "ROLES", "SYSTEM", "BrokerContext", "Principal"]

ROLES = ("team", "provider", "admin")


@dataclass(frozen=True)
class Principal:
    """Who is calling: a lab team, a provider or an admin, with the token it used.

    Ownership is decided by ``id`` alone: two principals may share a name (an admin and
    a team both called ``ops``) but never an id.

    Attributes:
        id: The principal's id (``principals.id``): who owns placements, who acted.
        role: ``team``, ``provider`` or ``admin`` (``system`` for the service itself).
        name: Display name: the team, the provider token's name, or the admin's name.
        provider: The provider a provider token speaks for (a scenario provider key).
        token_id: The token used (``tokens.id``); None for the bootstrap admin token
            (``GIGAWATT_ADMIN_TOKEN``, never stored) and for the service itself.
    """

    id: int
    role: str
    name: str
    provider: str | None = None
    token_id: int | None = None


# Made by the migration that added principals, in this order (ids 1 and 2).
ADMIN = Principal(1, "admin", "admin")
SYSTEM = Principal(2, "system", "system")


@dataclass
class BrokerContext:
    """The broker's state in one server process."""

    db: Database
    catalog: Catalog
    settings: BrokerSettings
    drained: frozenset[str] = frozenset()
    tokens: TokenCache = field(default_factory=TokenCache)
    admin_digest: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    _drained_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    limits: TeamLimits = field(init=False)

    def __post_init__(self) -> None:
        self.limits = TeamLimits(
            self.settings.team_placements_per_second,
            self.settings.team_accelerator_hours_in_flight,
        )
        token = self.settings.admin_token
        if token:
            self.admin_digest = hashlib.sha256(token.encode()).hexdigest()

    def current_hour(self) -> int:
        """The slot of the present: the wall clock's hour, or the settings' ``now``."""
        if self.settings.now is not None:
            return hour_of(self.settings.now)
        return int(time.time()) // SECONDS_PER_HOUR

    def refresh_drained(self, conn: Connection) -> frozenset[str]:
        """Re-read the drained sites (other processes may have drained one).

        Safe from any thread: a drain is never undone, so what was read is added to what
        is known (a read that began before this process's own drain cannot drop it).
        """
        read = frozenset(conn.execute(select(drained_sites.c.site)).scalars())
        with self._drained_lock:
            self.drained = self.drained | read
            return self.drained
