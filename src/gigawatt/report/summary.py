"""The plain-language summary at the top of a report, and its key figures.

The headline generalises "by 2030 the plan needs X GW, Y% outside Azure; P(cash < 0
before 2029) = Z": the year is the last full calendar year of the horizon, the
reference provider is the counterparty of the first contract (or, without contracts,
the provider with the most spend), and the cash sentence is a date for a plan and a
probability for a forecast (see :mod:`gigawatt.report.forecast_view`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from gigawatt.report import fmt
from gigawatt.report.data import ResultSet, row_at

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
    spend = results.table("spend")
    if len(spend) and spend["usd"].sum() > 0:
        return str(spend.groupby("provider")["usd"].sum().idxmax())
    cap = results.table("capacity")
    if len(cap):
        return str(cap.groupby("provider")["installed_mw"].sum().idxmax())
    return None


def capacity_by_month(results: ResultSet, column: str) -> pd.DataFrame:
    """A capacity column summed by month (rows) and provider (columns)."""
    cap = results.table("capacity")
    if cap.empty:
        return pd.DataFrame()
    table = cap.pivot_table(
        index="month", columns="provider", values=column, aggfunc="sum", fill_value=0.0
    )
    return table.sort_index()


def _capacity_sentence(results: ResultSet, ref: str | None) -> tuple[str, float]:
    """The headline sentence and the peak installed MW of the final year."""
    mw = capacity_by_month(results, "installed_mw")
    used = capacity_by_month(results, "used")
    if mw.empty:
        return "The plan installs no capacity.", 0.0
    year = target_year(list(mw.index))
    in_year = mw[mw.index.str.startswith(str(year))]
    total = in_year.sum(axis=1)
    peak_month = str(total.idxmax())
    peak_mw = float(total.max())
    accelerators = float(used.sum(axis=1).get(peak_month, 0.0))
    text = (
        f"By {year} the plan needs {fmt.power(peak_mw)} "
        f"({fmt.count(accelerators)} accelerators in use)"
    )
    if ref is not None and peak_mw > 0:
        at_ref = float(in_year[ref].get(peak_month, 0.0)) if ref in in_year.columns else 0.0
        outside = 1.0 - at_ref / float(total.max())
        text += (
            f", all of it with {ref}."
            if outside < 5e-4
            else f", {fmt.pct(outside)} of it outside {ref}."
        )
    else:
        text += "."
    return text, peak_mw


def _spend_sentence(results: ResultSet) -> str | None:
    spend = results.table("spend")
    if spend.empty:
        return None
    nominal = float(spend["usd"].sum())
    pv = float(results.summary.get("cost_usd", spend["usd_discounted"].sum()))
    by = spend.groupby("provider")["usd"].sum().sort_values(ascending=False)
    horizon = results.summary.get("horizon") or {}
    span = f" from {horizon['start']} to {horizon['end']}" if horizon else ""
    return (
        f"It spends {fmt.usd(nominal)}{span} ({fmt.usd(pv)} in present value); "
        f"{by.index[0]} takes {fmt.pct(float(by.iloc[0]) / nominal)} of it."
    )


def _shortfall_sentence(results: ResultSet) -> str:
    short = results.table("shortfall")
    lost = float(results.summary.get("lost_revenue_usd", 0.0))
    if short.empty or not bool((short["unserved_flop"] > 1e-6 * short["demand"]).any()):
        return "All demand is served and every training run finishes in its window."
    inference = short[short["kind"] == "inference"]
    parts = []
    if len(inference) and float(inference["demand"].sum()) > 0:
        frac = float(inference["unserved"].sum()) / float(inference["demand"].sum())
        parts.append(f"{fmt.pct(frac, 1)} of inference demand goes unserved")
    training = short[
        (short["kind"] == "training") & (short["unserved_flop"] > 1e-6 * short["demand"])
    ]
    if len(training):
        names = ", ".join(sorted(training["workload"].astype(str)))
        parts.append(f"training runs short: {names}")
    text = "; ".join(parts) or "Some demand goes unserved"
    text = text[0].upper() + text[1:]
    if lost > 0:
        text += f", losing {fmt.usd(lost)} of revenue (present value)"
    return text + "."


def _cash_sentence(results: ResultSet) -> str | None:
    fin = results.table("finance")
    if fin.empty or "min_cash_usd" not in results.summary:
        return None
    low = row_at(fin, "cash_usd")
    first = results.summary.get("first_month_cash_negative")
    if first:
        return (
            f"Cash goes negative in {first} and bottoms out at {fmt.usd(float(low['cash_usd']))} "
            f"in {low['month']}: the plan needs more funding than the scenario raises."
        )
    low_usd = fmt.usd(float(low["cash_usd"]))
    return f"Cash stays positive; its low point is {low_usd} in {low['month']}."


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
    capacity_text, peak_mw = _capacity_sentence(results, ref)
    sentences = [capacity_text]
    for text in (
        _spend_sentence(results),
        _shortfall_sentence(results),
        _cash_sentence(results),
        _clause_sentence(results),
    ):
        if text:
            sentences.append(text)
    figures = [
        KeyFigure("Objective", fmt.usd(float(s.get("objective_usd", 0.0))), "present value"),
        KeyFigure("Compute spend", fmt.usd(float(s.get("spend_usd_nominal", 0.0))), "nominal"),
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
