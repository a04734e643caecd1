"""Server options of the broker."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, replace

from gigawatt.errors import InputError

__all__ = ["ADMIN_TOKEN_ENV", "SETTINGS_ENV", "BrokerSettings"]

ADMIN_TOKEN_ENV = "GIGAWATT_ADMIN_TOKEN"
SETTINGS_ENV = "GIGAWATT_BROKER_SETTINGS"


@dataclass(frozen=True)
class BrokerSettings:
    """Everything the broker server is started with.

    Attributes:
        scenario: Scenario file or built-in name.
        db_url: SQLAlchemy URL (``sqlite:///file.db`` or ``postgresql://...``) or a path.
        offer_deadline_seconds: Time a counterparty has to answer a ROFR offer.
        expiry_poll_seconds: How often the server expires offers past their deadline.
        max_body_bytes: Largest request body accepted (413 above).
        max_placement_hours: Longest placement accepted, in hours.
        max_capacity_rows: Most rows ``GET /v1/capacity`` answers with (422 above).
        pool_size: Database connections per server process (PostgreSQL).
        sqlite_synchronous: ``NORMAL`` (survives a killed server) or ``FULL`` (power loss).
        batches_in_flight: PostgreSQL: batches a server process runs at once; 2 lets the
            next batch decide while the one before commits, 1 runs them one at a time
            (what several processes on one database use).
        admin_token: First admin token; read from ``GIGAWATT_ADMIN_TOKEN`` when None.
        plan_dir: A folder written by ``gigawatt plan --out DIR`` whose charts the
            dashboard shows; None for none.
        team_placements_per_second: Placement requests a team may send per second,
            sustained (a burst of as many at once); 429 above. 0: no limit.
        team_accelerator_hours_in_flight: Accelerator-hours (count x hours) of
            placements a team may have waiting or running at once; 429 above. 0: no limit.
        max_batch_hours: Hour slots one batch of operations touches at most (a longer
            placement makes a batch alone): bounds how long another team's placement
            waits behind a team's large ones.
        now: The present as an RFC 3339 whole hour, for replays of a past scenario and
            for tests: placements may not start before it. None: the wall clock.
    """

    scenario: str
    db_url: str = "sqlite:///gigawatt-broker.db"
    offer_deadline_seconds: float = 3600.0
    expiry_poll_seconds: float = 1.0
    max_body_bytes: int = 65536
    max_placement_hours: int = 8784
    max_capacity_rows: int = 50000
    pool_size: int = 32
    sqlite_synchronous: str = "NORMAL"
    batches_in_flight: int = 2
    admin_token: str | None = None
    plan_dir: str | None = None
    team_placements_per_second: float = 500.0
    team_accelerator_hours_in_flight: float = 10_000_000.0
    max_batch_hours: int = 2 * 8784
    now: str | None = None

    def __post_init__(self) -> None:
        if self.now is not None:
            from gigawatt.broker.hours import hour_of

            try:
                hour_of(self.now)
            except ValueError as exc:
                raise InputError(f"now (--now): {exc}") from None

    def resolved(self) -> BrokerSettings:
        """These settings with the admin token taken from the environment when unset."""
        if self.admin_token is not None:
            return self
        return replace(self, admin_token=os.environ.get(ADMIN_TOKEN_ENV) or None)

    def to_json(self) -> str:
        """JSON form, without the admin token (it travels in the environment)."""
        data = asdict(self)
        data.pop("admin_token")
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> BrokerSettings:
        """Inverse of :meth:`to_json`."""
        return cls(**json.loads(text))
