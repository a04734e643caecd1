"""The compare command: several scenarios planned and shown side by side."""

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
    console,
    print_json,
    say,
    styled,
    table,
)
from gigawatt.cli.runs import load_all, solving
from gigawatt.compare.words import money, percent

if TYPE_CHECKING:
    import pandas as pd

    from gigawatt.compare import Comparison

__all__ = ["register"]


def _index(df: pd.DataFrame, *keys: str) -> dict[tuple[str, ...], dict[str, Any]]:
    """Rows of a table by the values of some of its columns."""
    rows: list[dict[str, Any]] = [
        {str(k): v for k, v in r.items()} for r in df.to_dict(orient="records")
    ]
    return {tuple(str(r[k]) for k in keys): r for r in rows}


def _cell_provider(row: dict[str, Any] | None) -> str:
    if row is None:
        return "-"
    return f"{row['accelerators'] / 1e3:,.0f}k / {row['gw']:.2f} GW / {money(row['spend_usd'])}"


def _delta_headers(base: str, others: list[str]) -> list[str]:
    if len(others) == 1:
        return ["difference"]
    return [f"{s} - {base}" for s in others]


_YEAR_METRICS = (
    ("spend $B", "spend_usd", 1e9),
    ("lost revenue $B (PV)", "lost_revenue_usd", 1e9),
    ("shortfall FLOP", "shortfall_flop", 1.0),
    ("revenue share $B", "revenue_share_usd", 1e9),
    ("min-spend shortfall $B", "min_spend_shortfall_usd", 1e9),
    ("cash at year end $B", "cash_usd", 1e9),
)


def _print_summaries(c: Comparison) -> None:
    for s in c.summaries:
        gap = f", gap {s['mip_gap']:.2%}" if s.get("mip_gap") else ""
        say(
            styled(s["name"], "bold"),
            f": {s['status']}{gap}; objective "
            f"{money(s['objective_usd'])} = spend {money(s['cost_usd'])} + lost revenue "
            f"{money(s['lost_revenue_usd'])} + penalties {money(s['penalty_usd'])} "
            "(present values)",
        )


def _print_providers(c: Comparison) -> None:
    bp = _index(c.tables["by_provider"], "scenario", "year", "provider")
    providers = sorted(set(c.tables["by_provider"]["provider"]))
    rows = [
        [year, p, *[_cell_provider(bp.get((s, year, p))) for s in c.scenarios]]
        for year in c.years
        for p in providers
    ]
    console.print(
        table(
            "By provider: accelerators in use (mean) / GW installed (peak) / spend (nominal)",
            ["year", "provider", *c.scenarios],
            rows,
        )
    )


def _number(value: Any, scale: float) -> float | None:
    """A table value in display units; None (an empty cell) when undefined."""
    v = float(value)
    return v / scale if math.isfinite(v) else None


def _print_years(c: Comparison) -> None:
    by = _index(c.tables["by_year"], "scenario", "year")
    rows = []
    for name, col, scale in _YEAR_METRICS:
        for n, year in enumerate(c.years):
            values = [_number(by[(s, year)][col], scale) for s in c.scenarios]
            deltas = [None if v is None or values[0] is None else v - values[0] for v in values[1:]]
            rows.append([name if n == 0 else "", year, *values, *deltas])
    console.print(
        table(
            "By year (nominal unless marked PV)",
            ["metric", "year", *c.scenarios, *_delta_headers(c.scenarios[0], c.scenarios[1:])],
            rows,
        )
    )


def _print_outside(c: Comparison) -> None:
    if c.counterparty is None:
        return
    out = _index(c.tables["outside"], "scenario", "year")

    def cell(r: dict[str, Any]) -> str:
        return (
            f"{money(r['spend_outside_usd'])} ({percent(r['spend_outside_share'])}) / "
            f"{r['gw_outside']:.2f} GW ({percent(r['gw_outside_share'])})"
        )

    console.print(
        table(
            f"Outside {c.counterparty}: spend (share of spend) / peak GW installed "
            "(share of MW-months)",
            ["year", *c.scenarios],
            [[year, *[cell(out[(s, year)]) for s in c.scenarios]] for year in c.years],
        )
    )


def _print_clauses(c: Comparison) -> None:
    clauses = c.tables["clauses"]
    if not len(clauses):
        console.print("clause costs not computed (--no-clauses)")
        return
    for label in c.scenarios:
        rows = _index(clauses[clauses["scenario"] == label], "contract", "clause_index")
        console.print(
            table(
                f"Clause costs of {label} (present value, objective with minus without)",
                ["contract", "clause", "type", "counterparty", "cost $B"],
                [
                    [
                        r["contract"],
                        r["clause_index"],
                        r["type"],
                        r["counterparty"],
                        r["cost_usd"] / 1e9,
                    ]
                    for r in rows.values()
                ],
            )
        )


def _print(c: Comparison) -> None:
    _print_summaries(c)
    _print_providers(c)
    _print_years(c)
    _print_outside(c)
    _print_clauses(c)
    say(styled("What differs most", "bold"))
    for finding in c.findings:
        say(f"- {finding}")
    console.print(f"compared in {c.seconds:.0f}s ({c.options['solves']} solves)")


@guarded
def compare_command(
    scenarios: Annotated[
        list[str], typer.Argument(help="Two or more scenario files or built-in names.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write Parquet tables, comparison.json, report.html and the plans here."
        ),
    ] = None,
    clauses: Annotated[
        bool,
        typer.Option("--clauses/--no-clauses", help="Cost every clause (one re-solve each)."),
    ] = True,
    processes: ProcessesOption = None,
    time_limit: TimeLimitOption = None,
    mip_gap: MipGapOption = None,
    report: ReportOption = True,
) -> None:
    """Plan each scenario and show them side by side, year by year, with what differs most."""
    if len(scenarios) < 2:
        raise typer.BadParameter("give two or more scenarios to compare", param_hint="SCENARIOS")
    from gigawatt.compare import compare
    from gigawatt.plan import SolveOptions

    loaded = load_all(scenarios, quiet=as_json)
    options = SolveOptions(time_limit_s=time_limit, mip_gap=mip_gap, duals=False)
    result = solving(
        as_json,
        lambda progress: compare(
            loaded, options, clauses=clauses, processes=processes, progress=progress
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
        console.print(f"tables, comparison.json{html} and plans written to {out}")


def register(app: typer.Typer) -> None:
    """Add the compare command to the application."""
    app.command("compare")(compare_command)
