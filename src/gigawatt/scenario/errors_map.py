"""Turn pydantic validation errors into located, readable problems with hints."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from gigawatt.errors import Problem
from gigawatt.scenario.schedule import ScheduleKeyError
from gigawatt.scenario.yamlmarks import Marks, PathItem

__all__ = ["allowed_keys", "problems_from_validation"]


def _unwrap(tp: Any) -> Any:
    """Strip Annotated and Optional wrappers."""
    while True:
        origin = get_origin(tp)
        if origin is typing.Annotated:
            tp = get_args(tp)[0]
            continue
        if origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) == 1:
                tp = args[0]
                continue
        return tp


def _variants(tp: Any) -> list[type[BaseModel]]:
    tp = _unwrap(tp)
    if get_origin(tp) in (Union, types.UnionType):
        return [a for a in get_args(tp) if isinstance(a, type) and issubclass(a, BaseModel)]
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    return []


def _field_names(model: type[BaseModel]) -> list[str]:
    fields: dict[str, FieldInfo] = model.model_fields
    return [f.alias or name for name, f in fields.items()]


def _field_type(model: type[BaseModel], key: str) -> Any:
    for name, f in model.model_fields.items():
        if key in (name, f.alias):
            return f.annotation if not f.metadata else typing.Annotated[f.annotation, *f.metadata]
    return None


def _resolve(root: type[BaseModel], data: Any, path: tuple[PathItem, ...]) -> list[str]:
    """Keys allowed in the mapping at ``path`` (for did-you-mean hints)."""
    tp: Any = root
    node = data
    for item in path:
        tp = _unwrap(tp)
        variants = _variants(tp)
        if variants:
            chosen = _pick_variant(variants, node)
            tp = _field_type(chosen, str(item)) if chosen else None
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        elif get_origin(tp) in (list, tuple):
            tp = get_args(tp)[0]
        else:
            return []
        node = (
            node.get(item)
            if isinstance(node, dict)
            else (
                node[item]
                if isinstance(node, list) and isinstance(item, int) and item < len(node)
                else None
            )
        )
        if tp is None:
            return []
    variants = _variants(tp)
    chosen = _pick_variant(variants, node) if variants else None
    return _field_names(chosen) if chosen else []


def _pick_variant(variants: list[type[BaseModel]], node: Any) -> type[BaseModel] | None:
    if len(variants) == 1:
        return variants[0]
    if isinstance(node, dict):
        for v in variants:
            for disc in ("pricing", "kind", "type"):
                field = v.model_fields.get(disc)
                if field is None or disc not in node:
                    continue
                if node[disc] in get_args(field.annotation):
                    return v
    return None


def allowed_keys(root: type[BaseModel], data: Any, path: tuple[PathItem, ...]) -> list[str]:
    """Keys a mapping at ``path`` may hold, following discriminated unions by their tag."""
    return _resolve(root, data, path)


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[tuple[PathItem, ...], str | None]:
    """Map a pydantic ``loc`` onto the data; drop union tags. Return (path, missing_key)."""
    path: list[PathItem] = []
    node = data
    for i, item in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, dict):
            if item in node:
                path.append(item)
                node = node[item]
            elif last:
                return tuple(path), str(item)
            # else: a union tag such as 'reserved' or a function validator name; skip
        elif isinstance(node, list) and isinstance(item, int):
            if item < len(node):
                path.append(item)
                node = node[item]
            elif last:
                return tuple(path), str(item)
        else:
            # scalars: tuple items of a scalar, or nested tags; stop descending
            if isinstance(item, int) and isinstance(node, list | tuple):
                path.append(item)
            break
    return tuple(path), None


_TAGS: dict[str, tuple[str, ...]] = {
    "pricing": ("on_demand", "reserved", "build"),
    "kind": ("inference", "training"),
    "type": ("pin", "exclusive", "right_of_first_refusal", "revenue_share", "min_spend"),
}

_TYPE_WORDS = {
    "float_parsing": "a number",
    "float_type": "a number",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "a text value",
    "list_type": "a list (`[a, b]` or `- a` lines)",
    "dict_type": "a mapping (`key: value` lines)",
    "model_type": "a mapping (`key: value` lines)",
    "tuple_type": "a list of two months `[YYYY-MM, YYYY-MM]`",
}


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    return repr(value)


def problems_from_validation(
    exc: ValidationError, data: Any, marks: Marks, root: type[BaseModel]
) -> list[Problem]:
    """Convert every pydantic error into a :class:`Problem` located in the file."""
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        kind = err["type"]
        path, missing = _data_path(data, loc)
        ctx = err.get("ctx") or {}
        hint = ""
        cause = ctx.get("error")
        if kind == "missing" and missing is not None and not missing.isdigit():
            location = marks.locate(path)
            location = type(location)(
                location.file,
                location.line,
                location.column,
                f"{location.key_path}.{missing}" if location.key_path else missing,
            )
            message = f"missing required key '{missing}'"
            hint = f"add `{missing}:`; see `gigawatt schema` for its meaning and unit"
        elif kind == "extra_forbidden":
            location = marks.locate(path)
            key = str(path[-1]) if path else "?"
            message = f"unknown key '{key}'"
            allowed = allowed_keys(root, data, path[:-1])
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            if close:
                hint = f"did you mean `{close[0]}`?"
            elif allowed:
                hint = "allowed keys here: " + ", ".join(sorted(allowed))
        elif kind == "union_tag_invalid" or kind == "union_tag_not_found":
            tag = str(ctx.get("discriminator", "")).strip("'")
            expected = str(ctx.get("expected_tags", "")) or ", ".join(_TAGS.get(tag, ()))
            if kind == "union_tag_not_found":
                location = marks.locate(path)
                location = type(location)(
                    location.file,
                    location.line,
                    location.column,
                    f"{location.key_path}.{tag}" if location.key_path else tag,
                )
                message = f"missing required key '{tag}'"
                hint = f"add `{tag}:` with one of {expected}"
            else:
                path = (*path, tag) if tag else path
                location = marks.locate(path)
                message = f"'{ctx.get('tag')}' is not a valid {tag}"
                close = difflib.get_close_matches(
                    str(ctx.get("tag")), [t.strip(" '") for t in expected.split(",")], n=1
                )
                hint = f"did you mean `{close[0]}`?" if close else f"use one of {expected}"
        elif isinstance(cause, ScheduleKeyError):
            path = (*path, cause.key)
            location = marks.locate(path)
            message = str(cause)
        elif kind in ("too_short", "too_long") or (
            kind == "missing" and missing is not None and missing.isdigit()
        ):
            location = marks.locate(path)
            got = ctx.get("actual_length")
            if got is None:
                node = data
                for part in path:
                    node = node[part]
                got = len(node) if isinstance(node, list) else "?"
            wanted = ctx.get("max_length") or ctx.get("min_length") or 2
            message = f"expected a list of {wanted} items, got {got}"
            if path and path[-1] == "window":
                hint = (
                    "write the window as [YYYY-MM, YYYY-MM] (first, last), e.g. [2026-01, 2026-09]"
                )
        elif kind in _TYPE_WORDS:
            location = marks.locate(path)
            message = f"expected {_TYPE_WORDS[kind]}, got {_describe(err.get('input'))}"
        elif kind == "finite_number":
            location = marks.locate(path)
            message = f"expected a finite number, got {_describe(err.get('input'))}"
            hint = "infinity and NaN (.inf, .nan, 1e999) are not values; write a number"
        elif kind == "literal_error":
            location = marks.locate(path)
            expected = str(ctx.get("expected", ""))
            options = [o.strip(" '") for o in expected.replace(" or ", ",").split(",")]
            got = str(err.get("input"))
            message = f"'{got}' is not allowed; expected {expected}"
            close = difflib.get_close_matches(got, options, n=1)
            hint = f"did you mean `{close[0]}`?" if close else ""
        elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
            location = marks.locate(path)
            op = {
                "greater_than_equal": ">=",
                "greater_than": ">",
                "less_than_equal": "<=",
                "less_than": "<",
            }[kind]
            bound = next(iter(ctx.values()), "")
            message = f"must be {op} {bound}, got {err.get('input')!r}"
            value = err.get("input")
            if (
                kind.startswith("greater")
                and bound in (0, 0.0)
                and isinstance(value, int | float)
                and value < 0
            ):
                hint = "negative capacities, prices and amounts are not allowed"
            else:
                hint = f"write a value {op} {bound}; `gigawatt schema` gives its meaning and unit"
        elif kind == "string_pattern_mismatch":
            location = marks.locate(path)
            message = f"'{err.get('input')}' is not a valid name"
            hint = "use letters, digits, '-', '_' and '.' only"
        else:
            location = marks.locate(path)
            raw = str(err["msg"])
            message = raw.removeprefix("Value error, ")
        dedupe = (location.key_path, message)
        if dedupe in seen:
            continue
        seen.add(dedupe)
        problems.append(Problem(location, message, hint))
    return problems
