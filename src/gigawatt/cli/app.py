"""The typer application and the error boundary every command runs inside."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import typer

from gigawatt.cli.output import fail
from gigawatt.errors import GigawattError

__all__ = ["app", "guarded"]

app = typer.Typer(
    name="gigawatt",
    help="Plan and broker AI compute across clouds and owned campuses, under contracts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _global_options(
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Print only results and errors: no tables, no progress."
    ),
    no_color: bool = typer.Option(False, "--no-color", help="No colours (NO_COLOR works too)."),
) -> None:
    """Options for every command: ``gigawatt --quiet --no-color COMMAND ...``."""
    from gigawatt.cli.output import console, err_console

    if no_color:
        console.no_color = err_console.no_color = True
    if quiet:
        console.quiet = True
        err_console.quiet = True


P = ParamSpec("P")
R = TypeVar("R")


def guarded(func: Callable[P, R]) -> Callable[P, R]:
    """Turn gigawatt errors into a message and exit code; never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        as_json = bool(kwargs.get("as_json", False))
        try:
            return func(*args, **kwargs)
        except GigawattError as exc:
            raise typer.Exit(fail(exc, as_json=as_json)) from None
        except KeyboardInterrupt:
            raise typer.Exit(130) from None

    return wrapper


def json_option() -> Any:
    """The ``--json`` option every command takes."""
    return typer.Option(False, "--json", help="Print one JSON object instead of tables.")
