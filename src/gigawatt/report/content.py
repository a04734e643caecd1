"""What a report shows, before it is written anywhere."""

from __future__ import annotations

from dataclasses import dataclass, field

from gigawatt.report.charts import Chart
from gigawatt.report.data import ResultSet
from gigawatt.report.summary import Summary
from gigawatt.report.tables import TableSpec

__all__ = ["ReportContent"]


@dataclass
class ReportContent:
    """Everything a report shows, before it is written anywhere.

    ``answer`` (plans) is the block that heads the page: what the lab needs, per year,
    and who supplies it (:func:`gigawatt.report.answer.answer_table`).
    """

    results: ResultSet
    title: str
    meta: list[str]
    summary: Summary
    charts: list[Chart]
    tables: list[TableSpec]
    notes: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    answer: TableSpec | None = None
