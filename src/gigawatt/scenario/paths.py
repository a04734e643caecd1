"""Key paths into scenario data, as used by ``uncertainty`` and error messages.

A path is dotted; list items are addressed by index (``offers[0]``) or, for the
named lists ``workloads`` and ``contracts``, by name (``workloads.partner-api``).
Schedule keys are path parts too (``demand_flops.2026-01``, ``...growth_per_year``).
"""

from __future__ import annotations

import re
from typing import Any

from gigawatt.scenario.yamlmarks import PathItem

__all__ = ["get_path", "parse_path", "resolve_path", "set_path"]

_INDEX = re.compile(r"^(.*?)\[(\d+)\]$")
_NAMED_LISTS = ("workloads", "contracts")


def parse_path(text: str) -> list[str | int]:
    """Split ``a.b[0].c`` into ``['a', 'b', 0, 'c']`` (months with dashes stay whole)."""
    parts: list[str | int] = []
    for raw in text.split("."):
        if not raw:
            raise ValueError(f"empty part in key path '{text}'")
        indices: list[int] = []
        token = raw
        while (m := _INDEX.match(token)) is not None:
            indices.insert(0, int(m.group(2)))
            token = m.group(1)
        if token:
            parts.append(token)
        parts.extend(indices)
    return parts


def resolve_path(data: Any, text: str) -> tuple[PathItem, ...]:
    """Resolve a key path against raw scenario data to concrete keys and indices.

    Raises:
        ValueError: the path does not lead to a value, with the first missing part.
    """
    node = data
    out: list[PathItem] = []
    for part in parse_path(text):
        if isinstance(node, list):
            if isinstance(part, int):
                if part >= len(node):
                    raise ValueError(f"'{'.'.join(map(str, out))}' has no item [{part}]")
                out.append(part)
                node = node[part]
                continue
            names = [item.get("name") for item in node if isinstance(item, dict)]
            if part not in names:
                where = ".".join(map(str, out)) or "top level"
                raise ValueError(
                    f"no item named '{part}' in {where}; names are: {', '.join(map(str, names))}"
                )
            idx = names.index(part)
            out.append(idx)
            node = node[idx]
        elif isinstance(node, dict):
            key = str(part)
            if key not in node:
                where = ".".join(map(str, out)) or "top level"
                keys = ", ".join(sorted(map(str, node)))
                raise ValueError(f"no key '{key}' under {where}; keys there: {keys}")
            out.append(key)
            node = node[key]
        else:
            raise ValueError(f"'{part}' goes below a plain value in '{text}'")
    return tuple(out)


def get_path(data: Any, path: tuple[PathItem, ...]) -> Any:
    """Value at a resolved path."""
    node = data
    for part in path:
        node = node[part]
    return node


def set_path(data: Any, path: tuple[PathItem, ...], value: Any) -> None:
    """Set the value at a resolved path (in place)."""
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
