"""The answer on one screen: what the lab needs, year by year, and who supplies it.

One small table, metrics down and years across, that ``gigawatt plan`` prints last and
that heads ``report.html``. Every value comes from :mod:`gigawatt.plan.figures`
(definitions in docs/glossary.md); this module only picks and formats them.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from gigawatt.plan.figures import PlanFigures
from gigawatt.report.tables import TableSpec

__all__ = ["ANSWER_ID", "answer_table", "short_number"]

ANSWER_ID = "answer"


def short_number(value: float) -> str:
    """Three significant figures or more, thousands separated: 12,150 / 124 / 7.49."""
    if not math.isfinite(value):
        return "n/a"
    v = abs(value)
    digits = 0 if v >= 100 else (1 if v >= 10 else 2)
    text = f"{value:,.{digits}f}"
    return "0" if text.lstrip("-") == f"{0:.{digits}f}" else text


def _percent(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{value * 100:.1f}%"


def _share(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{value * 100:.0f}%"


#: (label, by_year column, scale, formatter) of the rows, in order.
_ROWS: tuple[tuple[str, str, float, Callable[[float], str]], ...] = (
    ("GW installed (peak)", "gw", 1.0, short_number),
    ("energy TWh", "energy_twh", 1.0, short_number),
    ("emissions MtCO2", "emissions_mtco2", 1.0, short_number),
    ("compute EFLOP/s (peak)", "flops", 1e18, short_number),
    ("H100-equivalents M", "h100_equivalents", 1e6, short_number),
    ("spend $B", "spend_usd", 1e9, short_number),
    ("demand served", "served_share", 1.0, _percent),
)
_CASH_ROWS: tuple[tuple[str, str, float, Callable[[float], str]], ...] = (
    ("lowest cash $B", "min_cash_usd", 1e9, short_number),
    ("funding gap $B", "funding_gap_usd", 1e9, short_number),
)


def answer_table(figures: PlanFigures) -> TableSpec | None:
    """The answer block of a plan: metrics (rows) by year (columns); None without years."""
    year = figures.by_year
    if year.empty:
        return None
    names = [str(y) for y in year["year"]]
    rows: list[tuple[str, ...]] = []
    cash = bool(year["min_cash_usd"].notna().any())
    for label, col, scale, show in (*_ROWS, *(_CASH_ROWS if cash else ())):
        rows.append((label, *(show(float(v) / scale) for v in year[col])))
    provider = figures.by_provider
    share = provider.pivot_table(
        index="provider", columns="year", values="supply_share", aggfunc="sum"
    ).reindex(columns=names)
    for name in sorted(share.index, key=str):
        values = share.loc[name].fillna(0.0)
        rows.append((f"{name} share of MW", *(_share(float(v)) for v in values)))
    return TableSpec(
        ANSWER_ID,
        "What the lab needs, and who supplies it",
        ("per year", *names),
        tuple(rows),
        "GW, compute and H100-equivalents: the year's largest month; energy, emissions and "
        "spend (nominal): the year's sums; demand served: share of demanded FLOP; lowest "
        "cash: the year's lowest month end; funding gap: money needed to keep cash at or "
        "above zero until the year's end; share of MW: the provider's share of the year's "
        "installed MW-months. Definitions in docs/glossary.md.",
    )
