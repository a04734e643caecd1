"""Load a scenario from a file, a built-in name or text, reporting every problem at once."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from gigawatt.errors import Location, Problem, ScenarioError
from gigawatt.scenario.checks import raw_reference_problems, run_checks
from gigawatt.scenario.errors_map import problems_from_validation
from gigawatt.scenario.schema import Scenario
from gigawatt.scenario.yamlmarks import Marks, load_yaml

__all__ = [
    "DEFAULT_SCENARIO",
    "builtin_names",
    "builtin_text",
    "load_scenario",
    "parse_scenario",
    "scenario_from_data",
]

DEFAULT_SCENARIO = "frontier-lab-2025"


def builtin_names() -> list[str]:
    """Names of the scenarios shipped with gigawatt."""
    folder = resources.files("gigawatt.scenario") / "builtin"
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def builtin_text(name: str) -> str:
    """YAML text of a built-in scenario.

    Raises:
        ScenarioError: no built-in has that name.
    """
    names = builtin_names()
    if name not in names:
        raise ScenarioError(
            [
                Problem(
                    Location(name, 0, 0, ""),
                    f"no scenario file or built-in named '{name}'",
                    "built-ins are: " + ", ".join(names),
                )
            ]
        )
    folder = resources.files("gigawatt.scenario") / "builtin"
    return (folder / f"{name}.yaml").read_text(encoding="utf-8")


def parse_scenario(text: str, file: str = "<string>") -> Scenario:
    """Validate scenario YAML text.

    Raises:
        ScenarioError: with every error found (YAML, schema and references).
    """
    data, marks = load_yaml(text, file)
    if not isinstance(data, dict):
        raise ScenarioError(
            [
                Problem(
                    Location(file, 1, 1, ""),
                    "a scenario is a mapping of keys (name, horizon, ...)",
                    "start from `gigawatt init frontier-lab-2025 my.yaml`",
                )
            ]
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
        if not path.is_file():
            raise ScenarioError(
                [
                    Problem(
                        Location(str(path), 0, 0, ""),
                        "file not found",
                        "check the path, or name a built-in: " + ", ".join(builtin_names()),
                    )
                ]
            )
        try:
            text = path.read_text(encoding="utf-8")
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
        return parse_scenario(text, str(path))
    return parse_scenario(builtin_text(str(source)), f"{source} (built-in)")
