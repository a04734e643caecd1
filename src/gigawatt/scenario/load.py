"""Load a scenario from a file, a built-in name or text, reporting every problem at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from gigawatt.errors import Location, Problem, ScenarioError
from gigawatt.scenario.builtins import DEFAULT_SCENARIO, builtin_names, builtin_text
from gigawatt.scenario.checks import raw_reference_problems, run_checks
from gigawatt.scenario.errors_map import problems_from_validation
from gigawatt.scenario.schema import Scenario
from gigawatt.scenario.yamlmarks import Marks, load_yaml

__all__ = [
    "DEFAULT_SCENARIO",
    "builtin_names",
    "builtin_text",
    "load_mapping",
    "load_scenario",
    "parse_scenario",
    "read_file_text",
    "scenario_from_data",
]


def load_mapping(text: str, file: str, message: str, hint: str) -> tuple[dict[str, Any], Marks]:
    """YAML text that must be a mapping of keys, with its marks.

    Args:
        text: The YAML text.
        file: Its file name, for messages.
        message: What the document should be, when it is not a mapping.
        hint: How to start one.

    Raises:
        ScenarioError: the YAML is invalid or not a mapping.
    """
    data, marks = load_yaml(text, file)
    if not isinstance(data, dict):
        raise ScenarioError([Problem(Location(file, 1, 1, ""), message, hint)])
    return data, marks


def parse_scenario(text: str, file: str = "<string>") -> Scenario:
    """Validate scenario YAML text.

    Raises:
        ScenarioError: with every error found (YAML, schema and references).
    """
    data, marks = load_mapping(
        text,
        file,
        "a scenario is a mapping of keys (name, horizon, ...)",
        "start from `gigawatt init frontier-lab-2025 my.yaml`",
    )
    return _validate(data, marks, file)


def _validate(data: dict[str, Any], marks: Marks, file: str) -> Scenario:
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = problems_from_validation(exc, data, marks, Scenario)
        seen = {p.location.key_path for p in problems}
        problems += [
            p for p in raw_reference_problems(data, marks) if p.location.key_path not in seen
        ]
        problems.sort(key=lambda p: (p.location.line, p.location.column))
        raise ScenarioError(problems) from None
    problems = run_checks(scenario, data, marks)
    if any(p.severity == "error" for p in problems):
        raise ScenarioError(problems)
    scenario._source = file
    scenario._warnings = problems
    scenario._raw = data
    scenario._marks = marks
    return scenario


def scenario_from_data(data: dict[str, Any], file: str = "<data>") -> Scenario:
    """Validate already-parsed scenario data (used for sampled and edited scenarios)."""
    return _validate(data, Marks(file), file)


def load_scenario(source: str | Path | None = None) -> Scenario:
    """Load a scenario from a path or a built-in name (the default scenario when None).

    Raises:
        ScenarioError: the file is missing or invalid; every problem is listed.
    """
    if source is None:
        source = DEFAULT_SCENARIO
    path = Path(source)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return parse_scenario(read_file_text(path, builtin_names()), str(path))
    return parse_scenario(builtin_text(str(source)), f"{source} (built-in)")


def read_file_text(path: Path, builtins: list[str]) -> str:
    """The UTF-8 text of a scenario (or market) file.

    Args:
        path: The file.
        builtins: Built-in names to suggest when the file is missing.

    Raises:
        ScenarioError: the file is missing or unreadable.
    """
    if not path.is_file():
        raise ScenarioError(
            [
                Problem(
                    Location(str(path), 0, 0, ""),
                    "file not found",
                    "check the path, or name a built-in: " + ", ".join(builtins),
                )
            ]
        )
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(
            [
                Problem(
                    Location(str(path), 0, 0, ""),
                    f"cannot read file: {exc}",
                    "check permissions and that it is UTF-8 text",
                )
            ]
        ) from None
