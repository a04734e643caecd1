"""What a funded plan drew, when, at what cost, and what each financing limit is worth.

Tables (scenario units, the horizon's months):

* ``financing``: instrument, kind (equity, debt, vendor), month, drawn_usd (cash in:
  a round raised, a draw, a supplier's investment), repaid_usd, interest_usd, fees_usd,
  balance_usd (debt outstanding at the month's end), cash_flow_usd (the month's effect on
  cash: drawn - repaid - interest - fees), cost_usd (its cost in the objective, present
  value: interest and fees discounted at the month; a stake's excess value at the horizon
  end, see :mod:`gigawatt.plan.funding`);
* ``financing_limits``: kind (cash_floor, equity_limit, debt_limit, vendor_limit),
  instrument, month, value_usd_per_usd: from the LP duals, what one more dollar of the
  limit is worth to the objective (for the floor: what one more dollar of floor costs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gigawatt.plan.funding import FundingInputs, funding_inputs
from gigawatt.plan.inputs import MUSD
from gigawatt.plan.model import PlanModel

__all__ = ["FINANCING_COLUMNS", "LIMIT_COLUMNS", "FinancingResult", "financing_results"]

FINANCING_COLUMNS = [
    "instrument",
    "kind",
    "month",
    "drawn_usd",
    "repaid_usd",
    "interest_usd",
    "fees_usd",
    "balance_usd",
    "cash_flow_usd",
    "cost_usd",
]
LIMIT_COLUMNS = ["kind", "instrument", "month", "value_usd_per_usd"]


@dataclass(frozen=True)
class FinancingResult:
    """The financing of a funded plan over the horizon."""

    table: pd.DataFrame
    limits: pd.DataFrame
    cash_flow_usd: np.ndarray  # [T] the financing's effect on cash per month
    floor_usd: float  # the cash floor

    def summary(self) -> dict[str, Any]:
        """Figures for the plan summary: needed by year, cost, dilution, debt left."""
        t = self.table
        year = t["month"].str[:4]
        needed = t.groupby(year)["drawn_usd"].sum()
        cost = t.groupby(year)["cost_usd"].sum()
        debt = t[t["kind"] == "debt"]
        last = debt[debt["month"] == debt["month"].max()] if len(debt) else debt
        return {
            "funded": True,
            "cash_floor_usd": self.floor_usd,
            "financing_cost_usd": float(t["cost_usd"].sum()),
            "funding_needed_usd": float(t["drawn_usd"].sum()),
            "funding_needed_by_year": {str(k): float(v) for k, v in needed.items()},
            "financing_cost_by_year": {str(k): float(v) for k, v in cost.items()},
            "debt_outstanding_end_usd": float(last["balance_usd"].sum()) if len(last) else 0.0,
        }


def _rows(
    fi: FundingInputs, primal: dict[str, np.ndarray], months: list[str], d: np.ndarray
) -> pd.DataFrame:
    n = len(months)
    end = len(months) - 1
    frames = []
    zeros = np.zeros(n)

    def frame(name: str, kind: str, **cols: np.ndarray) -> pd.DataFrame:
        data = {c: cols.get(c, zeros) * MUSD for c in FINANCING_COLUMNS[3:]}
        data["cash_flow_usd"] = (
            cols.get("drawn_usd", zeros)
            - cols.get("repaid_usd", zeros)
            - cols.get("interest_usd", zeros)
            - cols.get("fees_usd", zeros)
        ) * MUSD
        return pd.DataFrame({"instrument": name, "kind": kind, "month": months, **data})

    if fi.equity:
        raised = primal["equity_raised"]
        for r, name in enumerate(fi.equity):
            drawn = np.zeros(n)
            cost = np.zeros(n)
            if fi.equity_month[r] <= end:
                drawn[fi.equity_month[r]] = raised[r]
                cost[fi.equity_month[r]] = raised[r] * fi.equity_cost[r]
            frames.append(frame(name, "equity", drawn_usd=drawn, cost_usd=cost))
    if fi.debt:
        draw = primal["debt_draw"][:, :n]
        repay = primal["debt_repay"][:, :n]
        balance = primal["debt_balance"][:, :n]
        for f, name in enumerate(fi.debt):
            before = np.concatenate([[0.0], balance[f, :-1]])
            interest = before * fi.debt_rate_per_month[f]
            fees = draw[f] * fi.debt_fee[f]
            frames.append(
                frame(
                    name,
                    "debt",
                    drawn_usd=draw[f],
                    repaid_usd=repay[f],
                    interest_usd=interest,
                    fees_usd=fees,
                    balance_usd=balance[f],
                    cost_usd=(interest + fees) * d,
                )
            )
    if fi.vendor:
        take = primal["vendor_taken"][:, :n]
        for g, name in enumerate(fi.vendor):
            cost = take[g] * fi.vendor_cost[g, :n]
            frames.append(frame(name, "vendor", drawn_usd=take[g], cost_usd=cost))
    if not frames:
        return pd.DataFrame(columns=FINANCING_COLUMNS)
    return pd.concat(frames, ignore_index=True)[FINANCING_COLUMNS]


#: Limit rows: kind, constraint, its instrument dimension ("" for none), dual sign.
_LIMITS = (
    ("cash_floor", "cash_floor", "", 1.0),
    ("equity_limit", "equity_limit", "equity", -1.0),
    ("debt_limit", "debt_limit", "debt", -1.0),
    ("vendor_limit", "vendor_limit", "vendor", -1.0),
)


def _limits(pm: PlanModel, fi: FundingInputs, months: list[str]) -> pd.DataFrame:
    """Value of one more dollar of each limit (minimisation: a <= row's dual is <= 0)."""
    m = pm.model
    rows: list[pd.DataFrame] = []
    for kind, name, dim, sign in _LIMITS:
        if name not in m.constraints:
            continue
        values = sign * m.constraints[name].dual.to_series().dropna()
        index = values.index
        names = list(index.names)
        instrument = index.get_level_values(dim) if dim else ""
        if "month" in names:
            month: Any = index.get_level_values("month")
        elif dim == "equity":
            month = [
                months[min(int(fi.equity_month[fi.equity.index(r)]), len(months) - 1)]
                for r in index.get_level_values(dim)
            ]
        else:
            month = ""
        rows.append(
            pd.DataFrame(
                {
                    "kind": kind,
                    "instrument": instrument,
                    "month": month,
                    "value_usd_per_usd": values.to_numpy().clip(min=0.0) + 0.0,
                }
            )
        )
    out = pd.concat(rows, ignore_index=True)
    keep = (out["month"] == "") | out["month"].isin(months)
    return out[keep].reset_index(drop=True)[LIMIT_COLUMNS]


def financing_results(
    pm: PlanModel, primal: dict[str, np.ndarray], duals_available: bool
) -> FinancingResult:
    """The financing tables of a solved funded model (the horizon; the tail cut off)."""
    inp = pm.inputs
    fi = funding_inputs(inp)
    months = inp.months[: inp.n_reported]
    table = _rows(fi, primal, months, inp.discount[: inp.n_reported])
    limits = _limits(pm, fi, months) if duals_available else pd.DataFrame(columns=LIMIT_COLUMNS)
    cash = (
        table.groupby("month")["cash_flow_usd"].sum().reindex(months, fill_value=0.0).to_numpy()
        if len(table)
        else np.zeros(len(months))
    )
    return FinancingResult(table, limits, cash, fi.floor_musd * MUSD)
