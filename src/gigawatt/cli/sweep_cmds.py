"""The ``sweep`` command: many full plans of sampled scenarios, on Ray by default."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from gigawatt.cli.app import guarded
from gigawatt.cli.output import (
    console,
    err_console,
    print_json,
    print_problems,
    progress_text,
    say,
    styled,
    table,
)
from gigawatt.errors import GigawattError, InputError
from gigawatt.plan import SolveOptions
from gigawatt.scenario import load_scenario
from gigawatt.sweep import Sweep, run_sweep
from gigawatt.sweep.task import SampleRecord

__all__ = ["register", "sweep_command"]

FileArg = Annotated[
    str | None, typer.Argument(help="Scenario file or built-in name (default scenario if omitted).")
]


def _range(d: Mapping[Any, Any], scale: float, digits: int = 2) -> str:
    p5, p50, p95 = (d[k] / scale for k in ("p5", "p50", "p95"))
    return f"{p50:,.{digits}f} [{p5:,.{digits}f}, {p95:,.{digits}f}]"


def _print_sweep(result: Sweep) -> None:
    s = result.summary
    rate = s.get("samples_per_second") or 0.0
    where = s["backend"] if s["backend"] == "serial" else f"Ray, {s['workers']} CPU(s)"
    say(
        styled(s["scenario"], "bold"),
        f": {s['samples']:,} samples (seed {s['seed']}) on {where}; "
        f"{s['solved']:,} solved, {s['failed']:,} failed; {s['seconds']:.1f}s "
        f"({rate:.2f} samples/s)",
    )
    dist = result.tables["distributions"]
    names = {
        "objective_usd": ("objective $B (PV)", 1e9),
        "cost_usd": ("cost $B (PV)", 1e9),
        "lost_revenue_usd": ("lost revenue $B (PV)", 1e9),
        "revenue_share_usd": ("revenue share $B (PV)", 1e9),
        "shortfall_flop": ("shortfall 1e24 FLOP", 1e24),
    }
    rows = []
    for q, (label, scale) in names.items():
        row = dist[dist["quantity"] == q].iloc[0]
        if int(row["n"]):
            rows.append([label, _range(row.to_dict(), scale), float(row["mean"]) / scale])
    console.print(table("Across solved samples: median [5%, 95%]", ["", "value", "mean"], rows))
    gw = dist[dist["quantity"] == "gw"]
    if len(gw):
        console.print(
            table(
                "Peak GW installed by provider and year: median [5%, 95%]",
                ["provider", "year", "GW"],
                [[r["provider"], r["year"], _range(r, 1.0, 3)] for r in gw.to_dict("records")],
            )
        )
    clauses = dist[dist["quantity"] == "clause_cost_usd"]
    if len(clauses):
        console.print(
            table(
                "Clause costs, $M (PV): median [5%, 95%]",
                ["contract", "clause", "type", "counterparty", "cost $M"],
                [
                    [r["contract"], r["clause_index"], r["type"], r["provider"], _range(r, 1e6)]
                    for r in clauses.to_dict("records")
                ],
            )
        )
    failed = result.failed
    if len(failed):
        console.print(
            table(
                f"Failed samples ({len(failed)}): no plan, not in the distributions",
                ["sample", "status", "message"],
                [
                    [int(r["sample"]), r["status"], str(r["message"]).splitlines()[0]]
                    for r in failed.to_dict("records")
                ],
            )
        )


@guarded
def sweep_command(
    file: FileArg = None,
    samples: Annotated[int, typer.Option("--samples", "-n", help="Number of samples.")] = 100,
    seed: Annotated[int, typer.Option("--seed", help="Seed; same seed, same samples.")] = 0,
    address: Annotated[
        str | None,
        typer.Option("--address", help="Ray cluster address (default: start a local Ray)."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="CPUs of the local Ray (default: all).")
    ] = None,
    serial: Annotated[
        bool, typer.Option("--serial", help="Solve in this process, one after another (no Ray).")
    ] = False,
    clauses: Annotated[
        bool, typer.Option("--clauses", help="Also cost every clause in every sample.")
    ] = False,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="Solver limit per solve, seconds.")
    ] = None,
    mip_gap: Annotated[
        float | None, typer.Option("--mip-gap", help="Relative MIP gap to stop at.")
    ] = None,
    strict_demand: Annotated[
        bool, typer.Option("--strict-demand", help="Serve all demand or record infeasible.")
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write Parquet tables and summary.json here.")
    ] = None,
    report: Annotated[
        bool, typer.Option("--report/--no-report", help="Write report.html with --out.")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Solve sampled scenarios with the full planner (Ray tasks) and report distributions."""
    if serial and address:
        raise InputError("--serial runs without Ray; drop --address or --serial")
    scenario = load_scenario(file)
    if not as_json:
        print_problems(scenario.warnings)
    options = SolveOptions(
        time_limit_s=time_limit, mip_gap=mip_gap, allow_shortfall=not strict_demand, duals=False
    )
    with Progress(
        progress_text(),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=as_json,
    ) as bar:
        task = bar.add_task("Solving samples", total=samples)
        failed = 0

        def tick(done: int, total: int, record: SampleRecord) -> None:
            nonlocal failed
            failed += not record.solved
            note = f" ({failed} failed)" if failed else ""
            bar.update(task, completed=done, total=total, description=f"Solving samples{note}")

        result = run_sweep(
            scenario,
            samples=samples,
            seed=seed,
            options=options,
            backend="serial" if serial else "ray",
            address=address,
            workers=workers,
            clauses=clauses,
            progress=tick,
        )
    if out is not None:
        result.save(out)
        if report:
            from gigawatt.report import write_report

            write_report(out)
    error = None
    if result.summary["solved"] == 0:
        error = (
            f"none of the {samples} samples was solved (see the failed samples); "
            "drop --strict-demand, raise --time-limit or check the uncertainty ranges"
        )
    if as_json:
        data = {"status": "ok" if error is None else "error", **result.to_json()}
        if error is not None:
            data["error"] = error
        data["out"] = None if out is None else str(out)
        print_json(data)
        if error is not None:
            raise typer.Exit(1)
        return
    _print_sweep(result)
    if out is not None:
        written = "tables, summary.json and report.html" if report else "tables, summary.json"
        console.print(f"{written} written to {out}")
    if error is not None:
        raise GigawattError(error)


def register(app: typer.Typer) -> None:
    """Add the ``sweep`` command to the application."""
    app.command("sweep")(sweep_command)
