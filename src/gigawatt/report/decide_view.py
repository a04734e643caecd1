"""The report of a decision (`gigawatt decide FILE --out DIR`): what to sign, what it is worth.

A decision directory holds ``summary.json`` with ``"kind": "decide"`` and the tables
``commitments``, ``futures`` and ``regret`` (:mod:`gigawatt.decide.result`). The page
shows the first-stage commitments, the objective with VSS and EVPI, the cost of the
stochastic, mean-value and wait-and-see plans in each future (bars per future, in
future order), and the regret of each min-spend commitment. Every number comes from
the saved tables and summary; none is computed here.
"""

from __future__ import annotations

from pathlib import Path

from gigawatt.report import fmt
from gigawatt.report.charts import Chart, Panel, Series
from gigawatt.report.content import ReportContent
from gigawatt.report.data import ResultSet, records
from gigawatt.report.summary import KeyFigure, Summary
from gigawatt.report.tables import TableSpec

__all__ = ["decide_content", "load_decide_results"]

_BLUE, _ORANGE, _GREEN, _RED = "#0072B2", "#E69F00", "#009E73", "#D55E00"
_METHODS = {"extensive": "the extensive form", "hedging": "progressive hedging"}


def load_decide_results(directory: str | Path) -> ResultSet:
    """A decision directory as a :class:`ResultSet` of kind ``decide``.

    Raises:
        GigawattError: the directory holds no complete decision.
    """
    from gigawatt.decide.result import Decision

    decision = Decision.load(directory)
    return ResultSet(Path(directory), "decide", decision.summary, decision.tables)


def _cost_chart(results: ResultSet) -> Chart | None:
    futures = results.table("futures")
    if futures.empty:
        return None
    labels = tuple(f"future {int(f)}" for f in futures["future"])
    largest = float(futures[["cost_usd", "wait_and_see_cost_usd"]].abs().to_numpy().max())
    scale, unit = fmt.money_unit(largest)

    def col(c: str) -> tuple[float, ...]:
        return tuple(float(v) / scale for v in futures[c])

    series = (
        Series("stochastic plan", labels, col("cost_usd"), "markers", _BLUE),
        Series("mean-value plan", labels, col("mean_value_cost_usd"), "markers", _ORANGE),
        Series("wait-and-see", labels, col("wait_and_see_cost_usd"), "markers", _GREEN),
    )
    s = results.summary
    return Chart(
        id="decide_costs",
        title="Cost in each future: signing now, planning on means, knowing the future",
        caption=f"The stochastic plan's first stage costs {fmt.usd(s['objective_usd'])} "
        f"(risk-adjusted, PV); the mean-value plan's {fmt.usd(s['mean_value_objective_usd'])}; "
        f"perfect foresight {fmt.usd(s['wait_and_see_objective_usd'])}.",
        panels=(Panel(f"Cost + lost revenue, PV ({unit})", unit, series, months=False),),
        columns=1,
    )


def _regret_chart(results: ResultSet) -> Chart | None:
    rows = results.summary.get("regret") or []
    if not rows:
        return None
    labels = tuple(f"{r['contract']}[{r['clause_index']}]" for r in rows)
    scale, unit = fmt.money_unit(max(abs(float(r["max_regret_usd"])) for r in rows))

    def col(key: str) -> tuple[float, ...]:
        return tuple(float(r[key]) / scale for r in rows)

    series = (
        Series("expected", labels, col("expected_regret_usd"), "bar", _BLUE),
        Series("95%", labels, col("p95_regret_usd"), "markers", _RED),
    )
    return Chart(
        id="decide_regret",
        title="Regret of each min-spend commitment across futures",
        caption="What each take-or-pay costs in hindsight in each future (objective with "
        "minus without it, wait-and-see plans, never below zero).",
        panels=(Panel(f"Regret, PV ({unit})", unit, series, months=False, horizontal=True),),
        columns=1,
        panel_height=max(220, 80 + 40 * len(rows)),
    )


