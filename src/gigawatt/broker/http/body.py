"""A JSON body read into a strict model; every failure is one 422 naming the field.

Every route reads its body through :func:`parse_body` (the placement route and its
shortcut) or through FastAPI, whose validation errors :func:`invalid` words the same
way: a body that is not JSON is a 422 ``invalid_json`` on every route, a value that
breaks the schema a 422 ``invalid`` naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from gigawatt.broker.errors import BadRequestError

__all__ = ["invalid", "parse_body"]

M = TypeVar("M", bound=BaseModel)
_WHERE = ("body", "query", "path", "header")


def parse_body(model: type[M], raw: bytes) -> M:
    """The body as ``model`` (strict: see :class:`gigawatt.broker.models.PlacementIn`).

    Raises:
        BadRequestError: not JSON, or not what ``model`` accepts (422).
    """
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise invalid(exc.errors(include_url=False)) from None


def invalid(errors: Sequence[Mapping[str, Any]]) -> BadRequestError:
    """The 422 of a list of pydantic (or FastAPI) validation errors: the first one."""
    first: Mapping[str, Any] = errors[0] if errors else {"msg": "invalid request"}
    if first.get("type") == "json_invalid":
        context: Mapping[str, Any] = first.get("ctx") or {}
        detail = str(context.get("error") or first.get("msg", ""))
        detail = detail.removeprefix("Invalid JSON: ")
        return BadRequestError("invalid_json", f"the body is not valid JSON: {detail}", None)
    loc = [str(p) for p in first.get("loc", ()) if p not in _WHERE]
    message = str(first.get("msg", "invalid request")).removeprefix("Value error, ")
    if str(first.get("type", "")).endswith("_type") and "input" in first:
        message += f" (got {_shown(first['input'])})"
    return BadRequestError("invalid", message, ".".join(loc) or None)


def _shown(value: object) -> str:
    """A short JSON-like rendering of a rejected value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value[:40] + ("..." if len(value) > 40 else ""))
    if isinstance(value, int | float):
        return repr(value)
    return type(value).__name__.replace("dict", "an object").replace("list", "an array")
