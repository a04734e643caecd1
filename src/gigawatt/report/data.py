"""Results directories: read a plan or a forecast, and the extras a report can use.

A results directory holds ``summary.json`` and Parquet tables, as written by
``Plan.save`` or by the forecast. A forecast says so in its summary
(``"kind": "forecast"``); anything else with a summary is read as a plan. Two optional
extras sit beside the tables and are written by this package:

* ``clauses.parquet`` (or ``clauses.json`` / ``clauses.csv``): clause costs with at least
  the columns contract, clause_index, type, counterparty, cost_usd
  (:func:`save_clause_costs`; ``clauses.json`` may also be the output of
  ``gigawatt clauses --json``);
* ``commitments.parquet``: the contract commitments of the scenario
  (:func:`gigawatt.report.commitments.save_commitments`).

A comparison directory (``gigawatt compare --out DIR``) has ``comparison.json`` instead
of ``summary.json``; it is read as kind ``comparison`` with ``comparison.json`` as its
summary and its long tables (``clauses`` among them) as tables. A history directory
(``gigawatt history --out DIR``) likewise has ``history.json``: kind ``history``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from gigawatt.errors import GigawattError, InputError
from gigawatt.market.result import MARKET_FILE
from gigawatt.resultio import read_summary, read_tables

__all__ = [
    "CLAUSE_COLUMNS",
    "COMPARISON_FILE",
    "EXTRA_TABLES",
    "ResultKind",
    "ResultSet",
    "detect_kind",
    "load_results",
    "read_clause_costs",
    "records",
    "row_at",
    "save_clause_costs",
]

ResultKind = Literal["plan", "forecast", "comparison", "history", "sweep", "decide", "market"]

#: What ``gigawatt compare --out DIR`` writes beside its tables (no summary.json).
COMPARISON_FILE = "comparison.json"
HISTORY_FILE = "history.json"
CLAUSE_COLUMNS = ("contract", "clause_index", "type", "counterparty", "cost_usd")
#: Files of the directory that are not tables of the result itself.
EXTRA_TABLES = ("clauses", "commitments")
_PLAN_ORDER = ("allocation", "capacity", "spend", "power", "shortfall", "finance", "duals")


@dataclass
class ResultSet:
    """A plan or forecast read back from its directory, with optional extras.

    Attributes:
        directory: Where it was read from.
        kind: ``plan`` or ``forecast``.
        summary: The parsed ``summary.json``.
        tables: Every Parquet table of the result, by file stem.
        clause_costs: Clause costs, when the directory holds them.
        commitments: Contract commitments, when the directory holds them.
    """

    directory: Path
    kind: ResultKind
    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    clause_costs: pd.DataFrame | None = None
    commitments: pd.DataFrame | None = None

    def table(self, name: str) -> pd.DataFrame:
        """A table by name, or an empty frame when the result has none."""
        return self.tables.get(name, pd.DataFrame())

    @property
    def name(self) -> str:
        """The scenario name (or the directory name)."""
        return str(self.summary.get("scenario") or self.directory.name)

    def all_tables(self) -> dict[str, pd.DataFrame]:
        """The result's tables plus the extras that are present."""
        out = dict(self.tables)
        if self.clause_costs is not None:
            out["clauses"] = self.clause_costs
        if self.commitments is not None:
            out["commitments"] = self.commitments
        return out


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a frame as dicts keyed by column name."""
    return cast("list[dict[str, Any]]", frame.to_dict("records"))


def row_at(frame: pd.DataFrame, column: str, *, largest: bool = False) -> dict[str, Any]:
    """The row where ``column`` is smallest (or largest), as a dict."""
    values = frame[column].to_numpy(dtype=float)
    i = int(np.nanargmax(values) if largest else np.nanargmin(values))
    return records(frame.iloc[[i]])[0]


def _summary(folder: Path) -> dict[str, Any]:
    if not folder.is_dir():
        raise InputError(
            f"{folder} is not a directory; give a plan, forecast, comparison or sweep directory"
        )
    if not (folder / "summary.json").is_file() and (folder / COMPARISON_FILE).is_file():
        return read_summary(
            folder, "comparison", "gigawatt compare A B --out DIR", summary_name=COMPARISON_FILE
        )
    if not (folder / "summary.json").is_file() and (folder / HISTORY_FILE).is_file():
        return read_summary(
            folder, "history", "gigawatt history A B --out DIR", summary_name=HISTORY_FILE
        )
    if not (folder / "summary.json").is_file() and (folder / MARKET_FILE).is_file():
        return read_summary(folder, "market", "gigawatt market --out DIR", summary_name=MARKET_FILE)
    return read_summary(
        folder,
        "plan, forecast or comparison",
        "gigawatt plan FILE --out DIR` or `gigawatt forecast FILE --out DIR",
    )


def _kind(folder: Path, summary: dict[str, Any]) -> ResultKind:
    if not (folder / "summary.json").is_file() and (folder / COMPARISON_FILE).is_file():
        return "comparison"
    if not (folder / "summary.json").is_file() and (folder / HISTORY_FILE).is_file():
        return "history"
    if not (folder / "summary.json").is_file() and (folder / MARKET_FILE).is_file():
        return "market"
    if summary.get("kind") == "sweep":
        return "sweep"
    if summary.get("kind") == "decide":
        return "decide"
    if summary.get("kind") in ("forecast", "plan"):
        return "forecast" if summary["kind"] == "forecast" else "plan"
    # a forecast saved before its summary named its kind: bands but no capacity
    forecast = (folder / "bands.parquet").is_file() and not (folder / "capacity.parquet").is_file()
    return "forecast" if forecast else "plan"


def detect_kind(directory: str | Path) -> ResultKind:
    """``forecast`` when ``summary.json`` says ``"kind": "forecast"``, else ``plan``.

    A summary without a kind is a forecast when the directory has ``bands.parquet``
    and no ``capacity.parquet``.

    Raises:
        GigawattError: the directory holds no summary.json.
    """
    folder = Path(directory)
    return _kind(folder, _summary(folder))


def load_results(directory: str | Path) -> ResultSet:
    """Read a plan or forecast directory with every table and extra it holds.

    Raises:
        GigawattError: the directory holds no result, or a table cannot be read.
    """
    folder = Path(directory)
    summary = _summary(folder)
    kind = _kind(folder, summary)
    files = sorted(folder.glob("*.parquet"))
    rank = {name: i for i, name in enumerate(_PLAN_ORDER)}
    files.sort(key=lambda p: (rank.get(p.stem, len(rank)), p.stem))
    tables: dict[str, pd.DataFrame] = {}
    for path in files:
        if path.stem in EXTRA_TABLES and kind not in ("comparison", "history", "market"):
            continue
        tables[path.stem] = _read_parquet(path)
    if kind == "history":
        missing = [t for t in ("totals", "years", "terms") if t not in tables]
        if missing:
            raise InputError(
                f"{folder} has a history.json but no "
                f"{', '.join(t + '.parquet' for t in missing)}; write it again with "
                "`gigawatt history A B --out DIR`"
            )
        return ResultSet(folder, kind, summary, tables)
    if kind == "market":
        missing = [t for t in ("years", "labs", "resources") if t not in tables]
        if missing:
            raise InputError(
                f"{folder} has a market.json but no "
                f"{', '.join(t + '.parquet' for t in missing)}; write it again with "
                "`gigawatt market --out DIR`"
            )
        return ResultSet(folder, kind, summary, tables)
    if kind == "comparison":
        missing = [t for t in ("by_provider", "by_year") if t not in tables]
        if missing:
            raise InputError(
                f"{folder} has a comparison.json but no "
                f"{', '.join(t + '.parquet' for t in missing)}; write it again with "
                "`gigawatt compare A B --out DIR`"
            )
        return ResultSet(folder, kind, summary, tables)
    if kind == "forecast" and "bands" not in tables:
        raise InputError(f"{folder} is a forecast without bands.parquet; is it complete?")
    if kind == "plan" and "capacity" not in tables:
        raise InputError(
            f"{folder} has a summary.json but no capacity.parquet; is it a complete plan?"
        )
    commitments_file = folder / "commitments.parquet"
    commitments = _read_parquet(commitments_file) if commitments_file.is_file() else None
    return ResultSet(folder, kind, summary, tables, read_clause_costs(folder), commitments)


def _read_parquet(path: Path) -> pd.DataFrame:
    return read_tables(path.parent, [path.stem])[path.stem]


def _rows(costs: Iterable[Any]) -> list[dict[str, Any]]:
    rows = []
    for c in costs:
        if hasattr(c, "to_dict"):
            rows.append(dict(c.to_dict()))
        elif isinstance(c, Mapping):
            rows.append(dict(c))
        else:
            raise GigawattError(f"a clause cost should be a ClauseCost or a mapping, not {c!r}")
    return rows


def _clause_frame(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    missing = [c for c in CLAUSE_COLUMNS if c not in frame.columns]
    if missing:
        raise GigawattError(
            f"{source}: clause costs need the columns {', '.join(CLAUSE_COLUMNS)}; "
            f"missing {', '.join(missing)}"
        )
    out = frame.copy()
    out["clause_index"] = out["clause_index"].astype("int64")
    out["cost_usd"] = out["cost_usd"].astype("float64")
    for col in ("contract", "type", "counterparty"):
        out[col] = out[col].astype(str)
    return out.reset_index(drop=True)


def save_clause_costs(costs: Iterable[Any] | pd.DataFrame, directory: str | Path) -> Path:
    """Write clause costs beside a plan as ``clauses.parquet`` for the report to use.

    Args:
        costs: ``ClauseCost`` objects (from ``gigawatt.plan.clauses.clause_costs``),
            mappings, or a DataFrame, with at least contract, clause_index, type,
            counterparty and cost_usd.
        directory: The plan directory.

    Returns:
        The file written.

    Raises:
        GigawattError: a required column is missing.
    """
    frame = costs if isinstance(costs, pd.DataFrame) else pd.DataFrame(_rows(costs))
    if frame.empty:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in CLAUSE_COLUMNS})
    frame = _clause_frame(frame, "save_clause_costs")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "clauses.parquet"
    frame.to_parquet(path, index=False)
    return path


def read_clause_costs(directory: str | Path) -> pd.DataFrame | None:
    """Clause costs saved in a directory (Parquet, JSON or CSV), or None when absent.

    Raises:
        GigawattError: the file exists but is malformed.
    """
    folder = Path(directory)
    parquet, js, csv = (folder / f"clauses.{ext}" for ext in ("parquet", "json", "csv"))
    if parquet.is_file():
        return _clause_frame(_read_parquet(parquet), str(parquet))
    if js.is_file():
        try:
            data = json.loads(js.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"{js} is not readable JSON: {exc}") from None
        rows = data.get("clauses", []) if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise InputError(f"{js}: expected a list of clause costs or {{'clauses': [...]}}")
        frame = pd.DataFrame(_rows(rows))
        if frame.empty:
            return None
        return _clause_frame(frame, str(js))
    if csv.is_file():
        return _clause_frame(pd.read_csv(csv), str(csv))
    return None
