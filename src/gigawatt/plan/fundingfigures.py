"""Funding figures of a plan by year, on the cash basis, and the reported anchors.

One definition each, from the plan's ``finance`` and ``financing`` tables (so a plan read
back from Parquet gives the same numbers); the report's funding chart reads them here.

* *sources*: revenue net of revenue share (``revenue_net_usd``), funding events
  (``funding_events_usd``), and what the plan drew: ``equity_usd``, ``debt_drawn_usd``,
  ``vendor_usd``;
* *uses*: compute as paid (``compute_paid_usd``), take-or-pay (``take_or_pay_usd``),
  other opex (``other_opex_usd``), ``debt_repaid_usd``, ``interest_fees_usd``;
* ``burn_usd``: the plan figures' ``cash_burn_usd``
  (:func:`gigawatt.plan.figures.cash_burn_by_year`), cash out less cash in before any
  funding or financing (negative when cash-flow positive);
* ``cash_end_usd`` and ``min_cash_usd``: cash (the finance table's ``cash_usd``, the
  cash basis) at the year's last month end and its lowest month end.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gigawatt.plan.figures import cash_burn_by_year

__all__ = ["ANCHORS", "FUNDING_COLUMNS", "Anchor", "anchors", "funding_by_year"]

FUNDING_COLUMNS = (
    "year",
    "revenue_net_usd",
    "funding_events_usd",
    "equity_usd",
    "debt_drawn_usd",
    "vendor_usd",
    "compute_paid_usd",
    "take_or_pay_usd",
    "other_opex_usd",
    "debt_repaid_usd",
    "interest_fees_usd",
    "burn_usd",
    "cash_end_usd",
    "min_cash_usd",
)


@dataclass(frozen=True)
class Anchor:
    """A reported figure to set beside the plan's (facts.md)."""

    figure: str
    reported_usd: float
    first_year: str
    last_year: str
    source: str
    column: str  # the funding_by_year column summed over the years to compare


#: The fact sheet's anchors (facts.md C).
ANCHORS = (
    Anchor(
        "cumulative cash burn",
        115e9,
        "2025",
        "2029",
        "The Information, 2025-09 projection: $115B through 2029 (facts.md C, R)",
        "burn_usd",
    ),
    Anchor(
        "compute spend",
        600e9,
        "2025",
        "2030",
        "~$600B of compute spend through 2030, 2026-02-20 (facts.md B.3, R)",
        "compute_paid_usd",
    ),
)


def _year(frame: pd.DataFrame) -> pd.Series:
    return frame["month"].astype(str).str[:4]


def funding_by_year(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Sources, uses and cash per year (see the module docstring); empty without finance."""
    fin = tables.get("finance")
    if fin is None or fin.empty:
        return pd.DataFrame(columns=list(FUNDING_COLUMNS))
    year = _year(fin)
    g = fin.assign(year=year).groupby("year")
    out = pd.DataFrame(
        {
            "revenue_net_usd": g["revenue_usd"].sum() - g["revenue_share_usd"].sum(),
            "funding_events_usd": g["funding_usd"].sum(),
            "compute_paid_usd": g["compute_paid_usd"].sum(),
            "take_or_pay_usd": g["min_spend_shortfall_usd"].sum(),
            "other_opex_usd": g["other_opex_usd"].sum(),
            "cash_end_usd": g["cash_usd"].last(),
            "min_cash_usd": g["cash_usd"].min(),
        }
    )
    financing = tables.get("financing")
    zero = pd.Series(0.0, index=out.index)
    if financing is not None and len(financing):
        f = financing.assign(year=_year(financing))
        for kind, column in (("equity", "equity_usd"), ("debt", "debt_drawn_usd")):
            mine = f[f["kind"] == kind].groupby("year")["drawn_usd"].sum()
            out[column] = mine.reindex(out.index, fill_value=0.0)
        out["vendor_usd"] = (
            f[f["kind"] == "vendor"].groupby("year")["drawn_usd"].sum().reindex(out.index)
        ).fillna(0.0)
        by_year = f.groupby("year")
        out["debt_repaid_usd"] = by_year["repaid_usd"].sum().reindex(out.index, fill_value=0.0)
        fees = by_year["interest_usd"].sum() + by_year["fees_usd"].sum()
        out["interest_fees_usd"] = fees.reindex(out.index, fill_value=0.0)
    else:
        for column in (
            "equity_usd",
            "debt_drawn_usd",
            "vendor_usd",
            "debt_repaid_usd",
            "interest_fees_usd",
        ):
            out[column] = zero
    out["burn_usd"] = cash_burn_by_year(fin)
    return out.rename_axis("year").reset_index()[list(FUNDING_COLUMNS)]


def anchors(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The reported anchors beside the plan's figure over the same years.

    Columns: figure, first_year, last_year, reported_usd, plan_usd (NaN when the horizon
    does not cover those years), source.
    """
    year = funding_by_year(tables)
    rows = []
    for a in ANCHORS:
        years = {str(y) for y in year["year"]}
        wanted = {str(y) for y in range(int(a.first_year), int(a.last_year) + 1)}
        mine = year[year["year"].isin(wanted)]
        plan_usd = float(mine[a.column].sum()) if wanted <= years else np.nan
        rows.append(
            {
                "figure": a.figure,
                "first_year": a.first_year,
                "last_year": a.last_year,
                "reported_usd": a.reported_usd,
                "plan_usd": plan_usd,
                "source": a.source,
            }
        )
    return pd.DataFrame(rows)
