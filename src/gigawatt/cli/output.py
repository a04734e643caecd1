"""Terminal output shared by every command: rich tables, JSON, errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from gigawatt.errors import GigawattError, Problem, ScenarioError
from gigawatt.resultio import json_ready

__all__ = [
    "ReportOption",
    "compact_table",
    "console",
    "err_console",
    "fail",
    "fits",
    "print_json",
    "print_problems",
    "table",
]

console = Console(highlight=False, emoji=False)
err_console = Console(stderr=True, highlight=False, emoji=False)

#: The ``--report/--no-report`` option of every command that writes results with --out.
ReportOption = Annotated[
    bool, typer.Option("--report/--no-report", help="Write report.html with --out.")
]


def _default(value: Any) -> Any:
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def print_json(data: Any) -> None:
    """Print one JSON object on stdout (NaN and infinities become null)."""
    sys.stdout.write(json.dumps(json_ready(data), default=_default, indent=2) + "\n")
    sys.stdout.flush()


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    """A rich table with right-aligned numbers; every cell is plain text, never markup."""
    t = Table(title=Text(title), title_justify="left", show_lines=False)
    materialised = [list(r) for r in rows]
    for i, col in enumerate(columns):
        numeric = bool(materialised) and all(
            isinstance(r[i], int | float) and not isinstance(r[i], bool) for r in materialised
        )
        t.add_column(Text(col), justify="right" if numeric else "left", overflow="fold")
    for r in materialised:
        t.add_row(*[Text(_fmt(v)) for v in r])  # scenario strings are data, not markup
    return t


def compact_table(
    title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, numeric_from: int = 1
) -> Table:
    """A narrow table for 80-column terminals: no side borders, cells never wrap.

    Columns from ``numeric_from`` on are right-aligned; every cell is plain text (never
    rich markup), so names from a scenario print as they are.
    """
    t = Table(
        title=Text(title, style="bold"),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1),
        show_edge=False,
    )
    for i, col in enumerate(columns):
        t.add_column(Text(col), justify="right" if i >= numeric_from else "left", no_wrap=True)
    for r in rows:
        t.add_row(*[Text(_fmt(v)) for v in r])
    return t


def fits(renderable: Table, width: int) -> bool:
    """Whether a table needs no more than ``width`` columns."""
    return Measurement.get(console, console.options, renderable).maximum <= width


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if abs(value) < 1e-9:
            return "0"
        if abs(value) >= 1e6 or abs(value) < 1e-2:
            return f"{value:.3g}"
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def print_problems(problems: Sequence[Problem], *, as_json: bool = False) -> None:
    """Print problems to stderr, errors in red and warnings in yellow."""
    if as_json:
        return
    quiet = err_console.quiet
    for p in problems:
        if p.severity != "error" and quiet:
            continue  # --quiet drops warnings, never errors
        style = "red" if p.severity == "error" else "yellow"
        err_console.quiet = False
        err_console.print(
            f"[{style}]{p.severity}[/{style}]: {escape(str(p))}", markup=True, soft_wrap=True
        )
        err_console.quiet = quiet


def fail(exc: GigawattError, *, as_json: bool = False) -> int:
    """Report a gigawatt error and return its exit code (2 bad input, 1 otherwise).

    Errors are printed even under ``--quiet``.
    """
    err_console.quiet = False
    if as_json:
        problems = exc.problems if isinstance(exc, ScenarioError) else []
        print_json(
            {
                "status": "error",
                "error": str(exc) if not problems else "invalid scenario",
                "problems": [p.to_dict() for p in problems],
            }
        )
    elif isinstance(exc, ScenarioError):
        print_problems(exc.problems)
        n = sum(p.severity == "error" for p in exc.problems)
        err_console.print(f"[red]{n} error(s)[/red]; nothing was run.", markup=True)
    else:
        err_console.print(f"[red]error[/red]: {escape(str(exc))}", markup=True, soft_wrap=True)
    return exc.exit_code
