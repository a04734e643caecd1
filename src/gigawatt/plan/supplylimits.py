r"""Caps on the lab's total supply (``supply_limits``): one row per month and resource.

With :math:`h_o` the H100e of one accelerator of offer :math:`o` (its peak FLOP/s over
the H100 SXM's 9.89e14) and :math:`\omega_o` its facility MW per k-accelerator:

.. math::

    \sum_o h_o\, c_{o,t} \le H_t \qquad \sum_o \omega_o\, c_{o,t} \le P_t

over every offer of every site (installed accelerators :math:`c`, model units: thousands).
The rows are ``supply_limit_h100e`` and ``supply_limit_mw``; their duals are the value
to the lab of one more unit of the cap. A schedule's value holds in the tail months.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from gigawatt.plan.inputs import KACC
from gigawatt.scenario.power import H100_PEAK_FLOPS
from gigawatt.scenario.timeline import Timeline

if TYPE_CHECKING:
    from gigawatt.plan.model import PlanModel

__all__ = ["add_supply_limits"]

O, T = "offer", "month"  # noqa: E741 - the model's index names


def add_supply_limits(pm: PlanModel, coords: dict[str, pd.Index]) -> None:
    """Add the caps of ``scenario.supply_limits`` (none when absent)."""
    m, inp = pm.model, pm.inputs
    limits = inp.scenario.supply_limits
    if limits is None or not inp.refs:
        return
    tl = Timeline(inp.scenario.horizon.start, len(inp.months))
    installed = m.variables["installed"]
    peak = np.array([inp.scenario.accelerators[r.accelerator].peak_flops for r in inp.refs])
    for name, schedule, per_kacc, unit in (
        ("supply_limit_h100e", limits.h100e, peak / H100_PEAK_FLOPS, KACC),
        ("supply_limit_mw", limits.power_mw, inp.mw_per_kacc, 1.0),
    ):
        if schedule is None:
            continue
        cap = xr.DataArray(schedule.values(tl) / unit, coords=[coords[T]])
        weight = xr.DataArray(per_kacc, coords=[coords[O]])
        m.add_constraints((installed * weight).sum(O) <= cap, name=name)
