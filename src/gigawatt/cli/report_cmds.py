"""The ``report`` command: HTML, PNG images and exports from a plan or forecast directory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TimeElapsedColumn

from gigawatt.cli.app import guarded
from gigawatt.cli.output import (
    console,
    err_console,
    print_json,
    progress_text,
    say,
    styled,
    table,
)

__all__ = ["register", "report_command"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")]


def _size(path: Path) -> str:
    n = float(path.stat().st_size if path.exists() else 0)
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n} B"  # pragma: no cover - the loop always returns


@contextmanager
def _terminal(*, quiet: bool, no_color: bool) -> Iterator[None]:
    """Apply --quiet and --no-color to the shared consoles for one command."""
    saved = (console.quiet, console.no_color, err_console.no_color)
    console.quiet = quiet
    if no_color:
        console.no_color = err_console.no_color = True
    try:
        yield
    finally:
        console.quiet, console.no_color, err_console.no_color = saved


@guarded
def report_command(
    directory: Annotated[
        Path, typer.Argument(help="A plan, forecast or comparison directory (--out DIR).")
    ],
    out: Annotated[
        Path | None, typer.Option("-o", "--out", help="HTML file (default: DIR/report.html).")
    ] = None,
    png: Annotated[
        Path | None,
        typer.Option("--png", metavar="DIR", help="Also draw every chart as a PNG in folder DIR."),
    ] = None,
    export: Annotated[
        Path | None,
        typer.Option("--export", help="Also write every table (Parquet, CSV) and FOCUS CSVs here."),
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", help="Scenario the result came from (for commitments)."),
    ] = None,
    cash_year: Annotated[
        int | None, typer.Option("--cash-year", help="Forecasts: P(cash < 0) before this year.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colours in the output.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Write a self-contained HTML report (and PNGs, exports) for a plan, forecast or comparison."""
    from gigawatt.report import write_report
    from gigawatt.scenario import load_scenario

    with _terminal(quiet=quiet or as_json, no_color=no_color):
        source = load_scenario(scenario) if scenario else None
        with Progress(
            SpinnerColumn(),
            progress_text(),
            BarColumn(),
            progress_text("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=quiet or as_json,
        ) as bar:
            task = bar.add_task(f"Reporting on {directory}...", total=None)

            def progress(step: str, done: int, total: int) -> None:
                bar.update(task, description=step, completed=done, total=total)

            report = write_report(
                directory,
                out,
                png_dir=png,
                export_dir=export,
                scenario=source,
                cash_year=cash_year,
                progress=progress,
            )
        if as_json:
            print_json(report.to_dict())
            return
        for i, sentence in enumerate(report.summary.sentences):
            say(styled(sentence, "bold") if i == 0 else sentence)
        console.print(
            table(
                f"Key figures ({report.kind})",
                ["figure", "value", "note"],
                [[f.label, f.value, f.note] for f in report.summary.figures],
            )
        )
        files = [*([report.html] if report.html else []), *report.pngs, *report.exports]
        kinds = (
            ["HTML report"] * (report.html is not None)
            + ["PNG image"] * len(report.pngs)
            + [_export_kind(p) for p in report.exports]
        )
        console.print(
            table(
                f"Written ({len(report.charts)} charts)",
                ["file", "what", "size"],
                [[str(p), k, _size(p)] for p, k in zip(files, kinds, strict=True)],
            )
        )
        for note in report.missing:
            say(styled("note", "yellow"), f": {note}", err=True)


def _export_kind(path: Path) -> str:
    if path.name.startswith("focus_"):
        return "FOCUS CSV"
    return "Parquet table" if path.suffix == ".parquet" else "CSV table"


def register(app: typer.Typer) -> None:
    """Add the report command to the application."""
    app.command("report")(report_command)
