"""Reports people would rather look at: HTML with charts, PNG images, tables, exports.

``write_report(DIR)`` turns a plan or forecast directory into one self-contained HTML
file (plotly.js inlined, works offline); ``png_dir`` draws the same charts with
matplotlib for slides; ``export_dir`` writes every table as Parquet and CSV plus the
plan's spend and commitments as FinOps FOCUS CSV. Plotting libraries are imported
only when a report is drawn.
"""

from gigawatt.report.build import (
    Report,
    ReportContent,
    build_content,
    write_default_report,
    write_report,
)
from gigawatt.report.charts import Chart, Panel, Series
from gigawatt.report.commitments import commitments_table, save_commitments
from gigawatt.report.data import (
    ResultSet,
    detect_kind,
    load_results,
    read_clause_costs,
    save_clause_costs,
)
from gigawatt.report.exports import export_tables
from gigawatt.report.focus import (
    FOCUS_COMMITMENT_COLUMNS,
    FOCUS_COST_COLUMNS,
    focus_commitments,
    focus_cost_and_usage,
    write_focus,
)
from gigawatt.report.png import PNG_SIZE, write_pngs
from gigawatt.report.summary import Summary

__all__ = [
    "FOCUS_COMMITMENT_COLUMNS",
    "FOCUS_COST_COLUMNS",
    "PNG_SIZE",
    "Chart",
    "Panel",
    "Report",
    "ReportContent",
    "ResultSet",
    "Series",
    "Summary",
    "build_content",
    "commitments_table",
    "detect_kind",
    "export_tables",
    "focus_commitments",
    "focus_cost_and_usage",
    "load_results",
    "read_clause_costs",
    "save_clause_costs",
    "save_commitments",
    "write_default_report",
    "write_focus",
    "write_pngs",
    "write_report",
]
