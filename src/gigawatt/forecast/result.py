"""The :class:`Forecast`: quantile bands, probabilities and sensitivities of a Monte Carlo run.

Tables (pandas DataFrames):

* ``bands``: quantity, unit, month, mean, p5, p25, p50, p75, p95 — one row per
  quantity and month (see :data:`QUANTITIES`);
* ``probabilities``: month, p_demand_exceeds_supply (in that month),
  p_demand_exceeds_supply_by_month (in that month or before), p_cash_negative,
  p_cash_negative_by_month;
* ``sensitivity``: parameter, output (``cash_final_usd`` or ``gap_total_flop``),
  spearman, rank (1 = moves that output most).

``summary`` holds the run's settings, the sampled parameters, the funding needed to
keep cash at or above zero (p50, p90), headline probabilities and the sensitivity
ranking. :meth:`Forecast.save` writes Parquet tables plus ``summary.json``;
:meth:`Forecast.load` reads them back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from gigawatt.resultio import json_ready_mapping, read_summary, read_tables, save_result

__all__ = ["QUANTITIES", "TABLES", "Forecast"]

TABLES = ("bands", "probabilities", "sensitivity")

QUANTITIES: dict[str, str] = {
    "demand_flops": "FLOP/s delivered",
    "demand_accelerators": "accelerators",
    "demand_mw": "MW",
    "demand_twh": "TWh",
    "supply_flops": "peak FLOP/s",
    "supply_mw": "MW",
    "gap_flops": "FLOP/s delivered",
    "spend_usd": "USD",
    "revenue_usd": "USD",
    "revenue_share_usd": "USD",
    "cash_usd": "USD",
}
"""Quantities with bands per month and their units (money per month; cash at month end)."""


@dataclass
class Forecast:
    """Result of :func:`gigawatt.forecast.montecarlo.run_forecast`."""

    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def bands(self) -> pd.DataFrame:
        """Quantile bands, one row per quantity and month."""
        return self.tables["bands"]

    @property
    def probabilities(self) -> pd.DataFrame:
        """P(demand exceeds contracted supply) and P(cash < 0) per month."""
        return self.tables["probabilities"]

    @property
    def sensitivity(self) -> pd.DataFrame:
        """Spearman correlation of each sampled input with final cash and total gap."""
        return self.tables["sensitivity"]

    def band(self, quantity: str) -> pd.DataFrame:
        """Bands of one quantity indexed by month (mean, p5, p25, p50, p75, p95).

        Raises:
            KeyError: no such quantity in this forecast.
        """
        rows = self.bands[self.bands["quantity"] == quantity]
        if rows.empty:
            raise KeyError(quantity)
        return rows.drop(columns=["quantity", "unit"]).set_index("month")

    def to_json(self, *, bands: bool = True) -> dict[str, Any]:
        """The summary, probabilities and (optionally) the bands as JSON-ready data."""
        data = dict(self.summary)
        data["probabilities"] = self.probabilities.to_dict(orient="records")
        if bands:
            data["bands"] = self.bands.to_dict(orient="records")
        return json_ready_mapping(data)

    def save(self, directory: str | Path) -> Path:
        """Write every table as Parquet plus ``summary.json``; returns the folder."""
        return save_result(directory, self.tables, self.summary)

    @classmethod
    def load(cls, directory: str | Path) -> Forecast:
        """Read a forecast written by :meth:`save`.

        Raises:
            GigawattError: the folder holds no forecast.
        """
        command = "gigawatt forecast FILE --out DIR"
        summary = read_summary(directory, "forecast", command)
        tables = read_tables(directory, TABLES, required=("bands",), what="forecast")
        return cls(summary, tables)
