"""The plain-language summary at the top of a report, and its key figures.

The headline generalises "by 2030 the plan needs X GW, Y% outside Azure; P(cash < 0
before 2029) = Z": the year is the last full calendar year of the horizon, the
reference provider is the counterparty of the first contract (or, without contracts,
the provider with the most spend), and the cash sentence is a date for a plan and a
probability for a forecast (see :mod:`gigawatt.report.forecast_view`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from gigawatt.plan.figures import PlanFigures, monthly_by_provider, plan_figures, provider_totals
from gigawatt.report import fmt
from gigawatt.report.data import ResultSet, records, row_at

__all__ = [
    "KeyFigure",
    "Summary",
    "capacity_by_month",
    "plan_summary",
    "reference_provider",
    "target_year",
]


@dataclass(frozen=True)
class KeyFigure:
    """A headline number: label, formatted value, and a short note."""

    label: str
    value: str
    note: str = ""


@dataclass
class Summary:
    """Sentences for people, and the figures shown as cards."""

    sentences: list[str] = field(default_factory=list)
    figures: list[KeyFigure] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready mapping."""
        return {
            "sentences": list(self.sentences),
            "figures": [{"label": f.label, "value": f.value, "note": f.note} for f in self.figures],
        }


def target_year(months: list[str]) -> int:
    """The last calendar year whose December lies in the horizon (else the last year)."""
    decembers = [m for m in months if m.endswith("-12")]
    return fmt.year_of(decembers[-1] if decembers else months[-1])


def reference_provider(results: ResultSet, counterparty: str | None = None) -> str | None:
    """The counterparty of the first contract when known, else the largest provider.

    The first contract is taken from ``counterparty`` (the scenario), the clause costs or
    the commitments saved with the result; without contracts the provider with the most
    nominal spend (or installed MW) is the reference.
    """
    if counterparty:
        return counterparty
    clauses = results.clause_costs
    if clauses is not None and len(clauses):
        return str(clauses["counterparty"].iloc[0])
    commitments = results.commitments
    if commitments is not None and len(commitments):
        spend_terms = commitments[commitments["category"] == "Spend"]
        if len(spend_terms):
            return str(spend_terms["provider"].iloc[0])
    providers = provider_totals(results.tables)
    if len(providers) and float(providers["spend_usd"].sum()) > 0:
        return str(providers["provider"].iloc[0])
    if len(providers):
        return str(providers.sort_values("mw_months", ascending=False)["provider"].iloc[0])
    return None


def capacity_by_month(results: ResultSet, column: str) -> pd.DataFrame:
    """A capacity column summed by month (rows) and provider (columns)."""
    return monthly_by_provider(results.tables, column)


def _capacity_sentence(
    figures: PlanFigures, months: list[str], ref: str | None
) -> tuple[str, float]:
    """The headline sentence and the installed GW of the target year (its largest month)."""
    year = figures.by_year
    if year.empty or not months or float(year["gw"].max()) <= 0:
        return "The plan installs no capacity.", 0.0
    target = str(target_year(months))
    row = records(year[year["year"] == target])[0]
    gw = float(row["gw"])
    text = f"By {target} the plan needs {fmt.power(gw * 1e3)} installed at its peak"
    if math.isfinite(float(row["h100_equivalents"])):
        text += f" ({fmt.count(float(row['h100_equivalents']))} H100-equivalents)"
    if ref is not None and gw > 0:
        shares = figures.by_provider
        mine = shares[(shares["year"] == target) & (shares["provider"] == ref)]
        outside = 1.0 - (float(mine["supply_share"].iloc[0]) if len(mine) else 0.0)
        text += (
            f", all of it with {ref}."
            if outside < 5e-4
            else f"; {fmt.pct(outside)} of the MW-months of {target} are outside {ref}."
        )
    else:
        text += "."
    return text, gw * 1e3


def _spend_sentence(results: ResultSet, figures: PlanFigures) -> str | None:
    providers = provider_totals(results.tables)
    nominal = float(figures.totals["spend_usd"] or 0.0)
    if providers.empty or nominal <= 0:
        return None
    pv = float(results.summary.get("cost_usd", 0.0))
    horizon = results.summary.get("horizon") or {}
    span = f" from {horizon['start']} to {horizon['end']}" if horizon else ""
    top = providers.iloc[0]
    return (
        f"It spends {fmt.usd(nominal)}{span} ({fmt.usd(pv)} in present value); "
        f"{top['provider']} takes {fmt.pct(float(top['spend_share']))} of it."
    )