def _summary(results: ResultSet) -> Summary:
    s = results.summary
    commitments = results.table("commitments")
    signed = commitments[commitments["pricing"] != "site"] if len(commitments) else commitments
    when = s.get("second_stage_from") or "the end of the plan"
    sentences = [
        f"Across {s['futures']} futures, sign {len(signed)} commitment(s) before {when}, "
        f"binding {fmt.usd(s['committed_usd'])} (nominal, at the scenario's prices).",
        f"Planning on mean values instead would cost {fmt.usd(s['vss_usd'])} more (VSS); "
        f"knowing the future would save {fmt.usd(s['evpi_usd'])} (EVPI).",
    ]
    figures = [
        KeyFigure("Objective (PV)", fmt.usd(s["objective_usd"]), "risk-adjusted"),
        KeyFigure("VSS", fmt.usd(s["vss_usd"]), "mean-value minus stochastic"),
        KeyFigure("EVPI", fmt.usd(s["evpi_usd"]), "stochastic minus wait-and-see"),
        KeyFigure("Futures", f"{s['futures']:,}", f"seed {s.get('seed')}"),
    ]
    return Summary(sentences, figures)


def _tables(results: ResultSet) -> list[TableSpec]:
    s = results.summary
    commitments = results.table("commitments")
    tables = [
        TableSpec(
            "decide_commitments",
            "Sign now: first-stage commitments",
            ("with", "site", "accelerator", "pricing", "from", "accelerators", "committed $M"),
            tuple(
                (
                    str(r["provider"]),
                    str(r["site"]),
                    str(r["accelerator"]),
                    str(r["pricing"]),
                    str(r["month"]),
                    round(float(r["accelerators"]), 1),
                    round(float(r["usd_committed"]) / 1e6, 3),
                )
                for r in records(commitments)
            ),
            "Reservations and builds starting before the decision month, shared by every "
            "future; committed is nominal USD at the scenario's written prices.",
        )
    ]
    d = s["cost_distribution"]
    figures = [
        ("objective (risk-adjusted)", s["objective_usd"]),
        ("expected cost + lost revenue", s["expected_cost_usd"]),
        ("cost, 5%", d["p5"]),
        ("cost, median", d["p50"]),
        ("cost, 95%", d["p95"]),
        (f"CVaR at {s['risk']['cvar_alpha']:g}", d["cvar"]),
        ("mean-value plan (EEV)", s["mean_value_objective_usd"]),
        ("VSS", s["vss_usd"]),
        ("wait-and-see (WS)", s["wait_and_see_objective_usd"]),
        ("EVPI", s["evpi_usd"]),
    ]
    tables.append(
        TableSpec(
            "decide_figures",
            "What it is worth",
            ("figure", "$M (PV)"),
            tuple((name, round(float(v) / 1e6, 4)) for name, v in figures),
            "VSS = EEV - objective; EVPI = objective - WS; both use the same risk measure.",
        )
    )
    regret = s.get("regret") or []
    if regret:
        tables.append(
            TableSpec(
                "decide_regret",
                "Regret of each min-spend commitment",
                ("contract", "clause", "with", "expected $M", "p95 $M", "max $M", "P(>0)"),
                tuple(
                    (
                        str(r["contract"]),
                        int(r["clause_index"]),
                        str(r["counterparty"]),
                        round(float(r["expected_regret_usd"]) / 1e6, 3),
                        round(float(r["p95_regret_usd"]) / 1e6, 3),
                        round(float(r["max_regret_usd"]) / 1e6, 3),
                        fmt.pct(float(r["probability_of_regret"])),
                    )
                    for r in regret
                ),
                "Objective with minus without the clause in each future's wait-and-see plan.",
            )
        )
    return tables


def decide_content(results: ResultSet) -> ReportContent:
    """Summary, charts, tables and notes of a decision report."""
    s = results.summary
    meta = [
        f"{s['futures']} futures, seed {s.get('seed')}",
        f"solved by {_METHODS.get(str(s['method']), str(s['method']))} ({s['status']})",
        f"in {float(s['seconds']['total_s']):.0f}s",
        f"source {s.get('source', '?')}",
    ]
    notes = [
        "First stage: reservations and builds starting before the decision month (and "
        "the site of a training run that opens before it), shared by every future. "
        "Costs are the planner's objective over the months it solves, tail included.",
    ]
    charts = [c for c in (_cost_chart(results), _regret_chart(results)) if c is not None]
    return ReportContent(
        results=results,
        title=f"Decision report: {results.name}",
        meta=meta,
        summary=_summary(results),
        charts=charts,
        tables=_tables(results),
        notes=notes,
    )
