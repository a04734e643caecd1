"""Referential and semantic checks that need the whole scenario.

Each check returns problems (errors or warnings) located by key path; all of them run,
so that one pass reports everything wrong with a file.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
from pydantic import BaseModel

from gigawatt.errors import Problem
from gigawatt.scenario.distributions import parse_distribution
from gigawatt.scenario.financechecks import check_financing
from gigawatt.scenario.paths import resolve_path
from gigawatt.scenario.schedule import Schedule
from gigawatt.scenario.schema import (
    InferenceWorkload,
    MinSpendClause,
    Scenario,
    TrainingWorkload,
)
from gigawatt.scenario.timeline import parse_month
from gigawatt.scenario.yamlmarks import Marks, PathItem, format_path

__all__ = ["run_checks"]

Check = Callable[[Scenario, Any, Marks], Iterable[Problem]]


def _problem(
    marks: Marks,
    path: tuple[PathItem, ...],
    message: str,
    hint: str = "",
    severity: str = "error",
) -> Problem:
    return Problem(marks.locate(path), message, hint, severity)


def _suggest(name: str, options: Iterable[str], what: str) -> str:
    opts = sorted(options)
    close = difflib.get_close_matches(name, opts, n=1, cutoff=0.5)
    if close:
        return f"did you mean `{close[0]}`?"
    return (
        f"define it under `{what}` or use one of: {', '.join(opts)}"
        if opts
        else (f"define it under `{what}`")
    )


def check_references(s: Scenario, data: Any, marks: Marks) -> Iterable[Problem]:
    """Sites name providers, offers and workloads name accelerators, contracts providers."""
    for site_name, site in s.sites.items():
        if site.provider not in s.providers:
            yield _problem(
                marks,
                ("sites", site_name, "provider"),
                f"unknown provider '{site.provider}'",
                _suggest(site.provider, s.providers, "providers"),
            )
        for i, offer in enumerate(site.offers):
            if offer.accelerator not in s.accelerators:
                yield _problem(
                    marks,
                    ("sites", site_name, "offers", i, "accelerator"),
                    f"unknown accelerator '{offer.accelerator}'",
                    _suggest(offer.accelerator, s.accelerators, "accelerators"),
                )
        if not site.offers:
            yield _problem(
                marks, ("sites", site_name, "offers"), "site has no offers", severity="warning"
            )
    for i, w in enumerate(s.workloads):
        for j, acc in enumerate(w.accelerators or []):
            if acc not in s.accelerators:
                yield _problem(
                    marks,
                    ("workloads", i, "accelerators", j),
                    f"unknown accelerator '{acc}'",
                    _suggest(acc, s.accelerators, "accelerators"),
                )
    for i, c in enumerate(s.contracts):
        if c.counterparty not in s.providers:
            yield _problem(
                marks,
                ("contracts", i, "counterparty"),
                f"unknown provider '{c.counterparty}'",
                _suggest(c.counterparty, s.providers, "providers"),
            )


def check_unique_names(s: Scenario, data: Any, marks: Marks) -> Iterable[Problem]:
    """Workload and contract names are unique."""
    for section, items in (("workloads", s.workloads), ("contracts", s.contracts)):
        counts = Counter(item.name for item in items)
        seen: set[str] = set()
        for i, item in enumerate(items):
            if counts[item.name] > 1 and item.name in seen:
                yield _problem(
                    marks,
                    (section, i, "name"),
                    f"duplicate name '{item.name}' in {section}",
                    "names must be unique; rename one of them",
                )
            seen.add(item.name)


def check_windows(s: Scenario, data: Any, marks: Marks) -> Iterable[Problem]:
    """Training windows lie in the horizon; clause windows overlap it."""
    tl = s.timeline
    for i, w in enumerate(s.workloads):
        if isinstance(w, TrainingWorkload):
            first, last = w.window
            path: tuple[PathItem, ...] = ("workloads", i, "window")
            if last < first:
                yield _problem(
                    marks,
                    path,
                    f"window ends ({last}) before it starts ({first})",
                    "write the window as [first, last]",
                )
            elif not (tl.contains(first) and tl.contains(last)):
                yield _problem(
                    marks,
                    path,
                    f"window {first}..{last} is not inside the horizon {tl.start}..{tl.end}",
                    "move the window inside the horizon or lengthen `horizon.months`",
                )
    for i, c in enumerate(s.contracts):
        for j, clause in enumerate(c.clauses):
            path = ("contracts", i, "clauses", j)
            first = clause.from_ or tl.start
            last = clause.until or tl.end
            if last < first:
                yield _problem(
                    marks,
                    (*path, "until"),
                    f"until ({last}) is before from ({first})",
                    "swap `from` and `until`",
                )
                continue
            if last < tl.start or first > tl.end:
                yield _problem(
                    marks,
                    (*path, "from" if clause.from_ else "until"),
                    f"clause window {first}..{last} lies wholly outside the horizon "
                    f"{tl.start}..{tl.end}",
                    "move the window into the horizon or remove the clause",
                )
            elif first < tl.start or last > tl.end:
                extra = ""
                if isinstance(clause, MinSpendClause):
                    inside = min(last, tl.end) - max(first, tl.start) + 1
                    total = last - first + 1
                    extra = f"; the commitment is prorated to {inside}/{total} of its amount"
                yield _problem(
                    marks,
                    (*path, "until" if last > tl.end else "from"),
                    f"clause window {first}..{last} runs outside the horizon "
                    f"{tl.start}..{tl.end}{extra}",
                    severity="note",  # a contract longer than the plan: ordinary, documented
                )
    if s.finance is not None:
        for i, f in enumerate(s.finance.funding):
            if not tl.contains(f.month):
                yield _problem(
                    marks,
                    ("finance", "funding", i, "month"),
                    f"funding month {f.month} is outside the horizon and is ignored",
                    severity="warning",
                )


def check_tags(s: Scenario, data: Any, marks: Marks) -> Iterable[Problem]:
    """Tags used by clauses match some workload (warning otherwise)."""
    known = {t for w in s.workloads for t in w.tags}
    for i, c in enumerate(s.contracts):
        for j, clause in enumerate(c.clauses):
            for k, tag in enumerate(clause.tags or []):
                if tag not in known:
                    yield _problem(
                        marks,
                        ("contracts", i, "clauses", j, "tags", k),
                        f"tag '{tag}' matches no workload",
                        _suggest(tag, known, "a workload's tags"),
                        severity="warning",
                    )


def check_usable(s: Scenario, data: Any, marks: Marks) -> Iterable[Problem]:
    """Each workload has at least one offer whose accelerator it may use."""
    offered = {o.accelerator for site in s.sites.values() for o in site.offers}
    for i, w in enumerate(s.workloads):
        allowed = set(w.accelerators) if w.accelerators else set(s.accelerators)
        if not allowed & offered:
            yield _problem(
                marks,
                ("workloads", i, "accelerators" if w.accelerators else "name"),
                f"workload '{w.name}' can use no offer: none offers {sorted(allowed)}",
                "add an offer of one of these accelerators or widen `accelerators`",
                severity="warning",
            )
        if isinstance(w, InferenceWorkload) and w.revenue_usd_per_month is None:
            continue


def check_power_convention(s: Scenario, data: Any, marks: Marks) -> Iterable[Problem]:
    """One power convention: IT watts per accelerator, PUE per site, applied once.

    Errors: an accelerator with neither or both of ``it_watts`` and ``facility_watts``.
    Warnings where a scenario mixes conventions: both keys in one scenario, or one
    accelerator at sites with ``pue: 1.0`` and at sites with ``pue`` above 1 (its watts
    are then taken as all-in at some sites and multiplied by PUE at others).
    """
    keys: dict[str, str] = {}
    for name, acc in s.accelerators.items():
        given = [k for k in ("it_watts", "facility_watts") if getattr(acc, k) is not None]
        if len(given) != 1:
            yield _problem(
                marks,
                ("accelerators", name, *given[1:]),
                f"accelerator '{name}' needs exactly one of it_watts and facility_watts"
                + (" (both given)" if given else ""),
                "give it_watts: IT watts of one accelerator with its host and network "
                "share; each site's pue turns them into facility watts",
            )
        else:
            keys[name] = given[0]
    if len(set(keys.values())) > 1:
        for name, key in keys.items():
            if key == "facility_watts":
                yield _problem(
                    marks,
                    ("accelerators", name, key),
                    f"accelerator '{name}' gives facility_watts while others give it_watts",
                    "both mean IT watts multiplied by the site's pue; use it_watts "
                    "throughout, and divide any all-in figure by its PUE",
                    severity="warning",
                )
    for name in keys:
        pues: dict[str, float] = {}
        for site_name, site in s.sites.items():
            if any(o.accelerator == name for o in site.offers):
                pues[site_name] = site.pue
        flat = sorted(n for n, v in pues.items() if v == 1.0)
        above = sorted(n for n, v in pues.items() if v > 1.0)
        if flat and above:
            for site_name in flat:
                yield _problem(
                    marks,
                    ("sites", site_name, "pue"),
                    f"'{name}' has pue 1.0 at site '{site_name}' but "
                    f"{pues[above[0]]:g} at '{above[0]}': its watts are taken as all-in "
                    "here and multiplied by PUE there",
                    "accelerator watts are IT watts: give every site its PUE, clouds "
                    "too (pue sizes power only; prices are the offers')",
                    severity="warning",
                )


def check_shortfall_values(s: Scenario, data: Any, marks: Marks) -> Iterable[Problem]:
    """A workload's own ``shortfall_usd_per_flop`` is for work without revenue only."""
    for i, w in enumerate(s.workloads):
        if (
            isinstance(w, InferenceWorkload)
            and w.shortfall_usd_per_flop is not None
            and w.revenue_usd_per_month is not None
        ):
            yield _problem(
                marks,
                ("workloads", i, "shortfall_usd_per_flop"),
                f"workload '{w.name}' has revenue and a shortfall_usd_per_flop",
                "a product with revenue loses that revenue when unserved: remove "
                "shortfall_usd_per_flop (or revenue_usd_per_month if it earns none)",
            )


