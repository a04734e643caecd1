"""Checks across a market's keys: every name referred to exists, years in order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from gigawatt.errors import Problem
from gigawatt.scenario.yamlmarks import PathItem

if TYPE_CHECKING:
    from gigawatt.market.schema import Market

__all__ = ["reference_problems"]


def _series_sources(market: Market) -> Iterator[tuple[tuple[PathItem, ...], list[str]]]:
    for name, fam in market.families.items():
        yield ("families", name, "source"), fam.source
        yield ("families", name, "shipments", "source"), fam.shipments.source
    for key in ("cowos_wafers", "hbm_gb"):
        series = getattr(market.upstream, key)
        if series is not None:
            yield ("upstream", key, "source"), series.source
    for name, region in market.regions.items():
        yield ("regions", name, "power_gw", "source"), region.power_gw.source
    for name, lab in market.labs.items():
        yield ("labs", name, "h100e", "source"), lab.h100e.source
    for i, c in enumerate(market.contracts):
        yield ("contracts", i, "power_gw", "source"), c.power_gw.source
    if market.record is not None:
        yield ("record", "source"), market.record.source


def _unknown(
    market: Market, path: tuple[PathItem, ...], name: str, known: list[str], what: str
) -> Problem:
    return market.problem(
        path,
        f"unknown {what} '{name}'",
        f"use one of: {', '.join(sorted(known))}" if known else f"add it under `{what}s`",
    )


def reference_problems(market: Market) -> list[Problem]:
    """Every reference to a missing source, lab, family or region; years out of order."""
    problems: list[Problem] = []
    first, last = market.years
    if first > last:
        problems.append(
            market.problem(
                ("years",), f"first year {first} is after last year {last}", "write [first, last]"
            )
        )
    known_sources = list(market.sources)
    for path, ids in _series_sources(market):
        for i, sid in enumerate(ids):
            if sid not in market.sources:
                problems.append(_unknown(market, (*path, i), sid, known_sources, "source"))
    if market.lab not in market.labs:
        problems.append(_unknown(market, ("lab",), market.lab, list(market.labs), "lab"))
    families, regions = list(market.families), list(market.regions)
    for name, lab in market.labs.items():
        for i, r in enumerate(lab.regions or []):
            if r not in market.regions:
                problems.append(
                    _unknown(market, ("labs", name, "regions", i), r, regions, "region")
                )
        for i, f in enumerate(lab.families or []):
            if f not in market.families:
                problems.append(
                    _unknown(market, ("labs", name, "families", i), f, families, "family")
                )
    seen: set[str] = set()
    for i, c in enumerate(market.contracts):
        if c.name in seen:
            problems.append(
                market.problem(
                    ("contracts", i, "name"), f"duplicate contract name '{c.name}'", "rename one"
                )
            )
        seen.add(c.name)
        if c.lab not in market.labs:
            problems.append(
                _unknown(market, ("contracts", i, "lab"), c.lab, list(market.labs), "lab")
            )
        if c.family not in market.families:
            problems.append(
                _unknown(market, ("contracts", i, "family"), c.family, families, "family")
            )
        elif c.lab in market.labs:
            allowed = market.labs[c.lab].families
            if allowed is not None and c.family not in allowed:
                problems.append(
                    market.problem(
                        ("contracts", i, "family"),
                        f"lab '{c.lab}' may not buy family '{c.family}' (its `families` list)",
                        "add the family to the lab's `families`, or drop the contract",
                    )
                )
    problems.sort(key=lambda p: (p.location.line, p.location.column))
    return problems
