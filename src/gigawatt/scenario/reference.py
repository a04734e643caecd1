"""The scenario reference, generated from the schema (one source of truth).

``reference_rows()`` walks the pydantic models and yields one row per key: its path
(``sites.<name>.offers[].usd_per_hour``), type, whether it is required, default, unit
(read from the key name's suffix) and meaning. ``json_schema()`` is the JSON Schema.
"""

from __future__ import annotations

import types
import typing
from dataclasses import asdict, dataclass
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from gigawatt.scenario.schedule import Schedule
from gigawatt.scenario.schema import Scenario
from gigawatt.scenario.timeline import Month

__all__ = ["ReferenceRow", "json_schema", "reference_rows", "unit_of"]

_UNITS = (
    ("_usd_per_h100e_year", "USD per H100e-year"),
    ("_usd_per_gw_year", "USD per GW-year"),
    ("_usd_per_gw", "USD per GW"),
    ("_percent", "%"),
    ("_per_year", "fraction per year"),
    ("_usd_per_unit", "USD per accelerator"),
    ("_wafers_per_unit", "wafers per accelerator"),
    ("_twh", "TWh"),
    ("_gw", "GW"),
    ("_kw", "kW"),
    ("_gb", "GB"),
    ("_usd_per_hour", "USD per hour"),
    ("_usd_per_month", "USD per month"),
    ("_usd_per_mwh", "USD per MWh"),
    ("_usd_per_flop", "USD per FLOP"),
    ("_gco2_per_kwh", "gCO2 per kWh"),
    ("_usd", "USD"),
    ("_mw", "MW"),
    ("_flops", "FLOP/s"),
    ("_flop", "FLOP"),
    ("_watts", "W"),
    ("_months", "months"),
)
_SPECIAL_UNITS = {
    "usd": "USD",
    "flop": "FLOP",
    "percent": "%",
    "months": "months",
    "discount_rate": "per year",
    "utilization": "fraction",
    "mfu": "fraction",
    "pue": "ratio",
    "available": "accelerators",
    "h100e": "H100e",
    "load_factor": "fraction",
    "ai_share": "fraction",
    "tolerance": "fraction",
    "lifetime_years": "years",
    "growth_per_year": "factor per year",
}


def unit_of(key: str) -> str:
    """Unit read from a key name (``power_mw`` -> ``MW``)."""
    if key in _SPECIAL_UNITS:
        return _SPECIAL_UNITS[key]
    for suffix, unit in _UNITS:
        if key.endswith(suffix) or key == suffix[1:]:
            return unit
    return ""


@dataclass(frozen=True)
class ReferenceRow:
    """One key of the scenario format."""

    path: str
    type: str
    required: bool
    default: str
    unit: str
    description: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return asdict(self)


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if origin is typing.Annotated:
        return _type_name(get_args(tp)[0])
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        names = list(dict.fromkeys(_type_name(a) for a in args))
        return " | ".join(names)
    if origin is typing.Literal:
        return " | ".join(str(a) for a in get_args(tp))
    if origin is list:
        return f"list of {_type_name(get_args(tp)[0])}"
    if origin is tuple:
        return "[" + ", ".join(_type_name(a) for a in get_args(tp)) + "]"
    if origin is dict:
        return f"mapping of {_type_name(get_args(tp)[1])}"
    if tp is Schedule:
        return "schedule"
    if tp is Month:
        return "month"
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return "mapping"
    if tp is Any:
        return "any"
    return getattr(tp, "__name__", str(tp))


def _discriminator(model: type[BaseModel]) -> tuple[str, str] | None:
    for key in ("pricing", "kind", "type"):
        field = model.model_fields.get(key)
        if field is not None and get_origin(field.annotation) is typing.Literal:
            return key, str(get_args(field.annotation)[0])
    return None


