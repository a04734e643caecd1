"""The report's table of commitments that run past the horizon.

It shows the figures of :mod:`gigawatt.plan.commitments` as the plan's summary states
them (``committed_beyond_horizon``); nothing is recomputed here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gigawatt.report import fmt
from gigawatt.report.data import ResultSet

if TYPE_CHECKING:
    from gigawatt.report.tables import TableSpec

__all__ = ["beyond_horizon_table"]


def beyond_horizon_table(results: ResultSet) -> TableSpec | None:
    """A :class:`~gigawatt.report.tables.TableSpec` of the commitments beyond the horizon.

    None for a plan saved before the figure existed; a plan that commits nothing past
    its horizon gets a one-line table saying so.
    """
    from gigawatt.report.tables import TableSpec  # tables lists this one among its own

    summary = results.summary
    if "committed_beyond_horizon_usd" not in summary:
        return None
    rows_in = list(summary.get("committed_beyond_horizon") or [])
    total_usd = float(summary["committed_beyond_horizon_usd"])
    scale, unit = fmt.money_unit(total_usd)
    rows = [
        (
            str(r["offer"]),
            str(r["provider"]),
            str(r["accelerator"]),
            str(r["pricing"]),
            round(float(r["accelerator_months"]) / 1e3, 1) + 0.0,
            round(float(r["usd"]) / scale, 2) + 0.0,
        )
        for r in rows_in
    ]
    rows.append(
        (
            "total",
            "",
            "",
            "",
            round(float(summary["committed_beyond_horizon_accelerator_months"]) / 1e3, 1) + 0.0,
            round(total_usd / scale, 2) + 0.0,
        )
    )
    end = (summary.get("horizon") or {}).get("end", "the horizon's end")
    tail = int((summary.get("horizon") or {}).get("tail_months") or 0)
    how = (
        f"the plan was solved {tail} months past {end} so that these were judged on their "
        "whole term"
        if tail
        else f"terms are cut at {end} in the plan's costs (horizon.tail_months: 0)"
    )
    return TableSpec(
        "beyond-horizon",
        "Committed beyond the horizon",
        ("offer", "provider", "accelerator", "pricing", "k accelerator-months", unit),
        tuple(rows),
        f"Reservations and builds started by {end} that run past it: rent (reserved) or "
        f"straight-line capex (build) of the months after {end}, nominal; {how}.",
    )
