"""Load YAML 1.2 while keeping the line and column of every key and item.

The loaded document is returned as plain Python data (dicts, lists, scalars) plus a
:class:`Marks` table from key paths to positions, so that any later check can point
at ``file:line:column`` and the dotted key path.

Limits (a scenario is far inside both; they stop hostile or broken files quickly and
with a located error rather than a ``RecursionError`` or minutes of work): nesting at
most :data:`MAX_DEPTH` levels deep, in the text (checked as it is read: the scanner
refuses the 65th open bracket, whose cost grows with the square of the depth, and the
composer the 65th indented level, before anything is built) and after aliases are
expanded; at most :data:`MAX_VALUES`
keys, items and scalars after aliases are expanded (a "billion laughs" document of
nested aliases is refused at that count).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import MaxDepthExceededError
from ruamel.yaml.constructor import ConstructorError, DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, SequenceNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scanner import RoundTripScanner

from gigawatt.errors import Location, Problem, ScenarioError

__all__ = ["MAX_DEPTH", "MAX_VALUES", "Marks", "PathItem", "format_path", "load_yaml"]

PathItem = str | int

#: Deepest nesting of mappings and lists accepted (a scenario needs about 6).
MAX_DEPTH = 64
#: Most keys, items and scalars a document may expand to (the built-ins hold ~1,000).
MAX_VALUES = 200_000


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


class _DepthScanner(RoundTripScanner):
    """The round-trip scanner, refusing flow collections nested beyond MAX_DEPTH."""

    def fetch_flow_collection_start(self, TokenClass: Any, to_push: Any) -> None:
        if len(self.flow_context) >= MAX_DEPTH:
            raise MaxDepthExceededError(None, None, "too deep", self.reader.get_mark())
        super().fetch_flow_collection_start(TokenClass, to_push)


class _Constructor(RoundTripConstructor):
    """The round-trip constructor, locating integers Python refuses to convert."""

    def construct_yaml_int(self, node: Any) -> Any:
        try:
            return super().construct_yaml_int(node)
        except ValueError:  # more digits than int() converts (4,300 by default)
            raise ConstructorError(
                None, None, "integer too long to read (thousands of digits)", node.start_mark
            ) from None


_Constructor.add_constructor("tag:yaml.org,2002:int", _Constructor.construct_yaml_int)


class _TooLargeError(Exception):
    """The document nests too deep or expands to too many values at ``path``.

    ``where`` is the path to point at: ``path`` itself, or the alias it was reached by.
    """

    def __init__(
        self, where: tuple[PathItem, ...], path: tuple[PathItem, ...], message: str, hint: str
    ) -> None:
        super().__init__(message)
        self.where = where
        self.path = path
        self.message = message
        self.hint = hint


@dataclass
class _Budget:
    """Values read so far, and the containers already read (seen again = an alias)."""

    values: int = 0
    seen: set[int] = field(default_factory=set)


def _plain(
    node: Any,
    path: tuple[PathItem, ...],
    marks: Marks,
    budget: _Budget,
    alias_at: int | None = None,
) -> Any:
    """Plain data of a node.

    ``alias_at`` is the length of the path of the alias the node was reached through, if
    any: errors inside point at the alias, not at the anchor's text.
    """
    budget.values += 1
    container = isinstance(node, CommentedMap | CommentedSeq)
    if container:
        if id(node) in budget.seen and alias_at is None:
            alias_at = len(path)
        budget.seen.add(id(node))
    # ruamel marks an alias with its anchor's position: point at the key holding it
    where = path if alias_at is None else path[: max(alias_at - 1, 1)]
    if budget.values > MAX_VALUES:
        raise _TooLargeError(
            where,
            path,
            f"the document expands to more than {MAX_VALUES:,} values",
            "a scenario holds far fewer; check anchors and aliases (*name) that repeat large parts",
        )
    if len(path) > MAX_DEPTH and container:
        raise _TooLargeError(
            where,
            path,
            f"nesting deeper than {MAX_DEPTH} levels (after expanding aliases)",
            "a scenario nests about 6 levels; check aliases (*name) that nest into each other",
        )
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
            out[key_text] = _plain(value, child, marks, budget, alias_at)
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
            items.append(_plain(value, child, marks, budget, alias_at))
        return items
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        if abs(node).bit_length() > 1000:  # beyond any float; str() of it may even fail
            raise _TooLargeError(
                where, path, "integer too large (more than 300 digits)", "write a realistic value"
            )
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
    yaml.max_depth = MAX_DEPTH
    yaml.Scanner = _DepthScanner
    yaml.Constructor = _Constructor
    try:
        document = yaml.load(io.StringIO(text))
    except DuplicateKeyError:
        raise ScenarioError(_duplicate_keys(text, file)) from None
    except MaxDepthExceededError as exc:
        raise _error_at(
            Location(file, *_position(exc), ""),
            f"nesting deeper than {MAX_DEPTH} levels of mappings and lists",
            "a scenario nests about 6 levels; check the brackets and indentation around this line",
        ) from None
    except MarkedYAMLError as exc:
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise _error_at(
            Location(file, *_position(exc), ""),
            f"YAML syntax error: {problem}",
            "check indentation, colons and brackets around this line",
        ) from None
    except ReaderError as exc:  # a character YAML does not allow, at a character index
        before = text[: max(int(exc.position), 0)]
        line, column = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        code = (
            exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        )
        raise _error_at(
            Location(file, line, column, ""),
            f"character U+{code:04X} is not allowed in YAML",
            'remove it, or write it escaped inside a double-quoted string ("\\x1b")',
        ) from None
    except YAMLError as exc:
        raise ScenarioError(
            [Problem(Location(file, 0, 0, ""), f"YAML error: {exc}", "fix the YAML syntax")]
        ) from None
    marks = Marks(file)
    try:
        return _plain(document, (), marks, _Budget()), marks
    except _TooLargeError as exc:
        at = marks.locate(exc.where)
        where = Location(file, at.line, at.column, format_path(exc.path))
        raise _error_at(where, exc.message, exc.hint) from None


def _position(exc: MarkedYAMLError) -> tuple[int, int]:
    """1-based line and column of a parser error (0, 0 when it has no mark)."""
    mark = exc.problem_mark or exc.context_mark
    return (mark.line + 1, mark.column + 1) if mark else (0, 0)


def _error_at(where: Location, message: str, hint: str) -> ScenarioError:
    return ScenarioError([Problem(where, message, hint)])