def _children(tp: Any, prefix: str) -> list[tuple[str, type[BaseModel], str]]:
    """Models nested in an annotation: (path prefix, model, condition such as pricing=build)."""
    origin = get_origin(tp)
    if origin is typing.Annotated:
        return _children(get_args(tp)[0], prefix)
    if origin in (Union, types.UnionType):
        out: list[tuple[str, type[BaseModel], str]] = []
        models = [a for a in get_args(tp) if isinstance(a, type) and issubclass(a, BaseModel)]
        for a in get_args(tp):
            for child_prefix, model, _ in _children(a, prefix):
                disc = _discriminator(model) if len(models) > 1 else None
                out.append((child_prefix, model, f"{disc[0]}: {disc[1]}" if disc else ""))
        return out
    if origin is list:
        return _children(get_args(tp)[0], prefix + "[]")
    if origin is dict:
        return _children(get_args(tp)[1], prefix + ".<name>")
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [(prefix, tp, "")]
    return []


@dataclass
class _Acc:
    row: ReferenceRow
    conditions: list[str]
    types: list[str]


def _walk(model: type[BaseModel], prefix: str, condition: str, rows: dict[str, _Acc]) -> None:
    for name, field in model.model_fields.items():
        key = field.alias or name
        path = f"{prefix}.{key}" if prefix else key
        annotation: Any = field.annotation
        if field.metadata:
            annotation = typing.Annotated[annotation, *field.metadata]
        type_name = _type_name(annotation)
        if path in rows:
            acc = rows[path]
            acc.conditions.append(condition)
            if type_name not in acc.types:
                acc.types.append(type_name)
        else:
            required = field.is_required()
            default = ""
            if not required:
                if field.default_factory is not None:
                    default = _show_default(field.default_factory())  # type: ignore[call-arg]
                elif field.default is not PydanticUndefined:
                    default = _show_default(field.default)
            rows[path] = _Acc(
                ReferenceRow(
                    path=path,
                    type=type_name,
                    required=required,
                    default=default,
                    unit=unit_of(key),
                    description=field.description or "",
                ),
                [condition],
                [type_name],
            )
        for child_prefix, child, child_condition in _children(annotation, path):
            _walk(child, child_prefix, child_condition, rows)


def _show_default(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, Schedule):
        return repr(value.to_yaml())
    if isinstance(value, BaseModel):
        return "defaults"
    if isinstance(value, list | dict) and not value:
        return "[]" if isinstance(value, list) else "{}"
    return repr(value)


def reference_rows(root: type[BaseModel] = Scenario) -> list[ReferenceRow]:
    """Every key of the scenario format (or of another root model), in schema order.

    ``root`` is the model walked: :class:`Scenario`, or the market's
    (:class:`gigawatt.market.schema.Market`), whose reference is generated the same way.
    Keys that exist only for some variants (``term_months`` for reserved offers) say so
    in ``description`` ("only with pricing: reserved").
    """
    rows: dict[str, _Acc] = {}
    _walk(root, "", "", rows)
    variants: dict[str, set[str]] = {}
    for path, acc in rows.items():
        variants.setdefault(path.rsplit(".", 1)[0], set()).update(acc.conditions)
    out = []
    for path, acc in rows.items():
        row = acc.row
        conditions = [c for c in acc.conditions if c]
        every = variants[path.rsplit(".", 1)[0]]
        if conditions and len(conditions) == len(acc.conditions) and set(conditions) != every:
            siblings = {c.split(":")[0] for c in conditions}
            key = row.path.rsplit(".", 1)[-1]
            if key not in siblings:
                row = ReferenceRow(
                    row.path,
                    row.type,
                    row.required,
                    row.default,
                    row.unit,
                    f"{row.description} (only with {' or '.join(conditions)})",
                )
        if len(acc.types) > 1 and row.path.rsplit(".", 1)[-1] in ("pricing", "kind", "type"):
            row = ReferenceRow(
                row.path,
                " | ".join(acc.types),
                row.required,
                row.default,
                row.unit,
                row.description,
            )
        out.append(row)
    return out


def json_schema() -> dict[str, Any]:
    """JSON Schema of the scenario format."""
    return Scenario.model_json_schema(by_alias=True)