def check_uncertainty(s: Scenario, data: Any, marks: Marks) -> Iterable[Problem]:
    """Uncertainty key paths lead to numbers; distributions are well formed."""
    for key, spec in s.uncertainty.items():
        path: tuple[PathItem, ...] = ("uncertainty", key)
        if key == "rank_correlation":
            if not isinstance(spec, list):
                yield _problem(
                    marks,
                    path,
                    "rank_correlation must be a list",
                    "write `- {between: [path_a, path_b], rho: 0.5}` items",
                )
                continue
            for n, item in enumerate(spec):
                ok = (
                    isinstance(item, dict)
                    and set(item) == {"between", "rho"}
                    and isinstance(item["between"], list)
                    and len(item["between"]) == 2
                    and all(b in s.uncertainty for b in item["between"])
                    and isinstance(item["rho"], int | float)
                    and -1 < float(item["rho"]) < 1
                )
                if not ok:
                    yield _problem(
                        marks,
                        (*path, n),
                        "each rank correlation is {between: [path_a, path_b], rho: r} with "
                        "both paths listed under uncertainty and -1 < r < 1",
                    )
            continue
        try:
            resolved = resolve_path(data, key)
        except ValueError as exc:
            yield _problem(
                marks,
                path,
                f"key path does not exist: {exc}",
                "address lists by name (workloads.NAME) or index (offers[0])",
            )
            continue
        node: Any = data
        for part in resolved:
            node = node[part]
        if not isinstance(node, int | float) or isinstance(node, bool):
            yield _problem(
                marks,
                path,
                f"key path leads to {type(node).__name__}, not a number",
                "point at a number, e.g. a schedule's growth_per_year or one month's value",
            )
        try:
            parse_distribution(spec)
        except ValueError as exc:
            yield _problem(marks, path, str(exc))


