"""The ``decide`` command: a two-stage stochastic plan over sampled futures."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from gigawatt.cli.app import guarded
from gigawatt.cli.output import (
    AddressOption,
    JsonOption,
    MipGapOption,
    OutOption,
    ReportOption,
    SamplesOption,
    SeedOption,
    TimeLimitOption,
    WorkersOption,
    console,
    print_json,
    print_problems,
    say,
    styled,
    table,
)
from gigawatt.cli.runs import FileArg, exit_unproven
from gigawatt.errors import InputError

if TYPE_CHECKING:
    from gigawatt.decide import Decision

__all__ = ["decide_command", "register"]

_METHODS = {"extensive": "extensive form", "hedging": "progressive hedging"}


def _print_decision(result: Decision) -> None:
    from gigawatt.report.fmt import count, pct, usd

    s = result.summary
    when = s["second_stage_from"] or "the end of the plan"
    say(
        styled(s["scenario"], "bold"),
        f": {s['futures']} futures, {_METHODS[s['method']]}; {s['status']} in "
        f"{s['seconds']['total_s']:.1f}s",
    )
    frame = result.commitments
    signed = frame[frame["pricing"] != "site"]
    rows = [
        [
            r["provider"],
            r["site"],
            r["accelerator"],
            r["pricing"],
            r["month"],
            count(r["accelerators"]),
            usd(r["usd_committed"]),
        ]
        for r in signed.to_dict("records")
    ]
    console.print(
        table(
            f"Sign now: commitments starting before {when}",
            ["with", "site", "accel", "pricing", "from", "count", "committed"],
            rows or [["nothing", "", "", "", "", "", ""]],
        )
    )
    placed = frame[frame["pricing"] == "site"]
    if len(placed):
        console.print(
            table(
                "Training runs placed now",
                ["run", "site", "with"],
                [[r["offer"], r["site"], r["provider"]] for r in placed.to_dict("records")],
            )
        )
    d = s["cost_distribution"]
    risk = s["risk"]
    figures = [
        ["objective (risk-adjusted)", usd(s["objective_usd"])],
        ["expected cost + lost revenue", usd(s["expected_cost_usd"])],
        ["cost median [5%, 95%]", f"{usd(d['p50'])} [{usd(d['p5'])}, {usd(d['p95'])}]"],
        [f"CVaR {pct(risk['cvar_alpha'])} (weight {risk['cvar_weight']:g})", usd(d["cvar"])],
        ["mean-value plan (EEV)", usd(s["mean_value_objective_usd"])],
        ["VSS: EEV - stochastic", usd(s["vss_usd"])],
        ["wait-and-see (WS)", usd(s["wait_and_see_objective_usd"])],
        ["EVPI: stochastic - WS", usd(s["evpi_usd"])],
    ]
    gap = (s.get("model") or {}).get("mip_gap")
    if gap is not None:
        figures.append(["MIP gap of the stochastic plan", pct(gap, 2)])
    hedged = s.get("hedging") or {}
    if hedged.get("lower_bound_usd") is not None:
        figures.append(["hedging: lower bound", usd(hedged["lower_bound_usd"])])
        figures.append(["hedging: gap (objective - bound)", pct(hedged["gap"], 2)])
    console.print(table("What it is worth (present value)", ["", "value"], figures))
    regret = s["regret"]
    if regret:
        console.print(
            table(
                "Regret of each min-spend commitment across futures",
                ["contract", "clause", "with", "expected", "p95", "P(>0)"],
                [
                    [
                        r["contract"],
                        f"#{r['clause_index'] + 1}",
                        r["counterparty"],
                        usd(r["expected_regret_usd"]),
                        usd(r["p95_regret_usd"]),
                        pct(r["probability_of_regret"]),
                    ]
                    for r in regret
                ],
            )
        )


def _unproven(result: Decision) -> str | None:
    """The warning for a stochastic plan stopped before its optimum was proven."""
    s = result.summary
    if s["status"] == "optimal":
        return None
    if s["status"] == "not_converged":
        h = s["hedging"]
        return (
            f"progressive hedging stopped after {h['iterations']} iterations with the "
            f"futures' first stages {h['spread_kacc']:.3g} thousand accelerators apart: the "
            "commitments are their mean, not a proven optimum. Use the extensive form "
            "(drop --hedging)."
        )
    gap = (s.get("model") or {}).get("mip_gap")
    gap_text = f"a MIP gap of {gap:.2%}" if gap is not None else "no proof of optimality"
    return (
        f"the solver stopped at its {s['status'].replace('_', ' ')} with {gap_text}: the "
        "commitments are the best found, not a proven optimum. Raise --time-limit, or "
        "accept the gap with --mip-gap."
    )


@guarded
def decide_command(
    file: FileArg = None,
    samples: SamplesOption = 10,
    seed: SeedOption = 0,
    decision_months: Annotated[
        int,
        typer.Option(
            "--decision-months", help="Commitments starting in these first months are decided now."
        ),
    ] = 12,
    cvar_alpha: Annotated[
        float, typer.Option("--cvar-alpha", help="CVaR level (0.95: worst 5%).")
    ] = 0.95,
    cvar_weight: Annotated[
        float, typer.Option("--cvar-weight", help="Weight of CVaR in the objective, 0..1.")
    ] = 0.0,
    hedging: Annotated[
        bool, typer.Option("--hedging", help="Progressive hedging instead of the extensive form.")
    ] = False,
    rho: Annotated[
        float, typer.Option("--rho", help="Factor on hedging's cost-proportional penalties.")
    ] = 1.0,
    hedging_iterations: Annotated[
        int, typer.Option("--hedging-iterations", help="Most hedging iterations.")
    ] = 200,
    ray: Annotated[
        bool, typer.Option("--ray", help="Solve per-future plans on Ray (tasks and actors).")
    ] = False,
    address: AddressOption = None,
    workers: WorkersOption = None,
    regret: Annotated[
        bool,
        typer.Option("--regret/--no-regret", help="Cost each min-spend commitment per future."),
    ] = True,
    time_limit: TimeLimitOption = None,
    mip_gap: MipGapOption = None,
    out: OutOption = None,
    report: ReportOption = True,
    as_json: JsonOption = False,
) -> None:
    """Decide what to commit now across sampled futures: a two-stage stochastic plan."""
    if address and not ray:
        raise InputError("--address is for Ray; add --ray or drop --address")
    from gigawatt.decide import HedgingOptions, Risk, decide
    from gigawatt.plan import SolveOptions
    from gigawatt.scenario import load_scenario

    scenario = load_scenario(file)
    if not as_json:
        print_problems(scenario.warnings)
    result = decide(
        scenario,
        samples=samples,
        seed=seed,
        decision_months=decision_months,
        risk=Risk(cvar_alpha, cvar_weight),
        options=SolveOptions(time_limit_s=time_limit, mip_gap=mip_gap, duals=False),
        method="hedging" if hedging else "extensive",
        backend="ray" if ray else "serial",
        address=address,
        workers=workers,
        regret=regret,
        hedging=HedgingOptions(rho=rho, max_iterations=hedging_iterations),
    )
    if out is not None:
        result.save(out)
        if report:
            from gigawatt.report import write_report

            write_report(out)
    warning = _unproven(result)
    if as_json:
        data = {**result.to_json(), "out": None if out is None else str(out)}
        if warning is not None:
            data["solver_warning"] = warning
        print_json(data)
    else:
        _print_decision(result)
        if out is not None:
            written = "tables, summary.json and report.html" if report else "tables, summary.json"
            console.print(f"{written} written to {out}")
    exit_unproven(warning, as_json=as_json)


def register(app: typer.Typer) -> None:
    """Add the ``decide`` command to the application."""
    app.command("decide")(decide_command)
