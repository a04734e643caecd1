"""The :class:`Decision`: what to sign now, and what it is worth; saved as Parquet + JSON.

A decision folder holds ``summary.json`` (with ``"kind": "decide"``) and the tables
``commitments`` (the first stage), ``futures`` (one row per future: its drawn values
and the cost of the stochastic plan, the mean-value plan and the wait-and-see plan in
it) and ``regret`` (each min-spend commitment of the scenario's contracts in each
future).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from gigawatt.errors import InputError
from gigawatt.resultio import json_ready_mapping, read_summary, read_tables, save_result

__all__ = ["DECISION_TABLES", "Decision"]

DECISION_TABLES = ("commitments", "futures", "regret")


@dataclass
class Decision:
    """A solved two-stage stochastic plan.

    Attributes:
        summary: Headline figures (objective, VSS, EVPI, distributions, timings).
        tables: ``commitments``, ``futures`` and ``regret`` (module docstring).
    """

    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def commitments(self) -> pd.DataFrame:
        """The first stage: one row per offer and start month signed now."""
        return self.tables["commitments"]

    @property
    def futures(self) -> pd.DataFrame:
        """One row per future."""
        return self.tables["futures"]

    def to_json(self) -> dict[str, Any]:
        """The summary as JSON-ready data."""
        return json_ready_mapping(self.summary)

    def save(self, directory: str | Path) -> Path:
        """Write every table as Parquet plus ``summary.json``."""
        return save_result(directory, self.tables, self.summary)

    @classmethod
    def load(cls, directory: str | Path) -> Decision:
        """Read a decision written by :meth:`save`.

        Raises:
            InputError: the folder holds no decision.
        """
        summary = read_summary(directory, "decision", "gigawatt decide FILE --out DIR")
        if summary.get("kind") != "decide":
            raise InputError(f"{Path(directory) / 'summary.json'} is not the summary of a decision")
        tables = read_tables(directory, DECISION_TABLES, required=DECISION_TABLES, what="decision")
        return cls(summary, tables)
