"""The :class:`Sweep`: per-sample tables, distributions, and a summary; saved as Parquet.

A sweep directory holds ``summary.json`` (with ``"kind": "sweep"``) and the tables
``samples``, ``gw``, ``clause_samples`` and ``distributions`` as Parquet files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from gigawatt.errors import GigawattError, InputError
from gigawatt.resultio import json_ready_mapping, read_summary, read_tables, save_result

__all__ = ["SWEEP_TABLES", "Sweep"]

SWEEP_TABLES = ("samples", "gw", "clause_samples", "distributions")


@dataclass
class Sweep:
    """A finished sweep.

    Attributes:
        summary: Counts by status, failed samples, headline quantiles, timings.
        tables: ``samples`` (one row per sample, drawn values included), ``gw``
            (sample, provider, year, GW), ``clause_samples`` (sample, clause, cost) and
            ``distributions`` (statistics across solved samples).
    """

    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def samples(self) -> pd.DataFrame:
        """One row per sample."""
        return self.tables["samples"]

    @property
    def failed(self) -> pd.DataFrame:
        """Samples without a plan: sample, status, message."""
        s = self.samples
        bad = s[~s["status"].isin(("optimal", "time_limit"))]
        return bad[["sample", "status", "message"]].reset_index(drop=True)

    def distribution(self, quantity: str, **keys: Any) -> dict[str, float]:
        """Statistics of one quantity (``cost_usd``, ``gw`` with provider and year, ...).

        Raises:
            GigawattError: no such row.
        """
        d = self.tables["distributions"]
        rows = d[d["quantity"] == quantity]
        for col, value in keys.items():
            rows = rows[rows[col] == value]
        if len(rows) != 1:
            raise GigawattError(f"no single distribution row for {quantity} {keys}")
        skip = {"quantity", "provider", "year", "contract", "clause_index", "type"}
        first = rows.iloc[0]
        return {str(k): float(v) for k, v in first.items() if k not in skip}

    def to_json(self, *, samples: bool = False) -> dict[str, Any]:
        """The summary (and, when asked, the per-sample rows) as JSON-ready data."""
        data = dict(self.summary)
        if samples:
            data["sample_rows"] = self.samples.to_dict(orient="records")
        return json_ready_mapping(data)

    def save(self, directory: str | Path) -> Path:
        """Write every table as Parquet plus ``summary.json``."""
        return save_result(directory, self.tables, self.summary)

    @classmethod
    def load(cls, directory: str | Path) -> Sweep:
        """Read a sweep written by :meth:`save`.

        Raises:
            GigawattError: the folder holds no sweep.
        """
        command = "gigawatt sweep FILE --samples N --out DIR"
        summary = read_summary(directory, "sweep", command)
        if summary.get("kind") != "sweep":
            raise InputError(f"{Path(directory) / 'summary.json'} is not the summary of a sweep")
        tables = read_tables(directory, SWEEP_TABLES, required=SWEEP_TABLES, what="sweep")
        return cls(summary, tables)
