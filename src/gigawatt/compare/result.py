"""The comparison's result: plans, tables, findings; JSON and a folder on disk."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from gigawatt.plan.results import Plan
from gigawatt.resultio import save_result

__all__ = ["COMPARISON_TABLES", "Comparison", "records"]

COMPARISON_TABLES = ("by_provider", "by_year", "outside", "clauses", "rofr", "differences")


@dataclass
class Comparison:
    """Plans of several scenarios and the tables that put them side by side.

    Attributes:
        scenarios: The scenario labels, in the order given (the first is the baseline).
        plans: The plan of each scenario, by label.
        counterparty: The provider "outside" is measured against (None without contracts).
        tables: The long tables listed in the module docstring.
        summaries: Per scenario: objective, cost, lost revenue, status and solve figures.
        findings: The differences called out in words, most important first.
        options: How the comparison was computed (clause costs, MIP gap, processes).
        seconds: Wall-clock time of the whole comparison.
    """

    scenarios: list[str]
    plans: dict[str, Plan]
    counterparty: str | None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    summaries: list[dict[str, Any]] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def years(self) -> list[str]:
        """Every year any of the plans covers."""
        return sorted(set(self.tables["by_year"]["year"]))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: summaries, findings and every table as a list of rows."""
        return {
            "scenarios": self.summaries,
            "baseline": self.scenarios[0],
            "counterparty": self.counterparty,
            "years": self.years,
            "findings": self.findings,
            "options": self.options,
            "seconds": self.seconds,
            **{name: records(self.tables[name]) for name in COMPARISON_TABLES},
        }

    def save(self, directory: str | Path) -> Path:
        """Write each table as Parquet, ``comparison.json`` and ``plans/<scenario>/``."""
        tables = {name: self.tables[name] for name in COMPARISON_TABLES}
        out = save_result(directory, tables, self.to_dict(), summary_name="comparison.json")
        for label, result in self.plans.items():
            result.save(out / "plans" / re.sub(r"[^\w.#-]", "_", label))
        return out


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a frame as dicts keyed by column name."""
    return [{str(k): v for k, v in row.items()} for row in df.to_dict(orient="records")]
