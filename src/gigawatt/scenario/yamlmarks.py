"""Load YAML 1.2 while keeping the line and column of every key and item.

The loaded document is returned as plain Python data (dicts, lists, scalars) plus a
:class:`Marks` table from key paths to positions, so that any later check can point
at ``file:line:column`` and the dotted key path.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, SequenceNode

from gigawatt.errors import Location, Problem, ScenarioError

__all__ = ["Marks", "PathItem", "format_path", "load_yaml"]

PathItem = str | int


def format_path(path: tuple[PathItem, ...]) -> str:
    """Dotted key path: ``('sites', 'a', 'offers', 0, 'x')`` -> ``sites.a.offers[0].x``."""
    out = ""
    for item in path:
        if isinstance(item, int):
            out += f"[{item}]"
        else:
            out += ("." if out else "") + str(item)
    return out


@dataclass
class Marks:
    """Positions of keys and items of one YAML document."""

    file: str
    positions: dict[tuple[PathItem, ...], tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: tuple[PathItem, ...]) -> Location:
        """Location of a path, falling back to the closest ancestor that has a mark."""
        probe = tuple(path)
        while probe and probe not in self.positions:
            probe = probe[:-1]
        line, column = self.positions.get(probe, (1, 1) if self.positions else (0, 0))
        return Location(self.file, line, column, format_path(tuple(path)))


def _plain(node: Any, path: tuple[PathItem, ...], marks: Marks) -> Any:
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key, value in node.items():
            key_text = str(key)
            child = (*path, key_text)
            try:
                line, col = node.lc.key(key)
                marks.positions[child] = (line + 1, col + 1)
            except (KeyError, TypeError):
                pass
            out[key_text] = _plain(value, child, marks)
        return out
    if isinstance(node, CommentedSeq):
        items: list[Any] = []
        for i, value in enumerate(node):
            child = (*path, i)
            try:
                line, col = node.lc.item(i)
                marks.positions[child] = (line + 1, col + 1)
            except (KeyError, TypeError, IndexError):
                pass
            items.append(_plain(value, child, marks))
        return items
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return str(node)


def _duplicate_keys(text: str, file: str) -> list[Problem]:
    """Every repeated key of every mapping, located at its second occurrence."""
    node = YAML(typ="rt").compose(io.StringIO(text))
    problems: list[Problem] = []

    def walk(n: Any, path: tuple[PathItem, ...]) -> None:
        if isinstance(n, MappingNode):
            seen: set[str] = set()
            for key_node, value_node in n.value:
                key = str(getattr(key_node, "value", ""))
                child = (*path, key)
                if key in seen:
                    mark = key_node.start_mark
                    problems.append(
                        Problem(
                            Location(file, mark.line + 1, mark.column + 1, format_path(child)),
                            f"duplicate key '{key}'",
                            "each name may appear once in a mapping; rename or merge the entries",
                        )
                    )
                seen.add(key)
                walk(value_node, child)
        elif isinstance(n, SequenceNode):
            for i, item in enumerate(n.value):
                walk(item, (*path, i))

    walk(node, ())
    return problems or [
        Problem(Location(file, 0, 0, ""), "duplicate key", "each name may appear once")
    ]


def load_yaml(text: str, file: str) -> tuple[Any, Marks]:
    """Parse YAML text into plain data and marks.

    Raises:
        ScenarioError: the text is not valid YAML (with line and column), or a mapping
            repeats a key.
    """
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        document = yaml.load(io.StringIO(text))
    except DuplicateKeyError:
        raise ScenarioError(_duplicate_keys(text, file)) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise ScenarioError(
            [
                Problem(
                    Location(file, line, column, ""),
                    f"YAML syntax error: {problem}",
                    "check indentation, colons and brackets around this line",
                )
            ]
        ) from None
    except YAMLError as exc:
        raise ScenarioError(
            [Problem(Location(file, 0, 0, ""), f"YAML error: {exc}", "fix the YAML syntax")]
        ) from None
    marks = Marks(file)
    return _plain(document, (), marks), marks