def _schedules(
    node: Any, path: tuple[PathItem, ...]
) -> Iterator[tuple[tuple[PathItem, ...], Schedule]]:
    """Every schedule inside a scenario object, with its key path (aliases as in files)."""
    if isinstance(node, Schedule):
        yield path, node
    elif isinstance(node, BaseModel):
        for name, info in type(node).model_fields.items():
            yield from _schedules(getattr(node, name), (*path, info.alias or name))
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _schedules(value, (*path, str(key)))
    elif isinstance(node, list | tuple):
        for i, value in enumerate(node):
            yield from _schedules(value, (*path, i))


def _named(s: Scenario, path: tuple[PathItem, ...]) -> str:
    """A key path in words: ``demand_flops of workload api``."""
    if len(path) >= 3 and path[0] == "workloads" and isinstance(path[1], int):
        return f"{format_path(path[2:])} of workload {s.workloads[path[1]].name}"
    if len(path) >= 3 and path[0] == "sites":
        return f"{format_path(path[2:])} of site {path[1]}"
    return format_path(path)


def _overflowing(s: Scenario) -> Iterator[tuple[tuple[PathItem, ...], Schedule, str]]:
    """Schedules that overflow inside the horizon, with the first month that does."""
    tl = s.timeline
    for path, schedule in _schedules(s, ()):
        with np.errstate(over="ignore", invalid="ignore"):
            values = schedule.values(tl)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            yield path, schedule, tl.labels[int(bad[0])]


