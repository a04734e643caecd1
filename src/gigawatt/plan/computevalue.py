r"""The shadow prices of compute and power: what one more H100e or MW is worth to the lab.

From the LP duals of a solved plan (a MILP's duals come from the LP with its binaries
fixed at the optimum, :mod:`gigawatt.plan.solve`). The ``compute_value`` table has one row
per row of the model that prices a unit, and month:

* ``inference`` (``name`` the workload, ``unit`` H100e): its demand row
  :math:`\sum_o \phi_{w,o} x_{w,o,t} + u_{w,t} \ge D_{w,t}` has dual
  :math:`\mu_{w,t} \ge 0` ($M per EFLOP/s-month, present value): the cost of serving one
  more EFLOP/s that month (its marginal offer) or, when it is short, its lost revenue.
  One H100e (an H100 SXM, :data:`gigawatt.scenario.power.H100_PEAK_FLOPS`) delivers
  :math:`9.89\text{e}14 \times \text{utilization}_w` FLOP/s to it;
* ``training`` (``name`` the run, ``unit`` H100e): its row
  :math:`\sum \gamma x + v_w \ge F_w` has dual :math:`g_w` ($M per 1e24 FLOP, present
  value); one H100e-month in month :math:`t` of its window delivers
  :math:`9.89\text{e}14 \times \text{mfu}_w \times` the month's seconds;
* ``power`` (``name`` the site, ``unit`` MW): the dual of its power cap ($M per
  MW-month, present value, sign turned so that it is :math:`\ge 0`).

``usd_per_unit_month`` is the dual times that delivery (or MW), in USD **of that month**
(divided by the month's discount factor :math:`\delta_t`): the value to the lab of one
more H100e running for that workload, or one more MW at that site, in month :math:`t`,
the price at which it is indifferent between that unit and what it does now (buy the
marginal offer, or go short).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gigawatt.plan.inputs import EFLOPS, MUSD, YFLOP
from gigawatt.scenario.power import H100_PEAK_FLOPS, delivered_flops
from gigawatt.scenario.schema import InferenceWorkload, TrainingWorkload

if TYPE_CHECKING:
    from gigawatt.plan.model import PlanModel

__all__ = ["COMPUTE_VALUE_COLUMNS", "compute_value"]

COMPUTE_VALUE_COLUMNS = ["kind", "name", "month", "unit", "usd_per_unit_month"]


def _inference(pm: PlanModel) -> list[dict[str, Any]]:
    m, inp = pm.model, pm.inputs
    if "demand" not in m.constraints:
        return []
    dual = m.constraints["demand"].dual.to_series().dropna()
    found = {w.name: w for w in inp.scenario.workloads if isinstance(w, InferenceWorkload)}
    rows = []
    for (name, month), value in dual.items():
        t = inp.months.index(str(month))
        flops = delivered_flops(H100_PEAK_FLOPS, found[str(name)].utilization)
        usd = max(float(value), 0.0) * flops / EFLOPS * MUSD / inp.discount[t]
        rows.append({"kind": "inference", "name": str(name), "month": str(month), "unit": "H100e",
                     "usd_per_unit_month": usd})  # fmt: skip
    return rows


def _training(pm: PlanModel) -> list[dict[str, Any]]:
    m, inp = pm.model, pm.inputs
    if "training" not in m.constraints:
        return []
    tl = inp.scenario.timeline
    seconds = inp.hours * 3600.0
    dual = m.constraints["training"].dual.to_series().dropna()
    found = {w.name: w for w in inp.scenario.workloads if isinstance(w, TrainingWorkload)}
    rows = []
    for name, value in dual.items():
        w = found[str(name)]
        first = max(tl.index(w.window[0]), 0)
        last = min(tl.index(w.window[1]), len(inp.months) - 1)
        for t in range(first, last + 1):
            flop = delivered_flops(H100_PEAK_FLOPS, w.mfu) * seconds[t]
            usd = max(float(value), 0.0) * flop / YFLOP * MUSD / inp.discount[t]
            rows.append({"kind": "training", "name": str(name), "month": inp.months[t],
                         "unit": "H100e", "usd_per_unit_month": usd})  # fmt: skip
    return rows


def _power(pm: PlanModel) -> list[dict[str, Any]]:
    m, inp = pm.model, pm.inputs
    if "power" not in m.constraints:
        return []
    dual = m.constraints["power"].dual.to_series().dropna()
    rows = []
    for (site, month), value in dual.items():
        t = inp.months.index(str(month))
        usd = max(-float(value), 0.0) * MUSD / inp.discount[t]
        rows.append({"kind": "power", "name": str(site), "month": str(month), "unit": "MW",
                     "usd_per_unit_month": usd})  # fmt: skip
    return rows


def compute_value(pm: PlanModel) -> pd.DataFrame:
    """The ``compute_value`` table of a plan whose duals were computed (module docstring)."""
    rows = _inference(pm) + _training(pm) + _power(pm)
    frame = pd.DataFrame(rows, columns=COMPUTE_VALUE_COLUMNS)
    frame["usd_per_unit_month"] = frame["usd_per_unit_month"].astype(np.float64)
    return frame
