"""Planner commands: plan and clauses."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from gigawatt.cli.app import guarded
from gigawatt.cli.output import (
    ReportOption,
    console,
    err_console,
    print_json,
    print_problems,
    progress_text,
    solve_progress_text,
    table,
)
from gigawatt.plan import Plan, SolveOptions, plan
from gigawatt.plan.clauses import clause_costs
from gigawatt.scenario import load_scenario

__all__ = ["register"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
FileArg = Annotated[
    str | None, typer.Argument(help="Scenario file or built-in name (default scenario if omitted).")
]
TimeLimit = Annotated[float | None, typer.Option("--time-limit", help="Solver limit, seconds.")]
MipGap = Annotated[float | None, typer.Option("--mip-gap", help="Relative MIP gap to stop at.")]


def _options(
    time_limit: float | None,
    mip_gap: float | None,
    strict: bool = False,
    export_mps: Path | None = None,
    duals: bool = True,
) -> SolveOptions:
    return SolveOptions(
        time_limit_s=time_limit,
        mip_gap=mip_gap,
        allow_shortfall=not strict,
        export_mps=export_mps,
        duals=duals,
    )


def _print_plan(result: Plan) -> None:
    s = result.summary
    gap = f", gap {s['mip_gap']:.2%}" if s.get("mip_gap") else ""
    console.print(
        f"[bold]{s['scenario']}[/bold]: {s['status']}{gap} "
        f"({s['variables']:,} variables, {s['binaries']} binaries; "
        f"built in {s['build_seconds']:.1f}s, solved in {s['solve_seconds']:.1f}s)",
        markup=True,
    )
    yearly = result.yearly()
    providers = sorted(yearly["provider"].unique())
    rows = []
    for year, grp in yearly.groupby("year"):
        by = grp.set_index("provider")
        rows.append(
            [
                str(year),
                *[
                    f"{by.loc[p, 'accelerators'] / 1e3:,.0f}k / {by.loc[p, 'gw']:.2f} GW"
                    if p in by.index
                    else ""
                    for p in providers
                ],
            ]
        )
    console.print(
        table(
            "Accelerators in use (mean) / GW installed (peak), by provider",
            ["year", *providers],
            rows,
        )
    )
    totals = result.yearly_totals()
    console.print(
        table(
            "Money and shortfall by year (nominal)",
            [
                "year",
                "spend $B",
                "revenue $B",
                "lost revenue $B (PV)",
                "shortfall FLOP",
                "cash at year end $B",
            ],
            [
                [
                    str(r["year"]),
                    r["spend_usd"] / 1e9,
                    r["revenue_usd"] / 1e9,
                    r.get("lost_revenue_usd", 0.0) / 1e9,
                    r.get("shortfall_flop", 0.0),
                    r["cash_usd"] / 1e9,
                ]
                for r in totals.to_dict("records")
            ],
        )
    )
    console.print(
        f"objective ${s['objective_usd'] / 1e9:,.1f}B = cost ${s['cost_usd'] / 1e9:,.1f}B "
        f"+ lost revenue ${s['lost_revenue_usd'] / 1e9:,.1f}B "
        f"+ penalties ${s['penalty_usd'] / 1e9:,.1f}B (present values)"
    )


@guarded
def plan_command(
    file: FileArg = None,
    as_json: JsonOpt = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write tables and summary here.")
    ] = None,
    csv: Annotated[bool, typer.Option("--csv", help="Also write CSV tables with --out.")] = False,
    time_limit: TimeLimit = None,
    mip_gap: MipGap = None,
    export_mps: Annotated[
        Path | None, typer.Option("--export-mps", help="Write the model as MPS.")
    ] = None,
    strict_demand: Annotated[
        bool, typer.Option("--strict-demand", help="Serve all demand or report infeasibility.")
    ] = False,
    duals: Annotated[
        bool, typer.Option("--duals/--no-duals", help="Compute marginal values.")
    ] = True,
    report: ReportOption = True,
) -> None:
    """Find the cheapest contract-compliant plan (default scenario when FILE is omitted)."""
    scenario = load_scenario(file)
    if not as_json:
        print_problems(scenario.warnings)
    options = _options(time_limit, mip_gap, strict_demand, export_mps, duals)
    if as_json:
        result = plan(scenario, options)
    else:
        what = f"Solving {scenario.name} with HiGHS..."
        with err_console.status(what) as status:
            result = plan(
                scenario,
                options,
                progress=lambda p: status.update(f"{what} {solve_progress_text(p)}"),
            )
    if out is not None:
        result.save(out, csv=csv)
        if report:
            from gigawatt.report import write_default_report

            write_default_report(out, scenario=scenario)
    if as_json:
        print_json(result.to_json())
        return
    _print_plan(result)
    if out is not None:
        written = "tables, summary.json and report.html" if report else "tables and summary.json"
        console.print(f"{written} written to {out}")


@guarded
def clauses_command(
    file: FileArg = None,
    as_json: JsonOpt = False,
    processes: Annotated[
        int | None, typer.Option("--processes", help="Parallel re-solves (default: CPUs).")
    ] = None,
    time_limit: TimeLimit = None,
    mip_gap: MipGap = None,
    ray: Annotated[
        bool, typer.Option("--ray", help="Re-solve as Ray tasks (a local Ray unless --address).")
    ] = False,
    address: Annotated[
        str | None, typer.Option("--address", help="Ray cluster address (with --ray).")
    ] = None,
) -> None:
    """Cost of each contract clause: the optimum with it minus the optimum without it."""
    scenario = load_scenario(file)
    options = _options(time_limit, mip_gap, duals=False)
    backend: Literal["processes", "ray"] = "ray" if ray or address else "processes"
    if as_json:
        costs = clause_costs(
            scenario, options, processes=processes, backend=backend, address=address
        )
        print_json({"scenario": scenario.name, "clauses": [c.to_dict() for c in costs]})
        return
    started = time.perf_counter()
    state: dict[str, Any] = {"line": "Solving the plan with every clause..."}

    def clauses_done(done: int, total: int) -> None:
        elapsed = time.perf_counter() - started
        state["line"] = progress_text("Re-solved without a clause:", done, total, elapsed)
        status.update(state["line"])

    with err_console.status(state["line"]) as status:
        costs = clause_costs(
            scenario,
            options,
            processes=processes,
            progress=clauses_done,
            backend=backend,
            address=address,
            solve_progress=lambda p: status.update(f"{state['line']}; {solve_progress_text(p)}"),
        )
    console.print(
        table(
            f"Clause costs for {scenario.name} (present value, objective with minus without)",
            ["contract", "clause", "type", "counterparty", "cost $B"],
            [[c.contract, c.clause_index, c.type, c.counterparty, c.cost_usd / 1e9] for c in costs],
        )
    )


def register(app: typer.Typer) -> None:
    """Add the planner commands to the application."""
    app.command("plan")(plan_command)
    app.command("clauses")(clauses_command)
