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
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.progress import TextColumn
from rich.status import Status
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
    "line",
    "plain",
    "print_json",
    "print_problems",
    "progress_text",
    "say",
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
    """Print one line made by :func:`line` on stdout (stderr with ``err``), never wrapped."""
    (err_console if err else console).print(line(*parts), soft_wrap=True)


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
    t = Table(title=plain(title), title_justify="left", show_lines=False)
    materialised = [list(r) for r in rows]
    for i, col in enumerate(columns):
        numeric = bool(materialised) and all(
            isinstance(r[i], int | float) and not isinstance(r[i], bool) for r in materialised
        )
        t.add_column(plain(col), justify="right" if numeric else "left", overflow="fold")
    for r in materialised:
        t.add_row(*[plain(_fmt(v)) for v in r])
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
        err_console.print(line(styled(p.severity, style), ": ", str(p)), soft_wrap=True)
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
