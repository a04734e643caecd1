"""The :class:`Sweep`: per-sample tables, distributions, and a summary; saved as Parquet.

A sweep directory holds ``summary.json`` (with ``"kind": "sweep"``) and the tables
``samples``, ``gw``, ``clause_samples`` and ``distributions`` as Parquet files.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from gigawatt.errors import GigawattError

__all__ = ["SWEEP_TABLES", "Sweep"]

SWEEP_TABLES = ("samples", "gw", "clause_samples", "distributions")


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


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
        return _clean(data)  # type: ignore[no-any-return]

    def save(self, directory: str | Path) -> Path:
        """Write every table as Parquet plus ``summary.json``."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        for name, frame in self.tables.items():
            frame.to_parquet(out / f"{name}.parquet", index=False)
        text = json.dumps(_clean(self.summary), indent=2, default=str)
        (out / "summary.json").write_text(text, encoding="utf-8")
        return out

    @classmethod
    def load(cls, directory: str | Path) -> Sweep:
        """Read a sweep written by :meth:`save`.

        Raises:
            GigawattError: the folder holds no sweep.
        """
        folder = Path(directory)
        summary_file = folder / "summary.json"
        try:
            summary = json.loads(summary_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise GigawattError(
                f"{folder} holds no readable sweep summary ({exc}); write one with "
                "`gigawatt sweep FILE --samples N --out DIR`"
            ) from None
        if not isinstance(summary, dict) or summary.get("kind") != "sweep":
            raise GigawattError(f"{summary_file} is not the summary of a sweep")
        tables = {}
        for name in SWEEP_TABLES:
            path = folder / f"{name}.parquet"
            if not path.is_file():
                raise GigawattError(f"{folder} is a sweep without {name}.parquet; is it complete?")
            try:
                tables[name] = pd.read_parquet(path)
            except Exception as exc:  # pyarrow raises several unrelated types
                raise GigawattError(f"cannot read {path}: {exc}") from None
        return cls(summary, tables)
