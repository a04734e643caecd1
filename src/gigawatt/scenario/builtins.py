"""The scenarios shipped with gigawatt: their names and YAML text (read without parsing)."""

from __future__ import annotations

from importlib import resources

from gigawatt.errors import Location, Problem, ScenarioError

__all__ = ["DEFAULT_SCENARIO", "builtin_names", "builtin_text"]

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
