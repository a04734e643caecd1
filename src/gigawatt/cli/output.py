r"""Terminal output shared by every command: rich tables, JSON, errors.

Every string a user wrote (a scenario name, a file name, a hint quoting a key) is
printed as data, never read as rich markup: the two consoles have markup off, so a
plain ``console.print(str)`` and every table cell and title print their text as is.
Styled output is built as :class:`rich.text.Text` with :func:`styled` and :func:`line`,
whose variable parts are plain text too; control characters (an escape sequence in a
name) are shown as ``\x1b`` rather than sent to the terminal. Spinners and progress
bars get their messages through :func:`status` and :func:`progress_text`, because rich
reads a bare string given to them as markup whatever the console says.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.progress import TextColumn
from rich.status import Status
from rich.table import Table
from rich.text import Text

from gigawatt.cli.layout import Grid
from gigawatt.errors import GigawattError, Problem, ScenarioError

__all__ = [
    "MipGapOption",
    "ProcessesOption",
    "ReportOption",
    "TimeLimitOption",
    "compact_table",
    "console",
    "err_console",
    "fail",
    "fits",
    "line",
    "plain",
    "print_json",
    "print_problems",
    "print_year_tables",
    "progress_eta",
    "progress_text",
    "prose",
    "say",
    "solve_progress_text",
    "status",
    "styled",
    "table",
]

console = Console(highlight=False, emoji=False, markup=False)
err_console = Console(stderr=True, highlight=False, emoji=False, markup=False)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _shown(match: re.Match[str]) -> str:
    return repr(match.group(0))[1:-1]


def plain(value: object) -> Text:
    """Any value as terminal text: no markup, no emoji codes, control characters escaped."""
    return Text(_CONTROL.sub(_shown, str(value)))


def styled(value: object, style: str) -> Text:
    """A value as plain text in one style (``styled(name, "bold")``)."""
    text = plain(value)
    text.stylize(style)
    return text


def line(*parts: object) -> Text:
    """One line from parts: :class:`Text` kept as built, anything else as plain text."""
    out = Text()
    for part in parts:
        out.append_text(part if isinstance(part, Text) else plain(part))
    return out


def say(*parts: object, err: bool = False) -> None:
    """Print one line made by :func:`line` on stdout (stderr with ``err``).

    In a pipe the line is never wrapped (one message, one line, for grep); on a terminal
    it wraps between words rather than where the terminal would cut it.
    """
    target = err_console if err else console
    target.print(line(*parts), soft_wrap=not target.is_terminal)


def prose(*parts: object, err: bool = False) -> None:
    """Print a paragraph wrapped between words at the terminal's width (80 in a pipe)."""
    (err_console if err else console).print(line(*parts))


def status(message: object) -> Status:
    """A spinner on stderr whose message is plain text (use as a context manager)."""
    return err_console.status(plain(message))


def progress_text(template: str = "{task.description}") -> TextColumn:
    """A progress-bar column that prints task descriptions as plain text."""
    return TextColumn(template, markup=False)


#: The ``--report/--no-report`` option of every command that writes results with --out.
ReportOption = Annotated[
    bool, typer.Option("--report/--no-report", help="Write report.html with --out.")
]
#: Options of the commands that run many solves (compare, history, sweep).
TimeLimitOption = Annotated[
    float | None, typer.Option("--time-limit", help="Solver limit per solve, seconds.")
]
MipGapOption = Annotated[
    float | None, typer.Option("--mip-gap", help="Relative MIP gap to stop at.")
]
ProcessesOption = Annotated[
    int | None, typer.Option("--processes", help="Parallel solves (default: CPUs).")
]
#: Options of the commands that draw samples and solve them on Ray (sweep, decide).
SamplesOption = Annotated[int, typer.Option("--samples", "-n", help="Number of samples.")]
SeedOption = Annotated[int, typer.Option("--seed", help="Seed; same seed, same samples.")]
AddressOption = Annotated[
    str | None,
    typer.Option("--address", help="Ray cluster address (default: start a local Ray)."),
]
WorkersOption = Annotated[
    int | None, typer.Option("--workers", help="CPUs of the local Ray (default: all).")
]
#: ``--out DIR`` and ``--json`` of the commands that write a result folder.
OutOption = Annotated[
    Path | None, typer.Option("--out", help="Write Parquet tables and summary.json here.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"


def progress_eta(what: str, done: int, total: int, elapsed_s: float) -> str:
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
    from gigawatt.resultio import json_ready  # numpy: loaded when a command prints

    sys.stdout.write(json.dumps(json_ready(data), default=_default, indent=2) + "\n")
    sys.stdout.flush()


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Grid:
    """A titled table laid out for the terminal's width (see :mod:`gigawatt.cli.layout`).

    Columns whose values are all numbers are right-aligned and never wrap; text wraps
    only between words, and every cell is plain text.
    """
    materialised = [list(r) for r in rows]
    numeric = [
        any(r[i] not in (None, "") for r in materialised)
        and all(_is_number(r[i]) for r in materialised)
        for i in range(len(columns))
    ]
    return Grid.of(
        plain(title).plain,
        [plain(c).plain for c in columns],
        [[plain(_fmt(v)).plain for v in r] for r in materialised],
        numeric,
    )


#: A number written for people: ``-0.19``, ``1,234``, ``91%``, ``4.57x``, ``$1.2B``, ``3e+21``.
_NUMBER = re.compile(r"^[-+]?\$?[\d,]*\.?\d+(e[-+]?\d+)?(%|x|[kMB])?$")


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if value is None or value == "" or isinstance(value, int | float):
        return True
    return isinstance(value, str) and _NUMBER.match(value) is not None


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


def print_year_tables(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A table of a label column then one column per year, split to fit the terminal.

    As many years as fit go in each table; the rest continue in further tables titled
    ``(continued)``. Cells never wrap.
    """
    label, *years = columns
    start = 0
    while start < len(years):
        end = len(years)
        while True:
            cols = slice(start + 1, end + 1)
            part = compact_table(
                title if start == 0 else f"{title} (continued)",
                [label, *years[start:end]],
                [(row[0], *row[cols]) for row in rows],
            )
            if end - start == 1 or fits(part, console.width):
                break
            end -= 1
        console.print(part)
        start = end


def fits(renderable: Table, width: int) -> bool:
    """Whether a table needs no more than ``width`` columns.

    Measured without the console's own width as a ceiling (rich clamps a measurement to
    the options' ``max_width``, so a table wider than the terminal would "fit").
    """
    unbounded = console.options.update_width(max(width, 1) * 100)
    return Measurement.get(console, unbounded, renderable).maximum <= width


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


def print_problems(
    problems: Sequence[Problem], *, as_json: bool = False, notes: bool = False
) -> None:
    """Print problems to stderr, errors in red and warnings in yellow.

    Notes (information about a valid file, such as a contract prorated to the horizon)
    are printed only with ``notes``: by the commands that inspect a file (``validate``,
    ``show``), not by every run.
    """
    if as_json:
        return
    quiet = err_console.quiet
    for p in problems:
        if (p.severity != "error" and quiet) or (p.severity == "note" and not notes):
            continue  # --quiet drops warnings, never errors
        style = {"error": "red", "warning": "yellow"}.get(p.severity, "cyan")
        err_console.quiet = False
        say(styled(p.severity, style), ": ", str(p), err=True)
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
        say(styled(f"{n} error(s)", "red"), "; nothing was run.", err=True)
    else:
        say(styled("error", "red"), ": ", str(exc), err=True)
    return exc.exit_code
