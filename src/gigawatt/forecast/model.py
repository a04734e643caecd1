"""The forecast's model of a scenario: every sample's months evaluated in vectorised chunks.

:class:`ForecastModel` holds the demand, supply, merit order and finance models of a
scenario; :meth:`ForecastModel.evaluate` turns a span of samples into
:class:`ChunkOutputs` (``[months, samples]`` arrays). The run that drives it chunk by
chunk is :func:`gigawatt.forecast.montecarlo.run_forecast`; the summary of the counts is
:mod:`gigawatt.forecast.summary`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gigawatt.forecast.demand import DemandModel
from gigawatt.forecast.finance import FinanceModel
from gigawatt.forecast.merit import MeritOrder
from gigawatt.forecast.recurrences import weighted_sum
from gigawatt.forecast.sampling import Uncertainty, parse_uncertainty
from gigawatt.forecast.structural import GapTally
from gigawatt.forecast.supply import SupplyModel
from gigawatt.forecast.values import ChunkValues
from gigawatt.scenario.schema import Scenario

__all__ = ["GAP_TOLERANCE", "ChunkOutputs", "ForecastModel"]

F64 = NDArray[np.float64]

GAP_TOLERANCE = 1e-9
"""A month is short when the gap exceeds this fraction of the demand."""


@dataclass
class ChunkOutputs:
    """Per-sample results of one chunk.

    Attributes:
        n: Samples in the chunk.
        quantities: Per quantity, ``[T, n]`` or ``[T, 1]`` values (cash absent without
            finance; ``demand_twh`` is derived from ``demand_mw`` by the bands).
        inputs: ``[n, k]`` drawn values of the sampled parameters.
        gap_total_flop: ``[n]`` delivered FLOP demanded but not served.
        cash_final_usd: ``[n]`` cash at the end of the horizon, or None.
        funding_needed_usd: ``[n]`` funding to keep cash at or above the floor
            (``finance.cash_floor_usd``, default 0), or None.
        class_gap_flops: Per demand class (``model.merit.classes``), ``[T, n]`` or
            ``[T, 1]`` delivered FLOP/s demanded but not served.
        class_demand_flops: Per demand class, the delivered FLOP/s demanded.
    """

    n: int
    quantities: dict[str, F64]
    inputs: F64
    gap_total_flop: F64
    cash_final_usd: F64 | None
    funding_needed_usd: F64 | None
    class_gap_flops: list[F64]
    class_demand_flops: list[F64]


class ForecastModel:
    """A scenario prepared for vectorised evaluation.

    Args:
        scenario: The scenario.
        uncertainty: Its sampled parameters (read from ``scenario.uncertainty`` by default).

    Raises:
        ScenarioError: the ``uncertainty`` section names a path the forecast cannot sample.
    """

    def __init__(self, scenario: Scenario, uncertainty: Uncertainty | None = None) -> None:
        self.scenario = scenario
        self.uncertainty = uncertainty if uncertainty is not None else parse_uncertainty(scenario)
        params = self.uncertainty.parameters
        self.timeline = scenario.timeline
        self.demand = DemandModel(scenario, params)
        self.supply = SupplyModel(scenario, params)
        self.finance = FinanceModel(scenario, self.supply.offers)
        active = [w.active for w in self.demand.workloads]
        self.merit = MeritOrder(
            scenario,
            self.supply,
            active,
            self.finance.tracked_providers,
            self.finance.paid_ahead_offers,
        )
        self.seconds = self.timeline.hours * 3600.0
        self._fixed: dict[tuple[str | int, ...], F64] = {}  # unsampled schedules' values

    @property
    def has_cash(self) -> bool:
        """Whether the scenario tracks cash (has a ``finance`` section)."""
        return self.scenario.finance is not None

    @property
    def cash_floor_usd(self) -> float:
        """``finance.cash_floor_usd`` (0 without finance): the cash events count below it."""
        fin = self.scenario.finance
        return fin.cash_floor_usd if fin is not None else 0.0

    def evaluate(self, start: int, stop: int, seed: int) -> ChunkOutputs:
        """Evaluate samples ``start .. stop - 1`` of the run with this seed."""
        n = stop - start
        draws = self.uncertainty.draw(start, stop, seed)
        values = ChunkValues(self.timeline, self.uncertainty.parameters, draws, n, self._fixed)
        demand = self.demand.evaluate(values)
        capacity = self.supply.capacity(values)
        costs = self.supply.costs(values)
        merit = self.merit.fill(
            demand.need_peak_flops, demand.delivered_flops, capacity.peak_flops, costs
        )
        classes = [c.members for c in self.merit.classes]
        cash = self.finance.evaluate(values, merit, classes)
        quantities = {
            "demand_flops": demand.flops,
            "demand_accelerators": demand.accelerators,
            "demand_mw": demand.mw,
            "supply_flops": capacity.flops,
            "supply_mw": capacity.mw,
            "gap_flops": merit.gap_flops,
            "spend_usd": cash.spend_usd,
            "revenue_usd": cash.revenue_usd,
            "revenue_share_usd": cash.revenue_share_usd,
        }
        final = needed = None
        if cash.cash_usd is not None:
            quantities["cash_usd"] = cash.cash_usd
            final = np.ascontiguousarray(np.broadcast_to(cash.cash_usd[-1], (n,)))
            low = cash.cash_usd.min(axis=0)
            needed = np.broadcast_to(np.maximum(self.cash_floor_usd - low, 0.0), (n,))
        gap = np.broadcast_to(merit.gap_flops, (self.timeline.n_months, n))
        gap_total = weighted_sum(self.seconds, gap)  # month by month, whatever n
        names = self.uncertainty.names
        inputs = np.stack([draws[p] for p in names], axis=1) if names else np.zeros((n, 0))
        class_demand = [
            sum(
                (demand.delivered_flops[wi] for wi in c.members[1:]),
                demand.delivered_flops[c.members[0]],
            )
            for c in self.merit.classes
        ]
        class_gap = [u * d for u, d in zip(merit.unmet, class_demand, strict=True)]
        return ChunkOutputs(
            n, quantities, inputs, gap_total, final, needed, class_gap, class_demand
        )

    def gap_tally(self) -> GapTally:
        """An empty tally of this model's (month, class) shortfalls."""
        years = np.array([int(label[:4]) for label in self.timeline.labels], dtype=np.int64)
        return GapTally(years, len(self.merit.classes), GAP_TOLERANCE)
