"""Planner commands: plan and clauses."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich.text import Text

from gigawatt.cli.app import guarded
from gigawatt.cli.output import (
    ReportOption,
    compact_table,
    console,
    plain,
    print_json,
    print_problems,
    print_year_tables,
    progress_eta,
    solve_progress_text,
    status,
    table,
)
from gigawatt.cli.runs import FileArg, exit_unproven
from gigawatt.scenario.clause_text import clause_label

if TYPE_CHECKING:
    from gigawatt.plan import Plan, SolveOptions
    from gigawatt.plan.clauses import ClauseCost
    from gigawatt.report.tables import TableSpec
    from gigawatt.scenario import Scenario

__all__ = ["register"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
TimeLimit = Annotated[float | None, typer.Option("--time-limit", help="Solver limit, seconds.")]
MipGap = Annotated[float | None, typer.Option("--mip-gap", help="Relative MIP gap to stop at.")]
FundedOpt = Annotated[
    bool,
    typer.Option(
        "--funded",
        help="The plan must be funded: cash (cash basis) stays above finance.cash_floor_usd "
        "every month, drawing on the scenario's equity, debt and vendor financing "
        "(docs/funding.md). Same as finance.funded: true.",
    ),
]
NodeLimit = Annotated[
    int | None,
    typer.Option(
        "--node-limit",
        min=1,
        help="Most branch-and-bound nodes (HiGHS mip_max_nodes); stops at the same point "
        "on every machine, unlike --time-limit.",
    ),
]


def _options(
    time_limit: float | None,
    mip_gap: float | None,
    strict: bool = False,
    export_mps: Path | None = None,
    duals: bool = True,
    node_limit: int | None = None,
) -> SolveOptions:
    from gigawatt.plan import SolveOptions

    return SolveOptions(
        time_limit_s=time_limit,
        mip_gap=mip_gap,
        allow_shortfall=not strict,
        export_mps=export_mps,
        duals=duals,
        node_limit=node_limit,
    )


def _unproven(result: Plan) -> str | None:
    """The warning for a plan a solver limit stopped before optimality was proven."""
    s = result.summary
    if s["status"] == "optimal":
        return None
    limit = {"time_limit": "time limit", "node_limit": "node limit"}.get(s["status"], s["status"])
    gap = s.get("mip_gap")
    gap_text = f"a MIP gap of {gap:.2%}" if gap is not None else "no proof of optimality"
    return (
        f"the solver stopped at its {limit} with {gap_text}: the plan is the best found, "
        "not a proven optimum (its objective may be up to the gap above the optimum). "
        "Raise --time-limit or --node-limit, or accept the gap with --mip-gap."
    )


def _print_answer(spec: TableSpec) -> None:
    """The answer block, its years split over several tables to fit the terminal."""
    print_year_tables(spec.title, spec.columns, spec.rows)
    console.print(Text(spec.note, style="dim"))


def _print_plan(result: Plan) -> None:
    from gigawatt.report.answer import answer_table

    s = result.summary
    gap = f", gap {s['mip_gap']:.2%}" if s.get("mip_gap") else ""
    head = Text(str(s["scenario"]), style="bold")
    head.append(
        f": {s['status']}{gap} ({s['variables']:,} variables, {s['binaries']} binaries; "
        f"built in {s['build_seconds']:.1f}s, solved in {s['solve_seconds']:.1f}s)"
    )
    console.print(head)
    figures = result.figures()
    console.print(
        compact_table(
            "By provider and year",
            ["year", "provider", "in use k (mean)", "GW (peak)", "spend $B", "MW share"],
            [
                [
                    str(r["year"]),
                    str(r["provider"]),
                    r["accelerators"] / 1e3,
                    r["gw"],
                    r["spend_usd"] / 1e9,
                    f"{r['supply_share']:.0%}",
                ]
                for r in figures.by_provider.to_dict("records")
            ],
            numeric_from=2,
        )
    )
    has_cash = "min_cash_usd" in s
    console.print(
        compact_table(
            "Money and shortfall by year (nominal; lost revenue: present value)",
            ["year", "spend $B", "revenue $B", "lost rev. $B", "short FLOP", "cash $B"],
            [
                [
                    str(r["year"]),
                    r["spend_usd"] / 1e9,
                    r["revenue_usd"] / 1e9,
                    r["lost_revenue_usd"] / 1e9,
                    r["shortfall_flop"],
                    r["cash_usd"] / 1e9 if has_cash else "",
                ]
                for r in figures.by_year.to_dict("records")
            ],
        )
    )
    console.print(
        f"objective ${s['objective_usd'] / 1e9:,.1f}B = cost ${s['cost_usd'] / 1e9:,.1f}B "
        f"+ lost revenue ${s['lost_revenue_usd'] / 1e9:,.1f}B "
        f"+ penalties ${s['penalty_usd'] / 1e9:,.1f}B (present values)",
        markup=False,
    )
    console.print(_beyond_horizon_line(s), markup=False)
    if s.get("funded"):
        _print_funding(result)
    answer = answer_table(figures)
    if answer is not None:
        _print_answer(answer)


def _print_funding(result: Plan) -> None:
    """The funded plan's answers: funding needed and its cost by year, revenue lost."""
    from gigawatt.report import fmt

    s = result.summary
    needed = s["funding_needed_by_year"]
    cost = s["financing_cost_by_year"]
    console.print(
        compact_table(
            "Funding drawn by year (nominal; cost: present value)",
            ["year", "drawn", "cost"],
            [[str(y), fmt.usd(needed[y]), fmt.usd(cost.get(y, 0.0))] for y in sorted(needed)],
        )
    )
    lost = s.get("lost_revenue_to_funding_usd")
    lost_text = f"; revenue lost to the funding limits {fmt.usd(lost)}" if lost is not None else ""
    console.print(
        f"funded: cash (cash basis) >= floor every month; financing cost "
        f"{fmt.usd(s['financing_cost_usd'])}{lost_text}; lowest cash "
        f"{fmt.usd(s['min_cash_usd'])} in {s['min_cash_month']}",
        markup=False,
    )


