r"""Magnitudes the solver can handle: every number of the model, traced to its scenario key.

The planning model holds scenario numbers in internal units (thousands of
accelerators, EFLOP/s, 1e24 FLOP, $M, MW; see :mod:`gigawatt.plan.inputs`), chosen so
that a realistic scenario's coefficients lie near 1. HiGHS works in double precision
with absolute feasibility and optimality tolerances of :math:`10^{-7}`:

* a number :math:`|v| > 10^9` carries a rounding error
  :math:`|v| \cdot 2.2 \times 10^{-16} > 10^{-7}`, larger than the tolerance, so
  constraints involving it are met only approximately, and values of very different
  sizes in one model make the solver stall or stop with an unknown status;
* a nonzero :math:`|v| < 10^{-6}` is within ten times the tolerance of zero, so the
  solver may treat it as zero;
* from :math:`10^{15}` on, HiGHS refuses matrix entries (``large_matrix_value``), and
  from :math:`10^{20}` it reads bounds and costs as infinite (``infinite_bound``):
  the planner refuses such a scenario before solving.

So :data:`WELL_CONDITIONED` is :math:`[10^{-6}, 10^9]` in model units; ``validate``
warns about every key whose numbers leave it and :data:`REFUSED_FROM` marks those the
planner refuses. In scenario units the range is, for example, demand
1e12..1e27 FLOP/s, availability 0.001..1e12 accelerators, training runs
1e18..1e33 FLOP, money $1..$1e15 per month.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from gigawatt.plan.inputs import PlanInputs
from gigawatt.scenario.schema import BuildOffer, InferenceWorkload
from gigawatt.scenario.yamlmarks import PathItem, format_path

__all__ = [
    "REFUSED_FROM",
    "WELL_CONDITIONED",
    "Magnitude",
    "describe",
    "magnitudes",
]

#: Model-unit magnitudes HiGHS keeps well-conditioned (see the module docstring).
WELL_CONDITIONED = (1e-6, 1e9)
#: From this magnitude on (model units), the planner refuses the scenario.
REFUSED_FROM = 1e15


@dataclass(frozen=True)
class Magnitude:
    """A number of the model outside the well-conditioned range, or not finite.

    Attributes:
        path: Key path of the scenario value it comes from.
        what: What the number is, in scenario words ("demand of workload api").
        month: First month where it is out of range ("" when it does not vary by month).
        value: The number in model units (``inf`` or ``nan`` when it overflowed).
        unit: The model unit ("EFLOP/s").
    """

    path: tuple[PathItem, ...]
    what: str
    month: str
    value: float
    unit: str

    @property
    def finite(self) -> bool:
        """Whether the number is finite."""
        return math.isfinite(self.value)

    @property
    def refused(self) -> bool:
        """Whether the planner refuses it (not finite, or at least REFUSED_FROM)."""
        return not self.finite or abs(self.value) >= REFUSED_FROM

    @property
    def too_small(self) -> bool:
        """Whether it is below the range (rather than above it)."""
        return self.finite and abs(self.value) < WELL_CONDITIONED[0]


def describe(m: Magnitude) -> str:
    """One sentence in scenario terms: "demand of workload api in 2030-12 is 1e+22 EFLOP/s"."""
    when = f" in {m.month}" if m.month else ""
    if not m.finite:
        return f"{m.what}{when} overflows to {m.value} (from {format_path(m.path)})"
    low, high = WELL_CONDITIONED
    side = f"below {low:g}" if m.too_small else f"above {high:g}"
    return f"{m.what}{when} is {m.value:.3g} {m.unit}, {side} in the planner's units"


def magnitudes(inputs: PlanInputs) -> list[Magnitude]:
    """Every scenario key whose model numbers leave the well-conditioned range.

    One finding per key and quantity: the first month with a non-finite number, else
    the most extreme number (largest above the range, smallest below it).
    """
    out: list[Magnitude] = []
    seen: set[tuple[tuple[PathItem, ...], str]] = set()
    for m in _all(inputs):
        if m is not None and (m.path, m.what) not in seen:
            seen.add((m.path, m.what))
            out.append(m)
    return out


def _all(inputs: PlanInputs) -> Iterator[Magnitude | None]:
    s = inputs.scenario
    months = inputs.months
    for wi, w in enumerate(s.workloads):
        base: tuple[PathItem, ...] = ("workloads", wi)
        if isinstance(w, InferenceWorkload):
            yield _scan(
                (*base, "demand_flops"),
                f"demand of workload {w.name}",
                inputs.demand_eflops[wi],
                "EFLOP/s",
                months,
            )
            if w.revenue_usd_per_month is not None:
                yield _scan(
                    (*base, "revenue_usd_per_month"),
                    f"revenue of workload {w.name}",
                    inputs.revenue_musd[wi],
                    "$M/month",
                    months,
                )
                yield _scan(
                    (*base, "revenue_usd_per_month"),
                    f"revenue lost per EFLOP/s short of workload {w.name} (revenue / demand)",
                    inputs.unserved_musd_per_eflops[wi],
                    "$M per EFLOP/s-month",
                    months,
                )
        else:
            yield _scan(
                (*base, "flop"),
                f"FLOP of training run {w.name}",
                inputs.train_yflop[wi : wi + 1],
                "x 1e24 FLOP",
                None,
            )
    for oi, ref in enumerate(inputs.refs):
        offer = s.sites[ref.site].offers[ref.index]
        base = ("sites", ref.site, "offers", ref.index)
        name = f"offer sites.{ref.site}.offers[{ref.index}] ({ref.accelerator} {ref.pricing})"
        yield _scan(
            (*base, "available"),
            f"availability of {name}",
            inputs.avail_kacc[oi],
            "thousand accelerators",
            months,
        )
        price_key = "capex_usd" if isinstance(offer, BuildOffer) else "usd_per_hour"
        yield _scan(
            (*base, price_key),
            f"monthly cost of a thousand accelerators of {name}",
            inputs.cost_musd_per_kacc[oi],
            "$M",
            months,
        )
        yield _scan(
            ("sites", ref.site, "electricity_usd_per_mwh"),
            f"monthly electricity of a thousand accelerators of {name}",
            inputs.elec_musd_per_kacc[oi],
            "$M",
            months,
        )
        acc = ("accelerators", ref.accelerator)
        yield _scan(
            (*acc, "facility_watts"),
            f"power of a thousand {ref.accelerator} at site {ref.site}",
            inputs.mw_per_kacc[oi : oi + 1],
            "MW",
            None,
        )
        for wi in range(len(s.workloads)):
            if inputs.allowed[wi, oi].any():
                yield _delivery(inputs, ref.accelerator, wi, oi)
    for si, site in enumerate(inputs.sites):
        cap = inputs.power_cap_mw[si]
        if s.sites[site].power_mw is not None:
            yield _scan(("sites", site, "power_mw"), f"power cap of site {site}", cap, "MW", months)
    penalty: tuple[PathItem, ...] = ("penalties", "shortfall_usd_per_flop")
    for wi, w in enumerate(s.workloads):
        own = w.shortfall_usd_per_flop is not None
        path = ("workloads", wi, "shortfall_usd_per_flop") if own else penalty
        whose = f"of {w.name} " if own else ""  # the shared penalty: one finding
        if isinstance(w, InferenceWorkload):
            if w.revenue_usd_per_month is None:
                yield _scan(
                    path,
                    f"penalty per EFLOP/s-month of inference {whose}not served",
                    inputs.unserved_musd_per_eflops[wi],
                    "$M",
                    months,
                )
        else:
            yield _scan(
                path,
                f"penalty per 1e24 FLOP of training {whose}not delivered",
                inputs.penalty_musd_per_yflop[wi : wi + 1],
                "$M",
                None,
            )
    contracts = [c.name for c in s.contracts]
    for term in inputs.min_spend:
        ci = contracts.index(term.ref.contract)
        yield _scan(
            ("contracts", ci, "clauses", term.ref.index, "usd"),
            f"min_spend of contract {term.ref.contract}",
            np.array([term.amount_musd]),
            "$M",
            None,
        )


def _delivery(inputs: PlanInputs, accelerator: str, wi: int, oi: int) -> Magnitude | None:
    """What a thousand accelerators of offer ``oi`` deliver to workload ``wi``, traced.

    Inference: EFLOP/s (peak_flops x utilization); training: 1e24 FLOP in each month
    (peak_flops x mfu x the month's seconds). Both come from ``peak_flops``.
    """
    w = inputs.scenario.workloads[wi]
    path: tuple[PathItem, ...] = ("accelerators", accelerator, "peak_flops")
    if isinstance(w, InferenceWorkload):
        what = f"EFLOP/s a thousand {accelerator} serve to {w.name} (peak_flops x utilization)"
        return _scan(path, what, inputs.eflops_per_kacc[wi, oi : oi + 1], "EFLOP/s", None)
    what = f"FLOP a thousand {accelerator} deliver to {w.name} in a month (peak_flops x mfu)"
    values = inputs.yflop_per_kacc_month[wi, oi]
    return _scan(path, what, values, "x 1e24 FLOP", inputs.months)


def _scan(
    path: tuple[PathItem, ...],
    what: str,
    values: npt.NDArray[np.float64],
    unit: str,
    months: list[str] | None,
) -> Magnitude | None:
    """The finding of one quantity over its months, if any."""
    flat = np.asarray(values, dtype=float)
    flat = flat.reshape(-1) if months is None else flat
    bad = ~np.isfinite(flat)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        return Magnitude(path, what, months[i] if months else "", float(flat[i]), unit)
    size = np.abs(flat)
    low, high = WELL_CONDITIONED
    if (size > high).any():
        i = int(np.argmax(size))
    else:
        small = np.where((size > 0) & (size < low), size, np.inf)
        if not np.isfinite(small).any():
            return None
        i = int(np.argmin(small))
    return Magnitude(path, what, months[i] if months else "", float(flat[i]), unit)
