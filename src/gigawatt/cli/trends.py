"""The ``trends`` command: growth of frontier training compute from Epoch AI's data."""

from __future__ import annotations

import contextlib
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gigawatt.cli.app import guarded
from gigawatt.cli.output import console, print_json, prose, status, table
from gigawatt.forecast.trends.defaults import (
    DEFAULT_FACILITY_OVERHEAD,
    DEFAULT_PUE,
    EPOCH_TRAINING_DURATION_S,
)

if TYPE_CHECKING:
    from gigawatt.forecast.trends import Accelerator, TrendReport

__all__ = ["POWER_NOTE", "register", "trends"]

#: Where this run's power and a plan's largest run differ (docs/glossary.md).
POWER_NOTE = (
    "power: the same conversion as a plan's training runs (gigawatt.scenario.power: "
    "FLOP / (peak x MFU x seconds) accelerators x IT watts x PUE, once). The numbers "
    "still differ by their inputs: here Epoch's frontier trend (FLOP) on one chip "
    "over Epoch's median duration; in a plan, the scenario's own run (FLOP and "
    "window) on the accelerators the plan gives it, month by month (--plan DIR sets "
    "the two side by side)."
)


class DefinitionChoice(StrEnum):
    """Frontier definitions offered on the command line."""

    top_n = "top-n"
    record = "record"
    threshold = "threshold"


class PrecisionChoice(StrEnum):
    """Peak precisions of the accelerator look-up."""

    bf16 = "bf16"
    fp8 = "fp8"


def _accelerator(
    name: str,
    peak_flops: float | None,
    it_watts: float | None,
    precision: str,
    overhead: float,
    pue: float,
) -> Accelerator | None:
    from gigawatt.forecast.trends import Accelerator, TrendsError, find_accelerator

    if (peak_flops is None) != (it_watts is None):
        raise TrendsError("give both --peak-flops and --it-watts, or neither")
    if peak_flops is not None and it_watts is not None:
        return Accelerator(name="custom", peak_flops=peak_flops, it_watts=it_watts, pue=pue)
    if name.strip().lower() in {"", "none"}:
        return None
    return find_accelerator(
        name,
        precision="fp8" if precision == "fp8" else "bf16",
        facility_overhead=overhead,
        pue=pue,
    )


def _print_report(report: TrendReport) -> None:
    fit, run, bt = report.fit, report.forecast, report.backtest
    pct = f"{fit.confidence:.0%}"
    lo, hi = fit.growth_per_year_ci
    d_lo, d_hi = fit.doubling_months_ci
    rows: list[list[object]] = [
        ["definition", fit.selection.describe()],
        ["models fitted", f"{fit.n_models} ({fit.first_date} .. {fit.last_date})"],
        ["growth per year", f"{fit.growth_per_year:.2f}x ({pct} CI {lo:.2f}x .. {hi:.2f}x)"],
        ["doubling time", f"{fit.doubling_months:.1f} months ({d_lo:.1f} .. {d_hi:.1f})"],
        ["R^2 / residual sd", f"{fit.r_squared:.2f} / {fit.residual_sd_log10:.2f} dex"],
        [
            f"frontier run {run.year:g}",
            f"{run.flop:.2g} FLOP ({run.flop_ci[0]:.2g} .. {run.flop_ci[1]:.2g})",
        ],
    ]
    if run.accelerator is not None and run.power_gw is not None and run.power_gw_ci is not None:
        acc = run.accelerator
        rows.append(
            [
                "  on",
                f"{acc.name}: {acc.peak_flops:.3g} FLOP/s {acc.precision}, "
                f"{acc.it_watts:,.0f} W IT x PUE {acc.pue:g}, MFU {run.mfu:g}, "
                f"{run.duration_s:.3g} s",
            ]
        )
        rows.append(["  accelerators", f"{run.accelerators:,.3g}"])
        rows.append(
            [
                "  power",
                f"{run.power_gw:.3g} GW ({run.power_gw_ci[0]:.3g} .. {run.power_gw_ci[1]:.3g})",
            ]
        )
    console.print(table("Frontier training compute trend", ["", "value"], rows))
    prose(f"method: {fit.method}")
    if run.power_gw is not None:
        prose(POWER_NOTE)
    if bt is not None:
        bt_rows = [
            [
                str(r.year),
                r.n_models,
                f"{r.mean_log10_actual:.2f}",
                f"{r.mean_log10_predicted:.2f}",
                f"{r.mean_log10_actual - r.mean_log10_predicted:+.2f}",
                f"{r.mae_log10:.2f}",
                f"{r.coverage_pi:.0%}",
            ]
            for r in bt.per_year
        ]
        bt_rows.append(
            [
                "all",
                bt.n_test,
                "",
                "",
                f"{bt.bias_log10:+.2f}",
                f"{bt.mae_log10:.2f}",
                f"{bt.coverage_pi:.0%}",
            ]
        )
        title = (
            f"Back-test: fit to end of {bt.cutoff_year} ({bt.fit.n_models} models, "
            f"{bt.fit.growth_per_year:.2f}x/yr), predict {bt.n_test} later models (log10 FLOP)"
        )
        columns = ["year", "models", "actual", "predicted", "bias", "MAE", f"in {pct} PI"]
        console.print(table(title, columns, bt_rows))
        prose(
            f"{pct} PI, prediction interval: where one model's compute should fall (the "
            f"line's uncertainty plus the scatter of models around it); {bt.coverage_pi:.0%} "
            f"of the later models fall inside it. {pct} CI, confidence interval of the line: "
            f"where the trend itself may lie; {bt.coverage_ci:.0%} of the later models "
            "fall inside it (single models scatter around the trend, so most fall outside)."
        )
    prose(f"data: {report.source}")