def _beyond_horizon_line(summary: dict[str, Any]) -> str:
    """One line on the commitments that run past the horizon (plan/commitments.py)."""
    from gigawatt.report import fmt

    rows = summary.get("committed_beyond_horizon") or []
    if not rows:
        return f"committed beyond the horizon ({summary['horizon']['end']}): nothing"
    usd = fmt.usd(float(summary["committed_beyond_horizon_usd"]))
    months = fmt.count(float(summary["committed_beyond_horizon_accelerator_months"]))
    return (
        f"committed beyond the horizon ({summary['horizon']['end']}): {usd}, "
        f"{months} accelerator-months, {len(rows)} commitment{'s' if len(rows) != 1 else ''}"
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
    node_limit: NodeLimit = None,
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
    market: Annotated[
        str | None,
        typer.Option(
            "--market",
            help="Plan with the market: the lab's total H100e and MW capped by what this "
            "market (file or built-in, e.g. market-2025) clears for it; also solves the "
            "plan without it and prints both.",
        ),
    ] = None,
    funded: FundedOpt = False,
) -> None:
    """Find the cheapest contract-compliant plan (default scenario when FILE is omitted)."""
    from gigawatt.plan import plan
    from gigawatt.plan.fundedplan import funded_plan, with_funded
    from gigawatt.scenario import load_scenario

    scenario = load_scenario(file)
    unlimited = scenario
    if market is not None:
        from gigawatt.market.couple import limit_by_market

        scenario = limit_by_market(scenario, market).scenario
    if funded:
        scenario = with_funded(scenario)
    must_fund = scenario.finance is not None and scenario.finance.funded
    solver = funded_plan if must_fund else plan
    if not as_json:
        print_problems(scenario.warnings)
    options = _options(time_limit, mip_gap, strict_demand, export_mps, duals, node_limit)
    if as_json:
        result = solver(scenario, options)
    else:
        what = f"Solving {scenario.name} with HiGHS..."
        with status(what) as spinner:
            result = solver(
                scenario,
                options,
                progress=lambda p: spinner.update(plain(f"{what} {solve_progress_text(p)}")),
            )
    if out is not None:
        result.save(out, csv=csv)
        if report:
            from gigawatt.report import write_default_report

            write_default_report(out, scenario=scenario)
    warning = _unproven(result)
    versus = None
    if market is not None:
        from gigawatt.market.versus import plan_versus

        if funded:
            unlimited = with_funded(unlimited)
        plain_options = replace(options, duals=False, export_mps=None)
        if as_json:
            without = solver(unlimited, plain_options)
        else:
            with status(f"Solving {unlimited.name} without the market..."):
                without = solver(unlimited, plain_options)
        versus = plan_versus(without.summary, result.summary)
    if as_json:
        data = result.to_json()
        if warning is not None:
            data["solver_warning"] = warning
        if versus is not None:
            data["market"] = {"name": market, "versus": versus}
        print_json(data)
    else:
        _print_plan(result)
        if versus is not None:
            from gigawatt.market.versus import versus_line

            console.print(versus_line(str(market), versus), markup=False)
        if out is not None:
            written = (
                "tables, summary.json and report.html" if report else "tables and summary.json"
            )
            console.print(f"{written} written to {out}")
    exit_unproven(warning, as_json=as_json)


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
    funded: FundedOpt = False,
) -> None:
    """Cost of each contract clause: the optimum with it minus the optimum without it.

    A funded plan (``--funded`` or ``finance.funded``) also prices each financing limit:
    what one more dollar of it is worth (the duals of the limits, summed over months).
    """
    from gigawatt.plan.clauses import clause_costs
    from gigawatt.plan.fundedplan import with_funded
    from gigawatt.scenario import load_scenario

    scenario = load_scenario(file)
    if funded:
        scenario = with_funded(scenario)
    options = _options(time_limit, mip_gap, duals=False)
    backend: Literal["processes", "ray"] = "ray" if ray or address else "processes"
    limits = _financing_limits(scenario, time_limit, mip_gap)
    if as_json:
        costs = clause_costs(
            scenario, options, processes=processes, backend=backend, address=address
        )
        data: dict[str, Any] = {"scenario": scenario.name, "clauses": [c.to_dict() for c in costs]}
        if limits is not None:
            data["financing_limits"] = limits.to_dict(orient="records")
        print_json(data)
        return
    started = time.perf_counter()
    state: dict[str, Any] = {"line": "Solving the plan with every clause..."}

    def clauses_done(done: int, total: int) -> None:
        elapsed = time.perf_counter() - started
        state["line"] = progress_eta("Re-solved without a clause:", done, total, elapsed)
        spinner.update(plain(state["line"]))

    with status(state["line"]) as spinner:
        costs = clause_costs(
            scenario,
            options,
            processes=processes,
            progress=clauses_done,
            backend=backend,
            address=address,
            solve_progress=lambda p: spinner.update(
                plain(f"{state['line']}; {solve_progress_text(p)}")
            ),
        )
    console.print(
        table(
            f"Clause costs for {scenario.name} (present value, objective with minus without)",
            ["contract", "clause", "counterparty", "cost $B"],
            [
                [c.contract, _clause_text(scenario, c), c.counterparty, c.cost_usd / 1e9]
                for c in costs
            ],
        )
    )
    if limits is not None:
        console.print(
            table(
                f"Financing limits of {scenario.name} (present value of one more dollar, "
                "summed over the months it binds)",
                ["limit", "instrument", "$ per $", "months binding"],
                [
                    [r["kind"], r["instrument"], r["value_usd_per_usd"], r["binding_months"]]
                    for r in limits.to_dict(orient="records")
                ],
            )
        )


def _financing_limits(scenario: Scenario, time_limit: float | None, mip_gap: float | None) -> Any:
    """Per financing limit, its value (a solve with duals), or None when not funded."""
    if scenario.finance is None or not scenario.finance.funded:
        return None
    from gigawatt.plan import plan
    from gigawatt.plan.fundedplan import financing_limit_values

    return financing_limit_values(plan(scenario, _options(time_limit, mip_gap)))


def _clause_text(scenario: Scenario, cost: ClauseCost) -> str:
    contract = next(c for c in scenario.contracts if c.name == cost.contract)
    return clause_label(cost.clause_index, contract.clauses[cost.clause_index])


def register(app: typer.Typer) -> None:
    """Add the planner commands to the application."""
    app.command("plan")(plan_command)
    app.command("clauses")(clauses_command)