def check_finite_schedules(s: Scenario, data: Any, marks: Marks) -> Iterable[Problem]:
    """No schedule overflows to infinity inside the horizon (growth compounding)."""
    for path, schedule, month in _overflowing(s):
        what = _named(s, path)
        yield _problem(
            marks,
            (*path, "growth_per_year"),
            f"{what} overflows to infinity in {month}: growth_per_year "
            f"{schedule.growth_per_year:g} compounds past the largest number",
            "lower growth_per_year, add a later month with a value, or shorten the horizon",
        )


def check_magnitudes(s: Scenario, data: Any, marks: Marks) -> Iterable[Problem]:
    """Numbers the planner cannot solve with: warnings, or errors when not finite.

    The thresholds and their derivation are in :mod:`gigawatt.plan.conditioning`.
    """
    from gigawatt.plan.conditioning import REFUSED_FROM, WELL_CONDITIONED, describe, magnitudes
    from gigawatt.plan.inputs import PlanInputs

    overflowing = {path for path, _, _ in _overflowing(s)}
    if overflowing:
        return  # the planner's numbers derive from them; those errors come first
    with np.errstate(all="ignore"):
        found = magnitudes(PlanInputs.from_scenario(s))
    low, high = WELL_CONDITIONED
    for m in found:
        if not m.finite:
            yield _problem(
                marks,
                m.path,
                describe(m),
                "the product of this value and others overflows; write realistic values",
            )
            continue
        effect = (
            f"`plan` refuses {REFUSED_FROM:g} and more"
            if m.refused
            else "`plan` may fail or be inaccurate"
        )
        yield _problem(
            marks,
            m.path,
            describe(m),
            f"{effect}; it keeps {low:g}..{high:g} well-conditioned: write a realistic value",
            severity="warning",
        )


CHECKS: tuple[Check, ...] = (
    check_references,
    check_unique_names,
    check_windows,
    check_tags,
    check_usable,
    check_power_convention,
    check_shortfall_values,
    check_uncertainty,
    check_finite_schedules,
    check_financing,
)


