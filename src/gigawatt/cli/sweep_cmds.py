"""The ``sweep`` command: many full plans of sampled scenarios, on Ray by default."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

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
from gigawatt.cli.runs import FileArg, counted_progress
from gigawatt.errors import GigawattError, InputError

if TYPE_CHECKING:
    from gigawatt.sweep import Sweep
    from gigawatt.sweep.task import SampleRecord

__all__ = ["register", "sweep_command"]


def _range(d: Mapping[Any, Any], scale: float, digits: int = 2, *, spec: str = "") -> str:
    """``median [p5, p95]`` in one unit: fixed decimals, or a format ``spec`` (``.3g``)."""
    fmt = spec or f",.{digits}f"
    p5, p50, p95 = (format(d[k] / scale, fmt) for k in ("p5", "p50", "p95"))
    return f"{p50} [{p5}, {p95}]"


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
    # label, scale, number format: money in $B, FLOP as powers of ten (3.67e+29)
    names = {
        "objective_usd": ("objective $B (PV)", 1e9, ",.2f"),
        "cost_usd": ("cost $B (PV)", 1e9, ",.2f"),
        "lost_revenue_usd": ("lost revenue $B (PV)", 1e9, ",.2f"),
        "revenue_share_usd": ("revenue share $B (PV)", 1e9, ",.2f"),
        "shortfall_flop": ("training and inference shortfall, FLOP", 1.0, ".3g"),
        # funded samples only (finance.funded)
        "funding_needed_usd": ("funding drawn $B", 1e9, ",.2f"),
        "financing_cost_usd": ("financing cost $B (PV)", 1e9, ",.2f"),
        "lost_revenue_to_funding_usd": ("revenue lost to funding $B (PV)", 1e9, ",.2f"),
        "min_cash_usd": ("lowest cash $B", 1e9, ",.2f"),
    }
    rows = []
    for q, (label, scale, spec) in names.items():
        found = dist[dist["quantity"] == q]
        if found.empty:
            continue
        row = found.iloc[0]
        if int(row["n"]):
            mean = format(float(row["mean"]) / scale, spec)
            rows.append([label, _range(row.to_dict(), scale, spec=spec), mean])
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
                ["contract", "clause", "counterparty", "cost $M"],
                [
                    [
                        r["contract"],
                        f"#{int(r['clause_index']) + 1} {str(r['type']).replace('_', ' ')}",
                        r["provider"],
                        _range(r, 1e6),
                    ]
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
    samples: SamplesOption = 100,
    seed: SeedOption = 0,
    address: AddressOption = None,
    workers: WorkersOption = None,
    serial: Annotated[
        bool, typer.Option("--serial", help="Solve in this process, one after another (no Ray).")
    ] = False,
    clauses: Annotated[
        bool, typer.Option("--clauses", help="Also cost every clause in every sample.")
    ] = False,
    time_limit: TimeLimitOption = None,
    mip_gap: MipGapOption = None,
    strict_demand: Annotated[
        bool, typer.Option("--strict-demand", help="Serve all demand or record infeasible.")
    ] = False,
    out: OutOption = None,
    report: ReportOption = True,
    as_json: JsonOption = False,
    market: Annotated[
        str | None,
        typer.Option(
            "--market",
            help="Sweep with the market (file or built-in, e.g. market-2025): every sample's "
            "total capped by what it clears for the lab; also sweeps without it and prints both.",
        ),
    ] = None,
) -> None:
    """Solve sampled scenarios with the full planner (Ray tasks) and report distributions."""
    if serial and address:
        raise InputError("--serial runs without Ray; drop --address or --serial")
    from gigawatt.plan import SolveOptions
    from gigawatt.scenario import load_scenario
    from gigawatt.sweep import run_sweep

    scenario = load_scenario(file)
    unlimited = scenario
    if market is not None:
        from gigawatt.market.couple import limit_by_market

        scenario = limit_by_market(scenario, market).scenario
    if not as_json:
        print_problems(scenario.warnings)
    options = SolveOptions(
        time_limit_s=time_limit, mip_gap=mip_gap, allow_shortfall=not strict_demand, duals=False
    )
    with counted_progress(disable=as_json) as bar:
        task = bar.add_task("Solving samples", total=samples)
        failed = 0

        def tick(done: int, total: int, record: SampleRecord) -> None:
            nonlocal failed
            failed += not record.solved
            note = f" ({failed} failed)" if failed else ""
            bar.update(task, completed=done, total=total, description=f"Solving samples{note}")

        settings: dict[str, Any] = {
            "samples": samples,
            "seed": seed,
            "options": options,
            "backend": "serial" if serial else "ray",
            "address": address,
            "workers": workers,
            "clauses": clauses,
        }
        result = run_sweep(scenario, progress=tick, **settings)
        versus = None
        if market is not None:
            from gigawatt.market.versus import sweep_versus

            failed = 0
            bar.update(task, completed=0, description="Solving samples without the market")
            without = run_sweep(unlimited, progress=tick, **settings)
            versus = sweep_versus(without.tables["distributions"], result.tables["distributions"])
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
        if versus is not None:
            data["market"] = {"name": market, "versus": versus}
        print_json(data)
        if error is not None:
            raise typer.Exit(1)
        return
    _print_sweep(result)
    if versus is not None:
        from gigawatt.market.versus import versus_line

        console.print(versus_line(str(market), versus), markup=False)
    if out is not None:
        written = "tables, summary.json and report.html" if report else "tables, summary.json"
        console.print(f"{written} written to {out}")
    if error is not None:
        raise GigawattError(error)


def register(app: typer.Typer) -> None:
    """Add the ``sweep`` command to the application."""
    app.command("sweep")(sweep_command)
