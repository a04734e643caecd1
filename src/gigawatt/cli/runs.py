"""What the commands that run a scenario share: its argument and a counted progress bar."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from gigawatt.cli.output import err_console, progress_text

if TYPE_CHECKING:
    from rich.progress import Progress

__all__ = ["FileArg", "counted_progress", "exit_unproven"]

FileArg = Annotated[
    str | None, typer.Argument(help="Scenario file or built-in name (default scenario if omitted).")
]


def counted_progress(*, disable: bool) -> Progress:
    """A transient bar on stderr: description, bar, done/total, time taken and time left."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        progress_text(),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=disable,
    )


def exit_unproven(warning: str | None, *, as_json: bool) -> None:
    """Exit with 1 after a result without a proven optimum, saying why (not with --json).

    docs/decisions.md: a solver limit without a proven optimum is a failure (1); the
    result is still printed and saved. With --json its status and gap say it.
    """
    if warning is None:
        return
    if not as_json:
        err_console.quiet = False
        err_console.print(f"warning: {warning}", markup=False, soft_wrap=True)
    raise typer.Exit(1)
