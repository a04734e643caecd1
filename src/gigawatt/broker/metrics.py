"""What the broker exports to Prometheus (``GET /metrics``, admin only), one registry per app.

Counted as it happens (no database read):

* ``gigawatt_placements_total{outcome}``: placement requests answered, by outcome
  (``placed``, ``offered``, ``rejected``, ``replayed``: a repeated key's first answer,
  ``refused``: a 4xx such as a reused key or a team over its limits);
* ``gigawatt_batch_operations``: operations per committed batch (histogram);
* ``gigawatt_batch_commit_seconds``: from a batch's start to its commit (histogram);
* ``gigawatt_batch_reruns_total``: pipelined batches run again one savepoint each (each
  is also logged with its cause, :mod:`gigawatt.broker.runtime`);
* ``gigawatt_batch_stage_seconds{stage}``: where a committed batch's time goes, per
  batch (:data:`STAGES`): ``queued`` (its oldest operation waiting for the batch to
  start), ``connect`` (a pooled connection), ``read`` (the snapshot's round trip, with
  the locks queued ahead of it), ``decide`` (:func:`~gigawatt.broker.placing.place_batch`),
  ``other`` (operations of another kind), ``wait`` (its writes queued, for the batch
  before to end), ``commit`` (the writes and the ``COMMIT``), ``answer`` (the answers
  built after the commit), ``deliver`` (from then to the answers set on their event
  loop: the loop's lag).

Read from the database when scraped (a read on a thread, never behind the writes):

* ``gigawatt_offers_pending``: right-of-first-refusal offers awaiting an answer;
* ``gigawatt_site_booked_accelerators{site,accelerator}`` and
  ``gigawatt_site_capacity_accelerators{site,accelerator}``: accelerators booked and
  offered at each site in the broker's current hour slot (offers summed per site and
  accelerator type; types are never added together).

Each application builds its own :class:`BrokerMetrics` (its own ``CollectorRegistry``),
so two apps in one process never share or double-register a metric.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Connection, func, select

from gigawatt.broker.catalog import Catalog
from gigawatt.broker.tables import offers, slots

__all__ = ["CONTENT_TYPE", "STAGES", "BrokerMetrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
Read = Callable[[Callable[[Connection], Any]], Any]
_SIZES = (1, 2, 4, 8, 16, 32, 64)
_SECONDS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)
# The stages of a batch (finer buckets: a stage takes from 0.1 to a few milliseconds).
STAGES = ("queued", "connect", "read", "decide", "other", "wait", "commit", "answer", "deliver")
_STAGE_SECONDS: tuple[float, ...] = (0.0002, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075)
_STAGE_SECONDS += (0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.5)


class BrokerMetrics:
    """The metrics of one broker application.

    Args:
        catalog: The scenario's offers (sites, accelerators, capacities).
        read: Runs a read-only function on a database connection (``Database.transact``
            with ``write=False``).
        current_hour: The broker's present hour slot.
    """

    def __init__(
        self,
        catalog: Catalog,
        read: Read,
        current_hour: Callable[[], int],
    ) -> None:
        self.registry = CollectorRegistry()
        self.placements = Counter(
            "gigawatt_placements",
            "Placement requests answered, by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        self.batch_operations = Histogram(
            "gigawatt_batch_operations",
            "Operations per committed batch.",
            buckets=_SIZES,
            registry=self.registry,
        )
        self.commit_seconds = Histogram(
            "gigawatt_batch_commit_seconds",
            "Seconds from a batch's start to its commit.",
            buckets=_SECONDS,
            registry=self.registry,
        )
        self.reruns = Counter(
            "gigawatt_batch_reruns",
            "Pipelined batches run again with a savepoint per operation.",
            registry=self.registry,
        )
        stages = Histogram(
            "gigawatt_batch_stage_seconds",
            "Seconds a committed batch spends in each stage.",
            ["stage"],
            buckets=_STAGE_SECONDS,
            registry=self.registry,
        )
        self._stages = {name: stages.labels(name) for name in STAGES}
        self.registry.register(_Ledger(catalog, read, current_hour))

    def stage(self, name: str, seconds: float) -> None:
        """Record the time one batch spent in a stage (one of :data:`STAGES`)."""
        self._stages[name].observe(seconds)

    def committed(self, operations: int, seconds: float) -> None:
        """Record a committed batch."""
        self.batch_operations.observe(operations)
        self.commit_seconds.observe(seconds)

    def answered(self, outcome: str) -> None:
        """Count a placement request's answer."""
        self.placements.labels(outcome).inc()

    def text(self) -> bytes:
        """Every metric in Prometheus' text format (reads the database: call on a thread)."""
        return generate_latest(self.registry)


@dataclass(eq=False)  # registered in a registry: hashed by identity
class _Ledger(Collector):
    """Offers pending and accelerators booked per site, read when scraped."""

    _catalog: Catalog
    _read: Read
    _hour: Callable[[], int]

    def describe(self) -> list[Metric]:
        """No description ahead: the collector reads the database only when scraped."""
        return []

    def collect(self) -> Iterator[Metric]:
        """The gauges, from one read."""
        cat = self._catalog
        hour = min(max(self._hour(), cat.first_hour), cat.end_hour - 1)
        month = cat.segments(hour, hour + 1)[0].month_index

        def read(conn: Connection) -> tuple[int, dict[int, int]]:
            pending = conn.execute(
                select(func.count()).select_from(offers).where(offers.c.status == "pending")
            ).scalar_one()
            rows = conn.execute(
                select(slots.c.resource, slots.c.booked).where(slots.c.hour == hour)
            )
            return int(pending), {int(r): int(b) for r, b in rows}

        pending, booked = self._read(read)
        yield GaugeMetricFamily(
            "gigawatt_offers_pending", "Offers awaiting the counterparty's answer.", value=pending
        )
        used: dict[tuple[str, str], int] = defaultdict(int)
        capacity: dict[tuple[str, str], int] = defaultdict(int)
        for offer in cat.offers:
            key = (offer.site, offer.ref.accelerator)
            used[key] += booked.get(offer.resource, 0)
            capacity[key] += int(offer.capacity[month])
        labels = ["site", "accelerator"]
        booked_family = GaugeMetricFamily(
            "gigawatt_site_booked_accelerators",
            "Accelerators booked at a site in the current hour slot.",
            labels=labels,
        )
        capacity_family = GaugeMetricFamily(
            "gigawatt_site_capacity_accelerators",
            "Accelerators a site offers in the current hour slot.",
            labels=labels,
        )
        for key in sorted(capacity):
            booked_family.add_metric(list(key), used[key])
            capacity_family.add_metric(list(key), capacity[key])
        yield booked_family
        yield capacity_family