def _shortfall_sentence(results: ResultSet, figures: PlanFigures) -> str:
    year = figures.by_year
    lost = float(results.summary.get("lost_revenue_usd", 0.0))
    short = float(year["shortfall_flop"].sum()) if len(year) else 0.0
    demand = float(year["demand_flop"].sum()) if len(year) else 0.0
    if short <= 1e-6 * demand or demand <= 0:
        return "All demand is served and every training run finishes in its window."
    parts = [f"{fmt.pct(short / demand, 1)} of the FLOP demanded goes unserved"]
    shortfall = results.table("shortfall")
    training = shortfall[
        (shortfall["kind"] == "training")
        & (shortfall["unserved_flop"] > 1e-6 * shortfall["demand"])
    ]
    if len(training):
        names = ", ".join(sorted(training["workload"].astype(str)))
        parts.append(f"training runs short: {names}")
    text = "; ".join(parts)
    text = text[0].upper() + text[1:]
    if lost > 0:
        text += f", losing {fmt.usd(lost)} of revenue (present value)"
    return text + "."


def _cash_sentence(figures: PlanFigures) -> str | None:
    t = figures.totals
    if t["min_cash_usd"] is None:
        return None
    low, month = float(t["min_cash_usd"]), str(t["min_cash_month"])
    if low < 0:
        return (
            f"Cash goes negative and bottoms out at {fmt.usd(low)} in {month}: the plan "
            f"needs {fmt.usd(float(t['funding_gap_usd'] or 0.0))} more funding than the "
            "scenario raises."
        )
    return f"Cash stays positive; its low point is {fmt.usd(low)} in {month}."


def _clause_sentence(results: ResultSet) -> str | None:
    costs = results.clause_costs
    if costs is None or costs.empty:
        return None
    top = row_at(costs, "cost_usd", largest=True)
    return (
        f"The costliest clause is {top['contract']} #{int(top['clause_index'])} "
        f"({str(top['type']).replace('_', ' ')}, {top['counterparty']}) at "
        f"{fmt.usd(float(top['cost_usd']))}; the {len(costs)} clauses cost "
        f"{fmt.usd(float(costs['cost_usd'].sum()))} if each is counted alone."
    )


def plan_summary(results: ResultSet, counterparty: str | None = None) -> Summary:
    """Headline sentences and key figures of a plan."""
    s = results.summary
    ref = reference_provider(results, counterparty)
    numbers = plan_figures(results.tables, s)
    months = sorted(set(results.table("capacity").get("month", pd.Series(dtype=str))))
    capacity_text, peak_mw = _capacity_sentence(numbers, [str(m) for m in months], ref)
    sentences = [capacity_text]
    for text in (
        _spend_sentence(results, numbers),
        _shortfall_sentence(results, numbers),
        _cash_sentence(numbers),
        _clause_sentence(results),
    ):
        if text:
            sentences.append(text)
    figures = [
        KeyFigure("Objective", fmt.usd(float(s.get("objective_usd", 0.0))), "present value"),
        KeyFigure("Compute spend", fmt.usd(float(numbers.totals["spend_usd"] or 0.0)), "nominal"),
        KeyFigure("Capacity", fmt.power(peak_mw), "peak installed, final year"),
        KeyFigure("Lost revenue", fmt.usd(float(s.get("lost_revenue_usd", 0.0))), "present value"),
    ]
    if "min_cash_usd" in s:
        figures.append(
            KeyFigure(
                "Lowest cash",
                fmt.usd(float(s["min_cash_usd"])),
                f"negative from {s['first_month_cash_negative']}"
                if s.get("first_month_cash_negative")
                else "stays positive",
            )
        )
    gap = s.get("mip_gap")
    figures.append(
        KeyFigure("Solver", str(s.get("status", "?")), "" if gap is None else f"MIP gap {gap:.3%}")
    )
    return Summary(sentences, figures)