def run_checks(s: Scenario, data: Any, marks: Marks) -> list[Problem]:
    """Run every check; return all problems (errors and warnings) in file order."""
    problems = [p for check in CHECKS for p in check(s, data, marks)]
    if not any(p.severity == "error" for p in problems):  # it needs a consistent scenario
        problems += check_magnitudes(s, data, marks)
    return sorted(problems, key=lambda p: (p.location.line, p.location.column))


def raw_reference_problems(data: Any, marks: Marks) -> list[Problem]:
    """Reference checks on raw data, for files whose schema check already failed.

    They let one pass report a misspelt provider together with, say, a negative price.
    Only well-formed parts are inspected; anything malformed is the schema's to report.
    """
    if not isinstance(data, dict):
        return []
    out: list[Problem] = []
    providers = data.get("providers") if isinstance(data.get("providers"), dict) else {}
    accelerators = data.get("accelerators") if isinstance(data.get("accelerators"), dict) else {}
    sites = data.get("sites") if isinstance(data.get("sites"), dict) else {}
    for site_name, site in (sites or {}).items():
        if not isinstance(site, dict):
            continue
        provider = site.get("provider")
        if isinstance(provider, str) and providers and provider not in providers:
            out.append(
                _problem(
                    marks,
                    ("sites", site_name, "provider"),
                    f"unknown provider '{provider}'",
                    _suggest(provider, providers, "providers"),
                )
            )
        offers = site.get("offers")
        for i, offer in enumerate(offers if isinstance(offers, list) else []):
            acc = offer.get("accelerator") if isinstance(offer, dict) else None
            if isinstance(acc, str) and accelerators and acc not in accelerators:
                out.append(
                    _problem(
                        marks,
                        ("sites", site_name, "offers", i, "accelerator"),
                        f"unknown accelerator '{acc}'",
                        _suggest(acc, accelerators, "accelerators"),
                    )
                )
    workloads = data.get("workloads")
    for i, w in enumerate(workloads if isinstance(workloads, list) else []):
        if not isinstance(w, dict):
            continue
        accs = w.get("accelerators")
        for j, acc in enumerate(accs if isinstance(accs, list) else []):
            if isinstance(acc, str) and accelerators and acc not in accelerators:
                out.append(
                    _problem(
                        marks,
                        ("workloads", i, "accelerators", j),
                        f"unknown accelerator '{acc}'",
                        _suggest(acc, accelerators, "accelerators"),
                    )
                )
        window = w.get("window")
        if isinstance(window, list) and len(window) == 2:
            try:
                first, last = parse_month(window[0]), parse_month(window[1])
            except ValueError:
                continue
            if last < first:
                out.append(
                    _problem(
                        marks,
                        ("workloads", i, "window"),
                        f"window ends ({last}) before it starts ({first})",
                        "write the window as [first, last]",
                    )
                )
    contracts = data.get("contracts")
    for section in ("workloads", "contracts"):
        items = data.get(section)
        names: set[str] = set()
        for i, item in enumerate(items if isinstance(items, list) else []):
            name = item.get("name") if isinstance(item, dict) else None
            if isinstance(name, str):
                if name in names:
                    out.append(
                        _problem(
                            marks,
                            (section, i, "name"),
                            f"duplicate name '{name}' in {section}",
                            "names must be unique; rename one of them",
                        )
                    )
                names.add(name)
    for i, c in enumerate(contracts if isinstance(contracts, list) else []):
        cp = c.get("counterparty") if isinstance(c, dict) else None
        if isinstance(cp, str) and providers and cp not in providers:
            out.append(
                _problem(
                    marks,
                    ("contracts", i, "counterparty"),
                    f"unknown provider '{cp}'",
                    _suggest(cp, providers, "providers"),
                )
            )
    return out