def _print_versus(versus: dict[str, Any]) -> None:
    t, p = versus["trend"], versus["plan"]
    ratios = {f["factor"]: f["ratio"] for f in versus["factors"]}
    rows = [
        ["FLOP", f"{t['flop']:.2g}", f"{p['flop']:.2g}", f"{ratios['FLOP']:.2f}x"],
        [
            "seconds",
            f"{t['duration_s']:.3g}",
            f"{p['duration_s']:.3g}",
            f"{ratios['duration']:.2f}x",
        ],
        [
            "FLOP/s per W",
            f"{t['flops_per_watt']:.3g}",
            f"{p['flops_per_watt']:.3g}",
            f"{ratios['FLOP/s per watt']:.2f}x",
        ],
        ["GW", f"{t['facility_gw']:.3g}", f"{p['facility_gw']:.3g}", f"{versus['gw_ratio']:.2f}x"],
    ]
    console.print(
        table("The trend's run against the plan's", ["", "trend", "plan", "factor"], rows)
    )
    prose(
        f"trend: {t['label']}; {p['label']}. GW = FLOP / seconds / (FLOP/s per W); the "
        "factors multiply to the GW ratio. The plan's seconds are those its run would "
        "take at its peak month's rate; FLOP/s per W is the hardware, its precision, "
        "the MFU and the PUE together."
    )


@guarded
def trends(
    definition: Annotated[
        DefinitionChoice, typer.Option(help="Frontier: top N at release, record-setters, or >= X.")
    ] = DefinitionChoice.top_n,
    top_n: Annotated[int, typer.Option("--top-n", help="N for --definition top-n.")] = 5,
    threshold: Annotated[float, typer.Option(help="X in FLOP for --definition threshold.")] = 1e23,
    since: Annotated[float, typer.Option(help="First (decimal) year of data fitted.")] = 2018.0,
    year: Annotated[
        float, typer.Option(help="Year of the forecast frontier run (2030 = 1 Jan 2030).")
    ] = 2030.0,
    accelerator: Annotated[
        str, typer.Option(help="Epoch hardware name for the GW conversion ('none': skip).")
    ] = "NVIDIA GB200",
    precision: Annotated[
        PrecisionChoice, typer.Option(help="Peak precision of the accelerator.")
    ] = PrecisionChoice.bf16,
    facility_overhead: Annotated[
        float, typer.Option(help="All-in facility watts per watt of chip TDP.")
    ] = DEFAULT_FACILITY_OVERHEAD,
    pue: Annotated[
        float, typer.Option(help="Facility watts per IT watt (applied once to the IT watts).")
    ] = DEFAULT_PUE,
    peak_flops: Annotated[
        float | None, typer.Option(help="Custom accelerator peak FLOP/s (with --it-watts).")
    ] = None,
    it_watts: Annotated[
        float | None, typer.Option(help="Custom accelerator IT watts (times --pue).")
    ] = None,
    mfu: Annotated[float, typer.Option(help="Model FLOP utilisation of the run.")] = 0.4,
    duration_s: Annotated[
        float, typer.Option("--duration-s", help="Training duration in seconds.")
    ] = EPOCH_TRAINING_DURATION_S,
    backtest_cutoff: Annotated[
        int, typer.Option(help="Back-test: fit up to the end of this year, score later years.")
    ] = 2022,
    backtest: Annotated[
        bool, typer.Option("--backtest/--no-backtest", help="Run the back-test.")
    ] = True,
    samples: Annotated[int, typer.Option(help="Bootstrap resamples.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap generator.")] = 0,
    confidence: Annotated[float, typer.Option(help="Interval level.")] = 0.9,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write a chart to this PNG file.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    plan: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            help="A saved plan (gigawatt plan --out DIR): set its largest run of the year "
            "beside the trend's, factor by factor.",
        ),
    ] = None,
) -> None:
    """Fit the growth of frontier training compute (Epoch AI data) and forecast a run."""
    from gigawatt.forecast.trends import Selection, analyze_trends, plot_trends

    selection = Selection(
        definition=DefinitionChoice(definition).value,
        top_n=top_n,
        threshold_flop=threshold,
        since=since,
    )
    acc = _accelerator(accelerator, peak_flops, it_watts, precision.value, facility_overhead, pue)
    with (
        status("Fitting trends (bootstrap and back-test)...")
        if not as_json
        else (contextlib.nullcontext())
    ):
        report = analyze_trends(
            selection,
            year=year,
            accelerator=acc,
            mfu=mfu,
            duration_s=duration_s,
            backtest_cutoff=backtest_cutoff if backtest else None,
            n_boot=samples,
            seed=seed,
            confidence=confidence,
        )
    written = plot_trends(report, plot) if plot is not None else None
    versus = None
    if plan is not None:
        from gigawatt.plan.results import Plan
        from gigawatt.report.fidelity import versus_plan

        versus = versus_plan(report.forecast, Plan.load(plan))
    if as_json:
        data = report.to_dict()
        data["plot"] = None if written is None else str(written)
        data["versus_plan"] = versus
        print_json(data)
        return
    _print_report(report)
    if versus is not None:
        _print_versus(versus)
    if written is not None:
        console.print(f"wrote {written}")


def register(app: typer.Typer) -> None:
    """Add the ``trends`` command to the application."""
    app.command()(trends)
