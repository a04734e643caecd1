"""Scenarios: the typed, validated description of the world gigawatt plans for."""

from __future__ import annotations

import typing as _typing

from gigawatt.lazyexports import lazy_exports as _lazy_exports

if _typing.TYPE_CHECKING:
    from gigawatt.scenario.load import (
        DEFAULT_SCENARIO,
        builtin_names,
        builtin_text,
        load_scenario,
        parse_scenario,
        scenario_from_data,
    )
    from gigawatt.scenario.schedule import Schedule, parse_schedule
    from gigawatt.scenario.schema import (
        Accelerator,
        BuildOffer,
        Contract,
        ExclusiveClause,
        Finance,
        InferenceWorkload,
        MinSpendClause,
        OnDemandOffer,
        PinClause,
        Provider,
        ReservedOffer,
        RevenueShareClause,
        RightOfFirstRefusalClause,
        Scenario,
        Site,
        TrainingWorkload,
    )
    from gigawatt.scenario.timeline import Month, Timeline, parse_month

__all__ = [
    "DEFAULT_SCENARIO",
    "Accelerator",
    "BuildOffer",
    "Contract",
    "ExclusiveClause",
    "Finance",
    "InferenceWorkload",
    "MinSpendClause",
    "Month",
    "OnDemandOffer",
    "PinClause",
    "Provider",
    "ReservedOffer",
    "RevenueShareClause",
    "RightOfFirstRefusalClause",
    "Scenario",
    "Schedule",
    "Site",
    "Timeline",
    "TrainingWorkload",
    "builtin_names",
    "builtin_text",
    "load_scenario",
    "parse_month",
    "parse_scenario",
    "parse_schedule",
    "scenario_from_data",
]

__getattr__, __dir__ = _lazy_exports(
    __name__,
    {
        "DEFAULT_SCENARIO": "gigawatt.scenario.builtins",
        "builtin_names": "gigawatt.scenario.builtins",
        "builtin_text": "gigawatt.scenario.builtins",
        "load_scenario": "gigawatt.scenario.load",
        "parse_scenario": "gigawatt.scenario.load",
        "scenario_from_data": "gigawatt.scenario.load",
        "Schedule": "gigawatt.scenario.schedule",
        "parse_schedule": "gigawatt.scenario.schedule",
        "Accelerator": "gigawatt.scenario.schema",
        "BuildOffer": "gigawatt.scenario.schema",
        "Contract": "gigawatt.scenario.schema",
        "ExclusiveClause": "gigawatt.scenario.schema",
        "Finance": "gigawatt.scenario.schema",
        "InferenceWorkload": "gigawatt.scenario.schema",
        "MinSpendClause": "gigawatt.scenario.schema",
        "OnDemandOffer": "gigawatt.scenario.schema",
        "PinClause": "gigawatt.scenario.schema",
        "Provider": "gigawatt.scenario.schema",
        "ReservedOffer": "gigawatt.scenario.schema",
        "RevenueShareClause": "gigawatt.scenario.schema",
        "RightOfFirstRefusalClause": "gigawatt.scenario.schema",
        "Scenario": "gigawatt.scenario.schema",
        "Site": "gigawatt.scenario.schema",
        "TrainingWorkload": "gigawatt.scenario.schema",
        "Month": "gigawatt.scenario.timeline",
        "Timeline": "gigawatt.scenario.timeline",
        "parse_month": "gigawatt.scenario.timeline",
    },
)
