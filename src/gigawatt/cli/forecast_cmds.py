"""The ``forecast`` command: Monte Carlo over the scenario's uncertain inputs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gigawatt.cli.app import guarded
from gigawatt.cli.output import (
    ReportOption,
    console,
    err_console,
    print_json,
    print_problems,
    say,
    styled,
    table,
)
from gigawatt.cli.runs import FileArg, counted_progress
from gigawatt.forecast.options import DEFAULT_CHUNK, DEFAULT_MEMORY_MB

if TYPE_CHECKING:
    from gigawatt.forecast.result import Forecast
    from gigawatt.market.withforecast import MarketForecast

__all__ = ["forecast_command", "register"]

DEFAULT_WORKERS = min(4, os.cpu_count() or 1)
PROGRESS_MIN_CELLS = 2_000_000
"""Show a progress bar when samples x months reach this (shorter runs finish at once)."""


def _year_ends(result: Forecast) -> list[str]:
    months = [str(m) for m in result.probabilities["month"]]
    ends = [m for m in months if m.endswith("-12")]
    if not ends or ends[-1] != months[-1]:
        ends.append(months[-1])
    return ends


def _num(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _cell(result: Forecast, quantity: str, month: str, scale: float) -> str:
    try:
        row = result.band(quantity).loc[month, ["p5", "p50", "p95"]].to_numpy(dtype=float)
    except KeyError:
        return ""
    p5, p50, p95 = (float(v) / scale for v in row)
    if p5 == p95:
        return _num(p50)
    return f"{_num(p50)} [{_num(p5)}, {_num(p95)}]"


def _print_forecast(result: Forecast) -> None:
    s = result.summary
    say(
        styled(s["scenario"], "bold"),
        f": {s['samples']:,} samples (seed {s['seed']}), "
        f"{s['months']['start']}..{s['months']['end']}, {len(s['parameters'])} uncertain "
        f"input(s); bands {s['quantile_method']}; {s['seconds']:.1f}s",
    )
    probs = result.probabilities
    labels = [str(m) for m in probs["month"]]
    short = dict(zip(labels, probs["p_demand_exceeds_supply"].to_numpy(dtype=float), strict=True))
    broke = dict(zip(labels, probs["p_cash_negative_by_month"].to_numpy(dtype=float), strict=True))
    ends = _year_ends(result)
    by_year = s.get("p_cash_negative_by_year") or {}
    console.print(
        table(
            "Compute at each year end: median, 5-95% range in brackets",
            ["month", "demand GW", "supply GW", "gap EFLOP/s", "P(short)"],
            [
                [
                    str(m),
                    _cell(result, "demand_mw", m, 1e3),
                    _cell(result, "supply_mw", m, 1e3),
                    _cell(result, "gap_flops", m, 1e18),
                    f"{short[m]:.0%}",
                ]
                for m in ends
            ],
        )
    )
    console.print(
        table(
            "Money at each year end: median, 5-95% range in brackets",
            ["month", "spend $B/mo", "revenue $B/mo", "cash $B", "P(<floor) year", "so far"],
            [
                [
                    str(m),
                    _cell(result, "spend_usd", m, 1e9),
                    _cell(result, "revenue_usd", m, 1e9),
                    _cell(result, "cash_usd", m, 1e9),
                    f"{by_year[m[:4]]:.0%}" if by_year else "",
                    f"{broke[m]:.0%}" if s["finance"] else "",
                ]
                for m in ends
            ],
        )
    )
    funding = s.get("funding_needed_usd")
    if funding:
        from gigawatt.report import fmt

        floor = fmt.usd(float(s.get("cash_floor_usd") or 0.0))
        console.print(
            f"Funding gap (to keep cash >= the {floor} floor): p5 "
            f"${funding['p5'] / 1e9:,.1f}B, p50 ${funding['p50'] / 1e9:,.1f}B, "
            f"p90 ${funding['p90'] / 1e9:,.1f}B, p95 ${funding['p95'] / 1e9:,.1f}B; "
            f"P(cash < floor in some month) {s['p_cash_negative_any_month']:.0%}",
            markup=False,
        )
    console.print(
        f"P(demand exceeds contracted supply in some month): "
        f"{s['p_demand_exceeds_supply_any_month']:.0%}"
    )
    _print_structure(s)
    sens = result.sensitivity
    if len(sens):
        top = sens[sens["rank"] <= 5]
        console.print(
            table(
                f"Sensitivity (Spearman, first {s['sensitivity_samples']:,} samples)",
                ["output", "rank", "input", "rho"],
                [
                    [r["output"], int(r["rank"]), r["parameter"], float(r["spearman"])]
                    for r in top.to_dict("records")
                ],
            )
        )


def _print_structure(s: dict[str, Any]) -> None:
    """Structural gaps (short in every sample) and P(short) per year, with and without."""
    if "structural_gaps" not in s:  # a forecast saved before they existed
        return
    gaps = s["structural_gaps"]
    console.print(
        "P(demand exceeds contracted supply in some month), structural gaps aside: "
        f"{s['p_demand_exceeds_supply_any_month_excluding_structural']:.0%}"
    )
    if gaps:
        console.print(
            table(
                "Structural gaps: short in every sample (scenario steps, not chance)",
                ["month", "workloads", "may use", "gap EFLOP/s (min)", "gap EFLOP/s (mean)"],
                [
                    [
                        g["month"],
                        ", ".join(g["workloads"]),
                        ", ".join(g["providers"]),
                        _num(g["gap_flops_min"] / 1e18),
                        _num(g["gap_flops_mean"] / 1e18),
                    ]
                    for g in gaps
                ],
            )
        )
    by_year = s["p_demand_exceeds_supply_by_year"]
    aside = s["p_demand_exceeds_supply_by_year_excluding_structural"]
    console.print(
        table(
            "P(demand exceeds contracted supply in some month of the year)",
            ["year", "P(short)", "structural gaps aside"],
            [[y, f"{by_year[y]:.0%}", f"{aside[y]:.0%}"] for y in by_year],
        )
    )


@guarded
def forecast_command(
    file: FileArg = None,
    samples: Annotated[int, typer.Option("--samples", "-n", help="Number of samples.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Seed; same seed, same results.")] = 0,
    chunk: Annotated[
        int, typer.Option("--chunk", help="Samples evaluated at once (memory, not results).")
    ] = DEFAULT_CHUNK,
    workers: Annotated[
        int, typer.Option("--workers", help="Threads evaluating chunks (not results).")
    ] = DEFAULT_WORKERS,
    memory_mb: Annotated[
        float,
        typer.Option("--memory-mb", help="Budget for exact bands; above it, histogram bands."),
    ] = DEFAULT_MEMORY_MB,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write Parquet tables and summary.json here.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    report: ReportOption = True,
    market: Annotated[
        str | None,
        typer.Option(
            "--market",
            help="Forecast with the market (file or built-in, e.g. market-2025): the lab's "
            "total capped by what it clears for the lab; also runs without it and prints both, "
            "and P(world short) per year from the market's own uncertainty.",
        ),
    ] = None,
    market_samples: Annotated[
        int,
        typer.Option(
            "--market-samples",
            help="Samples of the market's uncertainty with --market (each clears the market).",
        ),
    ] = 20,
) -> None:
    """Monte Carlo forecast of demand, supply, gap and cash (default scenario if FILE omitted)."""
    from gigawatt.forecast.jit import compile_notice
    from gigawatt.forecast.montecarlo import keep_freed_memory, run_forecast
    from gigawatt.scenario import load_scenario

    scenario = load_scenario(file)
    if not as_json:
        print_problems(scenario.warnings)
    keep_freed_memory()
    show = not (quiet or as_json) and samples * scenario.timeline.n_months >= PROGRESS_MIN_CELLS
    with counted_progress(disable=not show) as bar:
        task = bar.add_task("Sampling", total=samples)
        options: dict[str, Any] = {
            "samples": samples,
            "chunk": chunk,
            "memory_mb": memory_mb,
            "workers": workers,
            "progress": lambda done, total: bar.update(task, completed=done, total=total),
        }
        with compile_notice(lambda text: err_console.print(f"note: {text}", soft_wrap=True)):
            if market is None:
                result = run_forecast(scenario, seed=seed, **options)
                coupled = None
            else:
                from gigawatt.market import load_market
                from gigawatt.market.withforecast import forecast_with_market

                coupled = forecast_with_market(
                    scenario,
                    load_market(market),
                    market_samples=market_samples,
                    seed=seed,
                    **options,
                )
                result, scenario = coupled.forecast, coupled.limits.scenario
    if out is not None:
        result.save(out)
        if report:
            from gigawatt.report import write_default_report

            write_default_report(out, scenario=scenario)
    if as_json:
        data = result.to_json()
        data["out"] = None if out is None else str(out)
        if coupled is not None:
            data["market"] = {
                "name": market,
                "versus": coupled.versus,
                "uncertainty": None if coupled.world is None else coupled.world.to_dict(),
            }
        print_json(data)
        return
    _print_forecast(result)
    if coupled is not None:
        _print_market(str(market), coupled)
    if out is not None:
        written = "tables, summary.json and report.html" if report else "tables and summary.json"
        console.print(f"{written} written to {out}")


def _print_market(name: str, coupled: MarketForecast) -> None:
    """The with/without line and the market's own uncertainty."""
    from gigawatt.cli.market_cmds import print_market_uncertainty
    from gigawatt.market.versus import versus_line

    console.print(versus_line(name, coupled.versus), markup=False)
    if coupled.world is not None:
        print_market_uncertainty(coupled.world)


def register(app: typer.Typer) -> None:
    """Add the ``forecast`` command to the application."""
    app.command("forecast")(forecast_command)
