"""What the commands that run a scenario share: its argument and a counted progress bar."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from gigawatt.cli.output import (
    err_console,
    plain,
    print_problems,
    progress_eta,
    progress_text,
    status,
)

if TYPE_CHECKING:
    from rich.progress import Progress

    from gigawatt.scenario import Scenario

__all__ = ["FileArg", "counted_progress", "exit_unproven", "load_all", "solving"]

T = TypeVar("T")
Progressed = Callable[[int, int], None]

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


def solving(quiet: bool, run: Callable[[Progressed | None], T]) -> T:
    """``run(progress)`` under a spinner that counts the solves and says the time left.

    With ``quiet`` (JSON output) no spinner and no progress callback.
    """
    if quiet:
        return run(None)
    started = time.perf_counter()
    with status("Planning the scenarios...") as spinner:
        return run(
            lambda done, total: spinner.update(
                plain(progress_eta("Solved", done, total, time.perf_counter() - started))
            )
        )


def load_all(names: list[str], *, quiet: bool) -> list[Scenario]:
    """Load every scenario named, printing their warnings unless ``quiet`` (JSON output)."""
    from gigawatt.scenario import load_scenario

    loaded = [load_scenario(s) for s in names]
    if not quiet:
        for s in loaded:
            print_problems(s.warnings)
    return loaded
