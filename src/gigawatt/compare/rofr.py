"""What a right of first refusal does: spend and capacity outside its counterparty."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from gigawatt.compare.result import records
from gigawatt.compare.solve import ROFR, Job
from gigawatt.compare.tables import outside_frame
from gigawatt.compare.words import money, percent
from gigawatt.plan.results import Plan
from gigawatt.scenario.schema import Scenario

__all__ = ["rofr_effects"]


def _rofr_clauses(s: Scenario) -> list[tuple[int, int, str]]:
    return [
        (ci, ki, c.counterparty)
        for ci, c in enumerate(s.contracts)
        for ki, k in enumerate(c.clauses)
        if k.type == ROFR
    ]


def _rofr_effect(
    kind: str,
    with_label: str,
    without_label: str,
    cp: str,
    with_plan: Plan,
    without_plan: Plan,
    note: str = "",
) -> tuple[pd.DataFrame, str]:
    a = outside_frame(with_plan, cp).set_index("year")
    b = outside_frame(without_plan, cp).set_index("year")
    years = [y for y in a.index if y in b.index]
    cols = ["spend_outside_usd", "spend_outside_share", "gw_outside", "gw_outside_share"]
    rows = pd.DataFrame({"year": years})
    for col in cols:
        rows[f"{col}_with"] = a.loc[years, col].to_numpy()
        rows[f"{col}_without"] = b.loc[years, col].to_numpy()
    rows.insert(0, "counterparty", cp)
    rows.insert(0, "without_scenario", without_label)
    rows.insert(0, "with_scenario", with_label)
    rows.insert(0, "comparison", kind)
    rows_list = records(rows)
    r = max(
        rows_list, key=lambda x: abs(x["spend_outside_usd_without"] - x["spend_outside_usd_with"])
    )
    verb = "rises" if r["spend_outside_usd_without"] >= r["spend_outside_usd_with"] else "falls"
    if kind == "across":
        head = f"Without the right of first refusal ({without_label}, against {with_label})"
    else:
        head = f"Dropping only the right of first refusal from {with_label} (same world, re-solved)"
    by_year_spend = ", ".join(
        f"{x['year']} {money(x['spend_outside_usd_with'])} -> "
        f"{money(x['spend_outside_usd_without'])}"
        for x in rows_list
    )
    by_year_gw = ", ".join(
        f"{x['year']} {percent(x['gw_outside_share_with'])} -> "
        f"{percent(x['gw_outside_share_without'])}"
        for x in rows_list
    )
    text = (
        f"{head}, spend outside {cp} {verb} from {money(r['spend_outside_usd_with'])} to "
        f"{money(r['spend_outside_usd_without'])} in {r['year']} "
        f"({percent(r['spend_outside_share_with'])} -> {percent(r['spend_outside_share_without'])} "
        f"of spend), and peak GW installed outside {cp} goes from "
        f"{r['gw_outside_with']:.1f} to {r['gw_outside_without']:.1f} GW. "
        f"Spend outside {cp} by year: {by_year_spend}. "
        f"Share of installed capacity (MW-months) outside {cp} by year: {by_year_gw}.{note}"
    )
    return rows, text


def _terms(s: Scenario) -> set[str]:
    return {f"{k.type} with {c.counterparty}" for c in s.contracts for k in c.clauses}


def _other_terms(with_rofr: Scenario, without_rofr: Scenario) -> str:
    """A note naming the other contract terms two scenarios differ in, if any."""
    rofr = {t for t in _terms(with_rofr) if t.startswith(ROFR)}
    only_with = sorted(_terms(with_rofr) - _terms(without_rofr) - rofr)
    only_without = sorted(_terms(without_rofr) - _terms(with_rofr))
    parts = []
    if only_without:
        parts.append(f"{without_rofr.name} adds {', '.join(only_without)}")
    if only_with:
        parts.append(f"{with_rofr.name} adds {', '.join(only_with)}")
    if not parts:
        return ""
    return " The scenarios differ in other terms too (" + "; ".join(parts) + ")."


def rofr_effects(
    scenarios: Sequence[Scenario],
    labels: list[str],
    plans: dict[str, Plan],
    results: dict[Job, Plan],
) -> tuple[pd.DataFrame, list[str]]:
    """The ``rofr`` table and its sentences: each right of first refusal, across and alone."""
    frames: list[pd.DataFrame] = []
    words: list[str] = []
    rofr = [_rofr_clauses(s) for s in scenarios]
    for i in range(len(scenarios)):
        for j in range(len(scenarios)):
            if i == j or not (i == 0 or j == 0):
                continue  # each scenario against the baseline, in either direction
            for cp in sorted({c for _, _, c in rofr[i]} - {c for _, _, c in rofr[j]}):
                rows, text = _rofr_effect(
                    "across",
                    labels[i],
                    labels[j],
                    cp,
                    plans[labels[i]],
                    plans[labels[j]],
                    _other_terms(scenarios[i], scenarios[j]),
                )
                frames.append(rows)
                words.append(text)
    for i, clauses in enumerate(rofr):
        for ci, ki, cp in clauses:
            without = results.get(Job(i, (ci, ki)))
            if without is None:
                continue
            base = plans[labels[i]]
            cost = base.objective_usd - without.objective_usd
            rows, text = _rofr_effect(
                "alone",
                labels[i],
                f"{labels[i]} without {scenarios[i].contracts[ci].name}[{ki}]",
                cp,
                base,
                without,
                f" The clause costs the lab {money(cost)} (present value).",
            )
            frames.append(rows)
            words.append(text)
    if not frames:
        return pd.DataFrame(columns=["comparison", "with_scenario", "without_scenario"]), words
    return pd.concat(frames, ignore_index=True), words
