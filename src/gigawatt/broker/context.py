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

__all__ = ["ROLES", "BrokerContext", "Principal"]

ROLES = ("team", "provider", "admin")


@dataclass(frozen=True)
class Principal:
    """Who is calling: a lab team, a provider or an admin.

    Attributes:
        role: ``team``, ``provider`` or ``admin``.
        name: Team name (placements belong to it), provider token name, or admin name.
        provider: The provider a provider token speaks for.
    """

    role: str
    name: str
    provider: str | None = None


@dataclass
class BrokerContext:
    """The broker's state in one server process."""

    db: Database
    catalog: Catalog
    settings: BrokerSettings
    drained: frozenset[str] = frozenset()
    tokens: dict[str, Principal] = field(default_factory=dict)
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
