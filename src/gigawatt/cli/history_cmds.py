"""The history command: dated scenarios in order, what each change of terms did."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gigawatt.cli.app import guarded
from gigawatt.cli.output import (
    MipGapOption,
    ProcessesOption,
    ReportOption,
    TimeLimitOption,
    compact_table,
    console,
    print_json,
    print_year_tables,
    prose,
    say,
    styled,
)
from gigawatt.cli.runs import load_all, solving

if TYPE_CHECKING:
    import pandas as pd

    from gigawatt.compare.history import History

__all__ = ["register"]

_MONEY = 1e9


def _cell(value: float, scale: float, digits: str) -> str:
    if not math.isfinite(value):
        return ""
    v = value / scale
    if v == 0.0 or (abs(v) < 5e-3 and digits != "g"):
        return "0"
    return f"{v:+.2g}" if digits == "g" else f"{v:+,.{digits}f}"


def _print_scenarios(h: History) -> None:
    rows = [
        [
            r["as_of"],
            r["scenario"],
            r["cost_usd"] / _MONEY,
            r["lost_revenue_usd"] / _MONEY,
            r["objective_usd"] / _MONEY,
            f"{r['shortfall_flop']:.2g}",
        ]
        for r in h.tables["scenarios"].to_dict(orient="records")
    ]
    console.print(
        compact_table(
            "The agreement in date order (present values, $B)",
            ["as of", "scenario", "cost", "lost rev.", "objective", "FLOP short"],
            rows,
            numeric_from=2,
        )
    )


def _print_totals(h: History, step: int) -> None:
    tot = h.tables["totals"]
    mine = tot[tot["step"] == step]
    labels = {
        "cost_usd": ("cost $B (PV)", _MONEY, "1"),
        "lost_revenue_usd": ("lost revenue $B (PV)", _MONEY, "1"),
        "penalty_usd": ("penalties $B (PV)", _MONEY, "1"),
        "objective_usd": ("objective $B (PV)", _MONEY, "1"),
        "spend_usd_nominal": ("spend $B (nominal)", _MONEY, "1"),
        "shortfall_flop": ("FLOP short", 1.0, "g"),
    }
    rows = []
    for r in mine.to_dict(orient="records"):
        name, scale, digits = labels[str(r["metric"])]
        rows.append(
            [name, *(_cell(float(r[k]), scale, digits) for k in ("delta", "terms", "world"))]
        )
    console.print(
        compact_table(
            "Change over the horizon", ["", "all", "by the terms", "by other inputs"], rows
        )
    )


def _year_rows(years: pd.DataFrame, step: int, split: bool) -> list[list[str]]:
    mine = years[years["step"] == step]
    names = sorted(set(mine["year"]))
    rows: list[list[str]] = []
    groups: list[tuple[str, str, str, float, str]] = [
        ("spend $B", "spend_usd", "", _MONEY, "1"),
        ("GW all", "gw", "", 1.0, "2"),
        *[
            (f"GW {p}", "gw", p, 1.0, "2")
            for p in sorted(set(mine.loc[mine["metric"] == "gw", "provider"]) - {""})
        ],
        ("FLOP short", "shortfall_flop", "", 1.0, "g"),
    ]
    for label, metric, provider, scale, digits in groups:
        part = mine[(mine["metric"] == metric) & (mine["provider"] == provider)]
        by_year = {str(r["year"]): r for r in part.to_dict(orient="records")}
        if not any(float(r["delta"]) != 0.0 for r in by_year.values()):
            continue
        rows.append([label, *(_cell(_at(by_year, y, "delta"), scale, digits) for y in names)])
        if split:
            rows.append(
                ["  by the terms", *(_cell(_at(by_year, y, "terms"), scale, digits) for y in names)]
            )
    return rows


def _at(by_year: dict[str, dict[Any, Any]], year: str, column: str) -> float:
    return float(by_year[year][column]) if year in by_year else 0.0


def _print_step(h: History, step: int) -> None:
    before, after = h.scenarios[step - 1], h.scenarios[step]
    console.print()
    say(
        styled(f"Step {step}: {h.as_of[step - 1]} -> {h.as_of[step]}", "bold"),
        f" ({before} -> {after})",
    )
    terms = h.tables["terms"]
    changes = terms[terms["step"] == step]["text"].tolist()
    say("Terms changed:" if changes else "Terms changed: none")
    for text in changes:
        prose(f"  - {text}")
    inputs = h.tables["inputs"]
    other = inputs[inputs["step"] == step]["input"].tolist()
    prose("Other inputs changed: " + (", ".join(other) if other else "none"))
    if h.notes.get(step):
        prose(h.notes[step])
    _print_totals(h, step)
    split = h.counterfactuals.get(step) is not None
    rows = _year_rows(h.tables["years"], step, split)
    if rows:
        names = sorted(set(h.tables["years"].loc[h.tables["years"]["step"] == step, "year"]))
        print_year_tables(f"Step {step}, by year", ["after - before", *names], rows)


def _print(h: History) -> None:
    _print_scenarios(h)
    for step in range(1, len(h.scenarios)):
        _print_step(h, step)
    prose(
        "'by the terms': the earlier world planned under the later terms, minus the earlier "
        "plan; the rest of each change comes from the other inputs. GW: peak installed in "
        "the year; rows that do not change are left out (docs/compare.md)."
    )
    console.print()
    say(styled("What each change did", "bold"))
    for text in h.findings():
        prose(f"- {text}")
    console.print(f"planned in {h.seconds:.0f}s ({h.options['solves']} solves)")


@guarded
def history_command(
    scenarios: Annotated[
        list[str],
        typer.Argument(help="Two or more dated scenarios (`as_of`), files or built-in names."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write Parquet tables, history.json, report.html and the plans here."
        ),
    ] = None,
    split: Annotated[
        bool,
        typer.Option(
            "--split/--no-split",
            help="Split each change into terms and other inputs (one more solve a step).",
        ),
    ] = True,
    processes: ProcessesOption = None,
    time_limit: TimeLimitOption = None,
    mip_gap: MipGapOption = None,
    report: ReportOption = True,
) -> None:
    """Plan dated scenarios in date order: what each change of terms did."""
    from gigawatt.compare.history import history
    from gigawatt.plan import SolveOptions

    loaded = load_all(scenarios, quiet=as_json)
    options = SolveOptions(time_limit_s=time_limit, mip_gap=mip_gap, duals=False)
    result = solving(
        as_json,
        lambda progress: history(
            loaded, options, split=split, processes=processes, progress=progress
        ),
    )
    if out is not None:
        result.save(out)
        if report:
            from gigawatt.report import write_report

            write_report(out)
    if as_json:
        print_json(result.to_dict())
        return
    _print(result)
    if out is not None:
        html = ", report.html" if report else ""
        console.print(f"tables, history.json{html} and plans written to {out}")


def register(app: typer.Typer) -> None:
    """Add the history command to the application."""
    app.command("history")(history_command)
