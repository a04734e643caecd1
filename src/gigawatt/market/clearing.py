r"""Clear a market over its years: contracts first, then price or pro rata (linopy + HiGHS).

The mathematics. Buyers :math:`l`, families :math:`f`, regions :math:`r`, years
:math:`y` (deliveries in year :math:`\tau`), lifetime :math:`L`.

Variables: :math:`x_{f\tau} \ge 0` million accelerators of family :math:`f` delivered
to the world in :math:`\tau`;
:math:`p_{lry} \ge 0` facility GW of region :math:`r` used by :math:`l` in :math:`y`
(only where :math:`l` may use :math:`r`); :math:`0 \le s_{ly} \le D_{ly}` million H100e
served; :math:`o_{lfy} \ge 0` million accelerators of family :math:`f` running for
:math:`l` in :math:`y` (only where :math:`l` may buy :math:`f`), out of the world's
installed stock :math:`n_{fy} = \sum_{y-L < \tau \le y} x_{f\tau}` (an accelerator serves
:math:`L` years, its delivery year included; one without power or buyer stands idle).
The market is a rental market year by year: whoever clears a year gets that year's
use of the installed fleet (clouds rent capacity out; a chip is not tied to its first
buyer for life).

Supply (every year):

.. math::

    x_{fy} &\le S_{fy}                                &\text{(chips shipped)}\\
    \sum_f w_f\, x_{fy} &\le W_y                      &\text{(CoWoS wafers)}\\
    \sum_f m_f\, x_{fy} &\le M_y                      &\text{(HBM)}\\
    \sum_l o_{lfy} &\le n_{fy}                        &\text{(the installed fleet)}\\
    \sum_l p_{lry} &\le P_{ry}                         &\text{(energisable power)}\\
    \sum_f k_f\, o_{lfy} &\le \sum_r p_{lry}           &\text{(power for what runs)}\\
    s_{ly} &\le \sum_f h_f\, o_{lfy}                    &\text{(service from what runs)}

with :math:`k_f` facility kW (it_kw x pue) and :math:`h_f` H100e per accelerator.

Clearing is lexicographic: each stage optimises one objective, and its optimum is then
held (each fraction and each buyer's service to 1e-6; the surplus to a relative 1e-6)
while the next stage optimises the next one.

1. **Contracts** (when any): with :math:`C_{lfy}` the contracted facility GW,
   :math:`k_f o_{lfy} \ge \phi_y C_{lfy}`, :math:`0 \le \phi_y \le 1`; maximise
   :math:`\sum_y \phi_y`. Contracts are served before anything else; when supply cannot
   meet them all, every contract gets the same fraction :math:`\phi_y`.
2. **Price** (``rule: price``): maximise the surplus
   :math:`\Omega = \sum_{l,y} v_{ly} s_{ly} - \sum_{l,r,y} \pi_r p_{lry}` with bids
   :math:`v_{ly}` (USD per H100e-year; the lab's may come from its plan,
   :mod:`gigawatt.market.labbid`) and power at :math:`\pi_r` per GW-year. Supply
   curves: chips, packaging and memory are vertical at the quantity shipped (what was
   made is sold; its cost is sunk at the margin, and the price paid for it is a transfer
   between buyer and seller); power is flat at :math:`\pi_r` up to the energisable GW,
   then vertical. By the welfare theorems this is the competitive equilibrium: a buyer
   is served when its bid beats the clearing price, and the duals of the supply rows are
   the scarcity rents (the price above cost that clears each resource; for a chip, its
   market price over its life).
3. **Pro rata**: :math:`s_{ly} \ge \alpha_y D_{ly}`; maximise :math:`\sum_y \alpha_y`:
   every buyer gets the same fraction of its demand (after contracts and, under
   ``price``, among equal bids), by progressive filling: buyers whose row binds (a
   non-zero dual) are held at that fraction and the others filled further, so that a
   buyer held back by its own limits (export controls, regions) does not cap the rest
   (max-min fairness).
4. **Leftovers**: maximise :math:`\sum s_{ly}` (supply a buyer can use is not left idle).
5. **Least resources**: minimise :math:`\sum_{f,y} (c_f / L)\, n_{fy} + \sum_{l,r,y}
   \pi_r p_{lry}` (chip prices :math:`c_f` straight-line over the lifetime, as the
   planner charges capex), so that no chip is delivered and no GW used that serves
   nothing.

Price pressure is read from stage 2 under every rule (under ``pro_rata`` it is solved
on its own after stage 1, for its duals only): what an auction would clear at.

Assumptions: buyers are price-takers with a flat bid up to their trend demand (no
demand curve below it); supply is flat at cost up to the quantity, then vertical (an
L-shaped supply curve); chips are not resold or moved between buyers; a chip shipped is
installed the year it ships (it may stand idle without power), never stored for later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from gigawatt.errors import SolverError
from gigawatt.market.inputs import MarketInputs
from gigawatt.plan.solve import _quiet_stdout

__all__ = ["Clearing", "clear"]

_TOL = 1e-6
_SOLVER_OPTIONS: dict[str, Any] = {"output_flag": False, "log_to_console": False}


@dataclass(frozen=True)
class Clearing:
    """What the market cleared to (model units: millions, GW, $B).

    Attributes:
        deliveries_m: (family, year) million accelerators delivered to the world.
        stock_m: (family, year) million accelerators installed (in service).
        on_m: (lab, family, year) million accelerators running for each buyer (the rest of
            the stock stands idle).
        power_gw: (lab, region, year) facility GW used.
        served_m: (lab, year) million H100e served.
        contract_fill: (year,) fraction of contracted GW met (1 when none).
        rents: long table of resource, key, year, rent in model units per unit of the row
            (chips $B per million, cowos $B per thousand wafers, hbm $B per PB,
            power $B per GW) from the surplus stage.
    """

    deliveries_m: np.ndarray
    stock_m: np.ndarray
    on_m: np.ndarray
    power_gw: np.ndarray
    served_m: np.ndarray
    contract_fill: np.ndarray
    rents: pd.DataFrame


class _Model:
    """The clearing model of one market, solved stage by stage."""

    def __init__(self, inp: MarketInputs) -> None:
        import linopy

        self.inp = inp
        m = linopy.Model()
        labs, fams, regs = inp.labs, inp.families, inp.regions
        years = inp.years
        lab_c = pd.Index(labs, name="lab")
        fam_c = pd.Index(fams, name="family")
        reg_c = pd.Index(regs, name="region")
        tau_c, year_c = pd.Index(years, name="tau"), pd.Index(years, name="year")
        fam_upper = np.where(inp.allowed_family[:, :, None], np.inf, 0.0) * np.ones(len(years))
        reg_upper = np.where(inp.allowed_region[:, :, None], np.inf, 0.0) * np.ones(len(years))
        self.x = m.add_variables(lower=0, coords=[fam_c, tau_c], name="x")
        self.p = m.add_variables(
            lower=0, upper=xr.DataArray(reg_upper, coords=[lab_c, reg_c, year_c]), name="p"
        )
        self.on = m.add_variables(
            lower=0, upper=xr.DataArray(fam_upper, coords=[lab_c, fam_c, year_c]), name="on"
        )
        demand = xr.DataArray(inp.demand_m, coords=[lab_c, year_c])
        self.s = m.add_variables(lower=0, upper=demand, name="s")
        window = xr.DataArray(inp.window, coords=[year_c, tau_c])
        self.stock = (self.x * window).sum("tau")  # (family, year)
        f_da = {
            "h100e": xr.DataArray(inp.h100e, coords=[fam_c]),
            "kw": xr.DataArray(inp.facility_kw, coords=[fam_c]),
        }
        m.add_constraints(
            self.x <= xr.DataArray(inp.shipments_m, coords=[fam_c, tau_c]), name="chips"
        )
        if inp.cowos_kwafers is not None:
            w = xr.DataArray(inp.cowos_kwafers_per_m, coords=[fam_c])
            m.add_constraints(
                (self.x * w).sum("family") <= xr.DataArray(inp.cowos_kwafers, coords=[tau_c]),
                name="cowos",
            )
        if inp.hbm_pb is not None:
            hb = xr.DataArray(inp.hbm_pb_per_m, coords=[fam_c])
            m.add_constraints(
                (self.x * hb).sum("family") <= xr.DataArray(inp.hbm_pb, coords=[tau_c]),
                name="hbm",
            )
        m.add_constraints(
            self.p.sum("lab") <= xr.DataArray(inp.power_gw, coords=[reg_c, year_c]), name="power"
        )
        m.add_constraints(self.on.sum("lab") - self.stock <= 0, name="installed")
        m.add_constraints(
            (self.on * f_da["kw"]).sum("family") - self.p.sum("region") <= 0, name="powered"
        )
        m.add_constraints(self.s - (self.on * f_da["h100e"]).sum("family") <= 0, name="service")
        capex = xr.DataArray(inp.capex_busd_per_m_year, coords=[fam_c])
        power_cost = xr.DataArray(inp.power_busd_per_gw, coords=[reg_c])
        power_spend = (self.p * power_cost).sum()
        self.cost = (self.stock * capex).sum() + power_spend
        bid = xr.DataArray(inp.bid_busd_per_m, coords=[lab_c, year_c])
        self.surplus = (self.s * bid).sum() - power_spend
        self.m = m
        self.f_da = f_da
        self.coords: dict[str, pd.Index] = {
            "lab": lab_c,
            "family": fam_c,
            "region": reg_c,
            "year": year_c,
        }

    def solve(self, objective: Any, sense: str, stage: str) -> float:
        self.m.add_objective(objective, overwrite=True, sense=sense)
        with _quiet_stdout(), np.errstate(all="ignore"):
            status, condition = self.m.solve(
                solver_name="highs", io_api="direct", **_SOLVER_OPTIONS
            )
        if status != "ok":
            raise SolverError(
                f"the market's {stage} stage did not solve ({condition}); check that supply and "
                "demand figures are finite and of sensible size"
            )
        value = self.m.objective.value
        return float(value) if value is not None else float("nan")

    def hold(self, expr: Any, value: float, sense: str, name: str) -> None:
        slack = _TOL * abs(value) + 1e-12
        if sense == "max":
            self.m.add_constraints(expr >= value - slack, name=name)
        else:
            self.m.add_constraints(expr <= value + slack, name=name)

    def contracts(self) -> np.ndarray:
        inp = self.inp
        years = len(inp.years)
        if not inp.contract_gw.any():
            return np.ones(years)
        c = self.coords
        phi = self.m.add_variables(lower=0, upper=1, coords=[c["year"]], name="phi")
        contracted = xr.DataArray(inp.contract_gw, coords=[c["lab"], c["family"], c["year"]])
        has = contracted > 0
        self.m.add_constraints(
            self.on * self.f_da["kw"] - phi * contracted >= 0, name="contract", mask=has
        )
        self.solve(phi.sum(), "max", "contract")
        fill = phi.solution.to_numpy()
        self.m.add_constraints(phi >= fill - _TOL, name="hold_contract")
        any_year = contracted.sum(["lab", "family"]).to_numpy() > 0
        return np.where(any_year, fill, 1.0)

    def pro_rata(self) -> None:
        """Max-min fair shares by progressive filling (stage 3 of the module docstring).

        Each round maximises the common fraction of the buyers still active; buyers
        whose pro-rata row has a non-zero dual are the bottleneck (no more for them
        without less for another) and are held at that fraction; the rest go on to the
        next round. A buyer that its own limits hold back (regions, families) so stops
        without capping everyone else.
        """
        c = self.coords
        demand = xr.DataArray(self.inp.demand_m, coords=[c["lab"], c["year"]])
        active = demand > 0
        for k in range(len(self.inp.labs) + 1):
            if not bool(active.any()):
                return
            alpha = self.m.add_variables(lower=0, upper=1, coords=[c["year"]], name=f"alpha{k}")
            row = self.m.add_constraints(
                self.s - alpha * demand >= 0, name=f"pro_rata{k}", mask=active
            )
            self.solve(alpha.sum(), "max", "pro rata")
            share = alpha.solution.fillna(0.0)
            dual = row.dual.fillna(0.0)
            self.m.add_constraints(
                self.s >= share * demand - _TOL, name=f"hold_pro_rata{k}", mask=active
            )
            saturated = active & (abs(dual) > 1e-9)
            if not bool(saturated.any()):
                return
            active = active & ~saturated & (share < 1 - _TOL)

    def rents(self) -> pd.DataFrame:
        rows = []
        for name, dims in (
            ("chips", ("family", "tau")),
            ("cowos", ("tau",)),
            ("hbm", ("tau",)),
            ("power", ("region", "year")),
        ):
            if name not in self.m.constraints:
                continue
            dual = self.m.constraints[name].dual
            frame = dual.to_series().rename("rent").reset_index()
            frame["rent"] = frame["rent"].abs().where(frame["rent"].abs() > 1e-9, 0.0)
            year_col = "tau" if "tau" in dims else "year"
            key_col = dims[0] if len(dims) == 2 else None
            rows.append(
                pd.DataFrame(
                    {
                        "resource": name,
                        "key": frame[key_col].astype(str) if key_col else name,
                        "year": frame[year_col].astype(int),
                        "rent": frame["rent"].astype(float),
                    }
                )
            )
        return pd.concat(rows, ignore_index=True)


def clear(inp: MarketInputs, rule: str) -> Clearing:
    """Clear a market by the stages of this module's docstring.

    Args:
        inp: The market's arrays (:func:`gigawatt.market.inputs.market_inputs`).
        rule: ``pro_rata`` or ``price``.

    Raises:
        SolverError: a stage did not solve to optimality.
    """
    model = _Model(inp)
    fill = model.contracts()
    if rule == "price":
        best = model.solve(model.surplus, "max", "surplus")
        rents = model.rents()
        model.hold(model.surplus, best, "max", "hold_surplus")
    else:
        prices = _Model(inp)
        prices.contracts()
        prices.solve(prices.surplus, "max", "surplus")
        rents = prices.rents()
    model.pro_rata()
    model.solve(model.s.sum(), "max", "leftover")
    model.m.add_constraints(model.s >= model.s.solution - _TOL, name="hold_served")
    model.solve(model.cost, "min", "least resources")
    x = model.x.solution.fillna(0.0).to_numpy()
    return Clearing(
        deliveries_m=x,
        stock_m=np.einsum("yt,ft->fy", inp.window, x),
        on_m=model.on.solution.fillna(0.0).to_numpy(),
        power_gw=model.p.solution.fillna(0.0).to_numpy(),
        served_m=model.s.solution.fillna(0.0).to_numpy(),
        contract_fill=fill,
        rents=rents,
    )
