"""Load a market from a file or a built-in name, every problem located (file, line, key)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from gigawatt.errors import Location, Problem, ScenarioError
from gigawatt.market.schema import Market
from gigawatt.scenario.errors_map import problems_from_validation
from gigawatt.scenario.load import load_mapping, read_file_text
from gigawatt.scenario.yamlmarks import Marks

__all__ = ["DEFAULT_MARKET", "load_market", "market_names", "market_text", "parse_market"]

DEFAULT_MARKET = "market-2025"


def market_names() -> list[str]:
    """Names of the markets shipped with gigawatt."""
    folder = resources.files("gigawatt.market") / "builtin"
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def parse_market(text: str, file: str = "<string>") -> Market:
    """Validate market YAML text.

    Raises:
        ScenarioError: with every problem found (YAML, schema and references).
    """
    data, marks = load_mapping(
        text,
        file,
        "a market is a mapping of keys (name, years, families, ...)",
        "start from the built-in: `gigawatt market --show market-2025 > my.yaml`",
    )
    return _validate(data, marks, file)


def _validate(data: dict[str, Any], marks: Marks, file: str) -> Market:
    try:
        market = Market.model_validate(data)
    except ValidationError as exc:
        problems = problems_from_validation(exc, data, marks, Market)
        problems.sort(key=lambda p: (p.location.line, p.location.column))
        raise ScenarioError(problems) from None
    market._source, market._marks, market._raw = file, marks, data
    return market.with_data(data)


def _builtin_text(name: str) -> str:
    names = market_names()
    if name not in names:
        raise ScenarioError(
            [
                Problem(
                    Location(name, 0, 0, ""),
                    f"no market file or built-in market named '{name}'",
                    "built-in markets are: " + ", ".join(names),
                )
            ]
        )
    return (resources.files("gigawatt.market") / "builtin" / f"{name}.yaml").read_text(
        encoding="utf-8"
    )


def market_text(source: str | Path | None = None) -> tuple[str, str]:
    """The YAML text of a market file or built-in, and the name to report it by.

    Raises:
        ScenarioError: the file is missing or unreadable, or no built-in has that name.
    """
    source = DEFAULT_MARKET if source is None else source
    path = Path(source)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return read_file_text(path, market_names()), str(path)
    return _builtin_text(str(source)), f"{source} (built-in)"


def load_market(source: str | Path | None = None) -> Market:
    """Load a market from a path or a built-in name (``market-2025`` when None).

    Raises:
        ScenarioError: the file is missing or invalid; every problem is listed.
    """
    text, name = market_text(source)
    return parse_market(text, name)
