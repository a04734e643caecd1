"""The answer on one screen: what the lab needs, year by year, and who supplies it.

One small table, metrics down and years across, that ``gigawatt plan`` prints last and
that heads ``report.html``. Every value comes from :mod:`gigawatt.plan.figures`
(definitions in docs/glossary.md); this module only picks and formats them.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from gigawatt.plan.figures import PlanFigures
from gigawatt.report.fmt import pct
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


def _scaled(
    prefixes: tuple[tuple[str, float], ...],
) -> Callable[[float], tuple[str, float]]:
    """A unit picker: the first (unit, scale) whose scale the largest value reaches."""

    def pick(largest: float) -> tuple[str, float]:
        for unit, scale in prefixes:
            if abs(largest) >= scale:
                return unit, scale
        return prefixes[-1]

    return pick


_POWER = _scaled((("GW", 1e3), ("MW", 1.0)))  # of MW
_ENERGY = _scaled((("TWh", 1e6), ("GWh", 1e3), ("MWh", 1.0)))  # of MWh
_MASS = _scaled((("MtCO2", 1e6), ("ktCO2", 1e3), ("tCO2", 1.0)))  # of tCO2
_FLOPS = _scaled((("EFLOP/s", 1e18), ("PFLOP/s", 1e15), ("TFLOP/s", 1e12)))
_COUNT = _scaled((("M", 1e6), ("k", 1e3), ("", 1.0)))
_MONEY = _scaled((("$B", 1e9), ("$M", 1e6), ("$k", 1.0)))

#: (label with {unit}, by_year column, factor to the picker's base unit, unit picker).
_ROWS: tuple[tuple[str, str, float, Callable[[float], tuple[str, float]]], ...] = (
    ("{unit} installed (peak)", "gw", 1e3, _POWER),
    ("energy {unit}", "energy_twh", 1e6, _ENERGY),
    ("emissions {unit}", "emissions_mtco2", 1e6, _MASS),
    ("compute {unit} (peak)", "flops", 1.0, _FLOPS),
    ("H100-equivalents {unit}", "h100_equivalents", 1.0, _COUNT),
    ("spend {unit}", "spend_usd", 1.0, _MONEY),
)
_CASH_ROWS: tuple[tuple[str, str, float, Callable[[float], tuple[str, float]]], ...] = (
    ("lowest cash {unit}", "min_cash_usd", 1.0, _MONEY),
    ("funding gap {unit}", "funding_gap_usd", 1.0, _MONEY),
)


def _row(
    label: str, values: list[float], pick: Callable[[float], tuple[str, float]]
) -> tuple[str, ...]:
    finite = [abs(v) for v in values if math.isfinite(v)]
    unit, scale = pick(max(finite, default=0.0))
    return (
        label.format(unit=unit).replace("  ", " ").strip(),
        *(short_number(v / scale) for v in values),
    )


def answer_table(figures: PlanFigures) -> TableSpec | None:
    """The answer block of a plan: metrics (rows) by year (columns); None without years."""
    year = figures.by_year
    if year.empty:
        return None
    names = [str(y) for y in year["year"]]
    rows: list[tuple[str, ...]] = []
    cash = bool(year["min_cash_usd"].notna().any())
    for label, col, factor, pick in _ROWS:
        values = [float(v) * factor for v in year[col]]
        if any(math.isfinite(v) for v in values):  # a plan saved before FLOP/s were kept
            rows.append(_row(label, values, pick))
    rows.append(("demand served", *(pct(float(v), 1) for v in year["served_share"])))
    if cash:
        money = [float(v) for c in ("min_cash_usd", "funding_gap_usd") for v in year[c]]
        unit = _MONEY(max(abs(v) for v in money))
        for label, col, factor, _pick in _CASH_ROWS:
            rows.append(_row(label, [float(v) * factor for v in year[col]], lambda _: unit))
    provider = figures.by_provider
    share = provider.pivot_table(
        index="provider", columns="year", values="supply_share", aggfunc="sum"
    ).reindex(columns=names)
    for name in sorted(share.index, key=str):
        values = share.loc[name].fillna(0.0)
        rows.append((f"{name} share of MW", *(pct(float(v)) for v in values)))
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
