"""The one exceptions module of gigawatt.

Every error a user can cause derives from :class:`GigawattError`. Its message says
what failed and how to fix it; the CLI prints it and exits with code 2 (bad input)
or 1 (the model or the service failed), never with a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "GigawattError",
    "InfeasibleError",
    "InputError",
    "Location",
    "MissingExtraError",
    "Problem",
    "ScenarioError",
    "SolverError",
]


@dataclass(frozen=True)
class Location:
    """Where a problem sits in a scenario file.

    Attributes:
        file: Path of the file (or ``<string>`` for text given directly).
        line: 1-based line number, or 0 when unknown.
        column: 1-based column number, or 0 when unknown.
        key_path: Dotted path of the key, e.g. ``sites.abilene.offers[0].usd_per_hour``.
    """

    file: str
    line: int
    column: int
    key_path: str

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}:{self.column}"
        return f"{where}: {self.key_path}" if self.key_path else where


@dataclass(frozen=True)
class Problem:
    """One problem found in a scenario: where, what, and how to fix it."""

    location: Location
    message: str
    hint: str = ""
    severity: str = "error"

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready mapping."""
        return {
            "file": self.location.file,
            "line": self.location.line,
            "column": self.location.column,
            "key_path": self.location.key_path,
            "message": self.message,
            "hint": self.hint,
            "severity": self.severity,
        }


class GigawattError(Exception):
    """Base class of every error gigawatt raises on purpose."""

    exit_code = 1


@dataclass
class ScenarioError(GigawattError):
    """A scenario file is invalid; carries every problem found, not only the first."""

    problems: list[Problem] = field(default_factory=list)
    exit_code = 2

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        errors = [p for p in self.problems if p.severity == "error"]
        head = f"{len(errors)} error(s) in scenario"
        return head + ":\n" + "\n".join(f"  {p}" for p in errors)


class InputError(GigawattError):
    """Bad input other than a scenario file (exit code 2).

    An option out of range, or a results folder or file that is missing or unreadable;
    the message names it and says how to fix it.
    """

    exit_code = 2


class MissingExtraError(GigawattError):
    """An optional package a command needs is not installed (exit code 1).

    A failure of the environment the run needs, not of the input; the message names the
    extra that installs it (``pip install 'gigawatt[ray]'``).
    """

    def __init__(self, package: str, extra: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"{package} is not installed; install it with `pip install 'gigawatt[{extra}]'`"
        )


class SolverError(GigawattError):
    """The solver failed, hit a limit without a solution, or found the model unbounded."""


class InfeasibleError(SolverError):
    """The plan has no feasible solution; ``conflicts`` names the clashing constraints."""

    def __init__(self, message: str, conflicts: list[str] | None = None) -> None:
        self.conflicts = conflicts or []
        text = message
        if self.conflicts:
            text += "\nConflicting constraints:\n" + "\n".join(f"  - {c}" for c in self.conflicts)
        super().__init__(text)
