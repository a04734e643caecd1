"""Per-team limits on placements: a rate and accelerator-hours in flight (429 above).

A team token's placement is admitted only if

* the team is within ``team_placements_per_second`` (a token bucket holding one second
  of requests: a burst of that many, then that rate), and
* what the team has waiting or running (accelerator-hours: count x hours, a FLOP/s
  request counted at the fewest accelerators it could need) plus this request stays within
  ``team_accelerator_hours_in_flight``; a request alone above the limit is admitted
  when the team has nothing else in flight, so that no size is refused forever.

Otherwise it is answered 429 with ``Retry-After`` (seconds). Admins are not limited. The
limits hold per server process. Zero turns a limit off. Fair scheduling of what is
admitted (one queue per team, served in turn) is :class:`gigawatt.broker.runtime.Runner`'s.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from gigawatt.broker.catalog import Catalog
from gigawatt.broker.decide import Request, fewest_accelerators
from gigawatt.broker.errors import TooManyRequestsError

__all__ = ["TeamLimits", "accelerator_hours"]


def accelerator_hours(catalog: Catalog, req: Request) -> float:
    """Accelerator-hours a request books: count x hours (FLOP/s: on the fastest type)."""
    return max(1.0, math.ceil(fewest_accelerators(catalog, req))) * (req.end_hour - req.start_hour)


@dataclass
class TeamLimits:
    """The limits of every team in one server process (used from its event loop).

    Attributes:
        placements_per_second: Sustained placement requests per team (0: no limit).
        accelerator_hours_in_flight: Most accelerator-hours a team has waiting or
            running at once (0: no limit).
    """

    placements_per_second: float
    accelerator_hours_in_flight: float
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict, repr=False)
    _in_flight: dict[str, float] = field(default_factory=dict, repr=False)

    def admit(self, team: str, acc_hours: float, now: float | None = None) -> None:
        """Count a request of ``team`` in; pair with :meth:`done` when it is answered.

        Raises:
            TooManyRequestsError: over either limit (nothing is counted then).
        """
        rate = self.placements_per_second
        bucket = None
        if rate > 0:
            now = time.monotonic() if now is None else now
            tokens, last = self._buckets.get(team, (rate, now))
            tokens = min(rate, tokens + (now - last) * rate)
            if tokens < 1:
                wait_s = math.ceil((1 - tokens) / rate)
                raise TooManyRequestsError(
                    "rate_limited",
                    f"team {team!r} is over {rate:g} placement requests per second; "
                    f"retry in {wait_s} s",
                    wait_s,
                )
            bucket = (tokens - 1, now)
        limit = self.accelerator_hours_in_flight
        held = self._in_flight.get(team, 0.0)
        if limit > 0 and held > 0 and held + acc_hours > limit:
            raise TooManyRequestsError(
                "too_much_in_flight",
                f"team {team!r} has {held:,.0f} accelerator-hours of placements in flight; "
                f"this one ({acc_hours:,.0f}) would pass the limit of {limit:,.0f}: retry "
                "when they are answered",
                1,
            )
        if bucket is not None:
            self._buckets[team] = bucket
        self._in_flight[team] = held + acc_hours

    def done(self, team: str, acc_hours: float) -> None:
        """A request :meth:`admit` counted is answered."""
        left = self._in_flight.get(team, 0.0) - acc_hours
        if left <= 1e-9:
            self._in_flight.pop(team, None)
        else:
            self._in_flight[team] = left

    def in_flight(self, team: str) -> float:
        """Accelerator-hours the team has waiting or running."""
        return self._in_flight.get(team, 0.0)
