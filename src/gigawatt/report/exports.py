"""Exports: every table as Parquet and CSV, and the FOCUS files of a plan."""

from __future__ import annotations

from pathlib import Path

from gigawatt.report.data import ResultSet
from gigawatt.report.focus import write_focus

__all__ = ["export_tables"]


def export_tables(results: ResultSet, directory: str | Path) -> list[Path]:
    """Write every table as Parquet and CSV, and a plan's FOCUS files.

    Tables (extras included) go to ``NAME.parquet`` and ``NAME.csv``; a plan adds
    ``focus_cost_and_usage.csv`` and, when its commitments are known,
    ``focus_contract_commitments.csv``.

    Returns:
        The files written.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, frame in results.all_tables().items():
        parquet, csv = out / f"{name}.parquet", out / f"{name}.csv"
        frame.to_parquet(parquet, index=False)
        frame.to_csv(csv, index=False)
        written += [parquet, csv]
    written += write_focus(results, out)
    return written
