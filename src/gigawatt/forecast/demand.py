r"""Compute demand per sample and month: FLOP/s, accelerators, MW and TWh.

For workload :math:`w` in month :math:`t` (one row per sample):

* inference: delivered :math:`D_{w,t}` = ``demand_flops``; it needs
  :math:`P_{w,t} = D_{w,t} / u_w` peak FLOP/s at utilization :math:`u_w`;
* training: the run's FLOP :math:`F_w` spread evenly over the seconds
  :math:`S_w = 3600 \sum_{t \in \text{window}} h_t` of its window, so
  :math:`D_{w,t} = F_w / S_w` and :math:`P_{w,t} = F_w / (S_w \cdot \text{mfu}_w)`
  inside the window, 0 outside.

Each workload has a *reference accelerator* :math:`a(w)`: among the accelerators it
may use that some offer of the scenario sells, the one with the highest peak FLOP/s
(ties: fewer watts, then name). Its demand in accelerators is
:math:`P_{w,t} / \text{peak}_{a(w)}` and in facility power
:math:`P_{w,t} / \text{peak}_{a(w)} \cdot W_{a(w)} \cdot \text{PUE}_w / 10^6` MW, where
:math:`\text{PUE}_w` is the mean PUE of the sites offering :math:`a(w)`, weighted by
the accelerator-months each offers over the horizon (1.0 when none does). Energy is
:math:`\text{MW} \cdot h_t / 10^6` TWh. Totals sum over workloads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from gigawatt.forecast.sampling import Parameter
from gigawatt.forecast.values import ChunkValues, SplitSum, maybe_positive, sampled_keys
from gigawatt.scenario.schema import InferenceWorkload, Scenario, TrainingWorkload
from gigawatt.scenario.supply import offer_availability, offers

__all__ = ["Demand", "DemandModel", "WorkloadDemand", "reference_accelerator"]

F64 = NDArray[np.float64]
SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class WorkloadDemand:
    """Static facts of one workload's demand.

    Attributes:
        index: Position in ``scenario.workloads``.
        name: Workload name.
        kind: ``inference`` or ``training``.
        reference: Name of its reference accelerator.
        peak_flops: Peak FLOP/s of the reference accelerator.
        mw_per_peak_flops: Facility MW per peak FLOP/s on it (watts x PUE / 1e6 / peak).
        active: Months where its demand can be non-zero in some sample.
        window_seconds: Seconds of a training window (0 for inference).
    """

    index: int
    name: str
    kind: Literal["inference", "training"]
    reference: str
    peak_flops: float
    mw_per_peak_flops: float
    active: NDArray[np.bool_]
    window_seconds: float


@dataclass
class Demand:
    """Demand of one chunk; arrays are ``[T, n]`` or ``[T, 1]`` (constant over samples).

    Attributes:
        need_peak_flops: Per workload, the peak FLOP/s it needs.
        delivered_flops: Per workload, the FLOP/s it must be delivered.
        flops: Total delivered FLOP/s demanded.
        accelerators: Total reference accelerators needed.
        mw: Total facility MW needed.
    """

    need_peak_flops: list[F64]
    delivered_flops: list[F64]
    flops: F64
    accelerators: F64
    mw: F64


def reference_accelerator(scenario: Scenario, allowed: list[str] | None) -> str:
    """The best accelerator a workload may use among those offered (see module doc)."""
    offered = {o.accelerator for site in scenario.sites.values() for o in site.offers}
    names = list(allowed) if allowed else list(scenario.accelerators)
    names = [a for a in names if a in scenario.accelerators]
    pool = [a for a in names if a in offered] or names or list(scenario.accelerators)
    accs = scenario.accelerators
    return min(pool, key=lambda a: (-accs[a].peak_flops, accs[a].it_power_w, a))


def _reference_pue(scenario: Scenario, accelerator: str) -> float:
    weight = 0.0
    total = 0.0
    pues = []
    for ref in offers(scenario):
        if ref.accelerator != accelerator:
            continue
        pue = scenario.sites[ref.site].pue
        pues.append(pue)
        months = float(offer_availability(scenario, ref).sum())
        weight += months
        total += months * pue
    if weight > 0:
        return total / weight
    return float(np.mean(pues)) if pues else 1.0


class DemandModel:
    """Demand of every workload, vectorised over samples."""

    def __init__(self, scenario: Scenario, parameters: tuple[Parameter, ...]) -> None:
        self.scenario = scenario
        tl = scenario.timeline
        self.hours = tl.hours
        self.workloads: list[WorkloadDemand] = []
        for i, w in enumerate(scenario.workloads):
            ref = reference_accelerator(scenario, w.accelerators)
            acc = scenario.accelerators[ref]
            mw = acc.it_power_w * _reference_pue(scenario, ref) / 1e6 / acc.peak_flops
            if isinstance(w, InferenceWorkload):
                keys = sampled_keys(parameters, ("workloads", i, "demand_flops"))
                active = maybe_positive(w.demand_flops, tl, keys)
                seconds = 0.0
            else:
                active = tl.mask(w.window[0], w.window[1])
                seconds = float((tl.hours * active).sum() * SECONDS_PER_HOUR)
            self.workloads.append(
                WorkloadDemand(i, w.name, w.kind, ref, acc.peak_flops, mw, active, seconds)
            )

    def evaluate(self, values: ChunkValues) -> Demand:
        """Demand of the chunk whose sampled numbers are ``values``."""
        need: list[F64] = []
        delivered: list[F64] = []
        t = self.scenario.timeline.n_months
        flops, accelerators, mw = SplitSum(t), SplitSum(t), SplitSum(t)
        for info in self.workloads:
            w = self.scenario.workloads[info.index]
            path = ("workloads", info.index)
            if isinstance(w, InferenceWorkload):
                d = values.schedule((*path, "demand_flops"), w.demand_flops)
                p = d / values.scalar((*path, "utilization"), w.utilization)
            elif isinstance(w, TrainingWorkload):
                rate = values.scalar_row((*path, "flop"), w.flop) / info.window_seconds
                mask = info.active[:, None]
                d = rate * mask
                p = (rate / values.scalar((*path, "mfu"), w.mfu)) * mask
            else:  # pragma: no cover - the schema admits only two kinds
                raise TypeError(type(w))
            need.append(p)
            delivered.append(d)
            flops.add(d)
            accelerators.add(p / info.peak_flops)
            mw.add(p * info.mw_per_peak_flops)
        return Demand(need, delivered, flops.total(), accelerators.total(), mw.total())
