"""Terminal output shared by every command: rich tables, JSON, errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from gigawatt.errors import GigawattError, Problem, ScenarioError
from gigawatt.resultio import json_ready

__all__ = [
    "ReportOption",
    "console",
    "err_console",
    "fail",
    "print_json",
    "print_problems",
    "progress_text",
    "solve_progress_text",
    "table",
]

console = Console(highlight=False, emoji=False)
err_console = Console(stderr=True, highlight=False, emoji=False)

#: The ``--report/--no-report`` option of every command that writes results with --out.
ReportOption = Annotated[
    bool, typer.Option("--report/--no-report", help="Write report.html with --out.")
]


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"


def progress_text(what: str, done: int, total: int, elapsed_s: float) -> str:
    """``"Re-solved 2/4 clauses, 1 min 05 s elapsed, about 40 s left"``.

    The time left assumes the remaining items take as long as the finished ones did.
    """
    text = f"{what} {done}/{total}, {_duration(elapsed_s)} elapsed"
    if 0 < done < total:
        text += f", about {_duration(elapsed_s / done * (total - done))} left"
    return text


def solve_progress_text(p: Any) -> str:
    """A running HiGHS solve (a ``SolveProgress``): elapsed, best plan, bound and gap."""
    text = f"HiGHS {_duration(p.elapsed_s)}"
    if p.incumbent_musd is not None:
        text += f", best plan ${p.incumbent_musd / 1e3:,.2f}B"
    if p.bound_musd is not None:
        text += f", bound ${p.bound_musd / 1e3:,.2f}B"
    if p.gap is not None:
        text += f", gap {p.gap:.2%}"
    return text + f", {p.nodes:,} nodes"


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
    """A rich table with right-aligned numbers."""
    t = Table(title=title, title_justify="left", show_lines=False)
    materialised = [list(r) for r in rows]
    for i, col in enumerate(columns):
        numeric = bool(materialised) and all(
            isinstance(r[i], int | float) and not isinstance(r[i], bool) for r in materialised
        )
        t.add_column(col, justify="right" if numeric else "left", overflow="fold")
    for r in materialised:
        t.add_row(*[_fmt(v) for v in r])
    return t


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
        err_console.print(f"[{style}]{p.severity}[/{style}]: {p}", markup=True, soft_wrap=True)
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
        err_console.print(f"[red]error[/red]: {exc}", markup=True, soft_wrap=True)
    return exc.exit_code
