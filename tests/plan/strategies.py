"""Hypothesis strategies for small random scenarios, plus an independent reader of them.

Scenarios are drawn as plain data (what a YAML file would hold) and validated with
``gigawatt.scenario.scenario_from_data``. The helpers below read that plain data on
their own (schedules, availability, clause coverage) so that property tests can judge
a plan without trusting the library's own readers (``gigawatt.scenario.rules``,
``gigawatt.scenario.supply``).

Sizes are kept small (2-4 months, 1-3 providers, 1-3 sites with 1-3 offers each,
1-2 accelerator types, 1-3 workloads, 0-3 clauses) so that each solve takes about a
second at most, most of it model building.

Magnitudes are chosen so that constraints bind: one accelerator of type A serves
3.5e14 FLOP/s of inference, so 1e18 FLOP/s needs ~2,900 accelerators, while offers
hold 0..30,000; power caps of 2..100 MW hold 1,000..60,000 accelerators.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

START_YEAR, START_MONTH = 2025, 1
START_ORDINAL = START_YEAR * 12 + START_MONTH - 1

ACCELERATORS: dict[str, dict[str, float]] = {
    "A": {"peak_flops": 1.0e15, "facility_watts": 1400.0},
    "B": {"peak_flops": 2.5e15, "facility_watts": 2100.0},
}
TAGS = ["api", "chat", "research"]
RESTRICTIVE = ("pin", "exclusive", "right_of_first_refusal", "min_spend")
ALL_CLAUSES = (*RESTRICTIVE, "revenue_share")

Data = dict[str, Any]


# --------------------------------------------------------------------------- months


def month_label(index: int) -> str:
    """Label of the month ``index`` months after 2025-01 (negative allowed)."""
    o = START_ORDINAL + index
    return f"{o // 12:04d}-{o % 12 + 1:02d}"


def month_index(label: str) -> int:
    """Inverse of :func:`month_label`."""
    year, month = (int(x) for x in label.split("-"))
    return year * 12 + month - 1 - START_ORDINAL


# ------------------------------------------------------------ independent readers


def schedule_value(schedule: Any, t: int) -> float:
    """Value of a schedule (number or {YYYY-MM: v}) in month t; 0 before the first key.

    The strategies never draw ``growth_per_year``; it is rejected here to keep the
    reader honest.
    """
    if isinstance(schedule, int | float):
        return float(schedule)
    assert "growth_per_year" not in schedule
    value = 0.0
    for key in sorted(schedule, key=month_index):
        if month_index(key) <= t:
            value = float(schedule[key])
    return value


def n_months(data: Data) -> int:
    return int(data["horizon"]["months"])


def offer_of(data: Data, key: str) -> dict[str, Any]:
    """The offer dict of an offer key ``site/index``."""
    site, index = key.rsplit("/", 1)
    return data["sites"][site]["offers"][int(index)]


def offer_keys(data: Data) -> list[str]:
    return [f"{s}/{i}" for s, site in data["sites"].items() for i in range(len(site["offers"]))]


def available(data: Data, key: str, t: int) -> float:
    """Accelerators an offer may have installed in month t (lead time, available_from)."""
    offer = offer_of(data, key)
    if t < offer.get("lead_months", 0):
        return 0.0
    acc = data["accelerators"][offer["accelerator"]]
    if "available_from" in acc and t < month_index(acc["available_from"]):
        return 0.0
    return schedule_value(offer["available"], t)


def power_cap(data: Data, site: str, t: int) -> float | None:
    """The site's power cap in MW in month t, None when uncapped."""
    cap = data["sites"][site].get("power_mw")
    return None if cap is None else schedule_value(cap, t)


def mw_per_accelerator(data: Data, site: str, accelerator: str) -> float:
    pue = data["sites"][site].get("pue", 1.0)
    return data["accelerators"][accelerator]["facility_watts"] * pue / 1e6


def workload(data: Data, name: str) -> dict[str, Any]:
    for w in data["workloads"]:
        if w["name"] == name:
            return w
    raise KeyError(name)


def workload_accelerators(data: Data, w: dict[str, Any]) -> set[str]:
    return set(w.get("accelerators") or data["accelerators"])


def workload_active(w: dict[str, Any], t: int) -> bool:
    """Training: t inside the window; inference: positive demand in t."""
    if w["kind"] == "training":
        first, last = (month_index(m) for m in w["window"])
        return first <= t <= last
    return schedule_value(w["demand_flops"], t) > 0


def clause_covers(clause: dict[str, Any], w: dict[str, Any]) -> bool:
    """A clause without tags covers every workload; else it needs a shared tag."""
    tags = clause.get("tags")
    return tags is None or bool(set(tags) & set(w.get("tags", [])))


def clause_active(clause: dict[str, Any], t: int) -> bool:
    first = clause.get("from")
    last = clause.get("until")
    return (first is None or month_index(first) <= t) and (last is None or t <= month_index(last))


def clauses(data: Data, *types: str) -> list[tuple[str, int, str, dict[str, Any]]]:
    """(contract, index, counterparty, clause) of every clause of these types."""
    out = []
    for c in data.get("contracts", []):
        for i, clause in enumerate(c["clauses"]):
            if not types or clause["type"] in types:
                out.append((c["name"], i, c["counterparty"], clause))
    return out


def pin_allows(data: Data, w: dict[str, Any], provider: str, t: int) -> bool:
    """Independent reading of pin / exclusive: only the counterparty while covered."""
    for _, _, cp, clause in clauses(data, "pin", "exclusive"):
        if clause_covers(clause, w) and clause_active(clause, t) and provider != cp:
            return False
    return True


# ------------------------------------------------------------------- strategies


def _schedule(draw: st.DrawFn, values: list[float], n_t: int, allow_zero_start: bool = True) -> Any:
    """A constant or a {month: value} step function inside the horizon."""
    if draw(st.booleans()):
        return draw(st.sampled_from(values))
    first = draw(st.integers(0, n_t - 1)) if allow_zero_start else 0
    out = {month_label(first): draw(st.sampled_from(values))}
    if first < n_t - 1 and draw(st.booleans()):
        second = draw(st.integers(first + 1, n_t - 1))
        out[month_label(second)] = draw(st.sampled_from(values))
    return out


def _window(draw: st.DrawFn, n_t: int) -> dict[str, str]:
    """Optional from/until overlapping the horizon, sometimes running past it."""
    out: dict[str, str] = {}
    first = draw(st.none() | st.integers(-2, n_t - 1))
    if first is not None:
        out["from"] = month_label(first)
    lo = max(first if first is not None else 0, 0)
    last = draw(st.none() | st.integers(lo, n_t + 1))
    if last is not None:
        out["until"] = month_label(last)
    return out


def _offer(draw: st.DrawFn, accelerators: list[str], n_t: int) -> dict[str, Any]:
    acc = draw(st.sampled_from(accelerators))
    pricing = draw(st.sampled_from(["on_demand", "reserved", "build"]))
    offer: dict[str, Any] = {"accelerator": acc, "pricing": pricing}
    if pricing == "on_demand":
        offer["usd_per_hour"] = draw(st.sampled_from([1.0, 2.0, 3.5, 6.0]))
    elif pricing == "reserved":
        offer["usd_per_hour"] = draw(st.sampled_from([0.8, 1.5, 2.5]))
        offer["term_months"] = draw(st.integers(1, 6))
    else:
        offer["capex_usd"] = draw(st.sampled_from([10_000.0, 30_000.0, 60_000.0]))
        offer["opex_usd_per_hour"] = draw(st.sampled_from([0.0, 0.2, 0.5]))
        offer["lifetime_months"] = draw(st.sampled_from([2, 6, 24, 60]))
    lead = draw(st.sampled_from([0, 0, 0, 1, 2]))
    if lead:
        offer["lead_months"] = lead
    offer["available"] = _schedule(draw, [0.0, 1_000.0, 3_000.0, 10_000.0, 30_000.0], n_t)
    return offer


def _workload(draw: st.DrawFn, i: int, accelerators: list[str], n_t: int) -> dict[str, Any]:
    w: dict[str, Any] = {"name": f"w{i}"}
    tags = draw(st.lists(st.sampled_from(TAGS), unique=True, max_size=2))
    if tags:
        w["tags"] = tags
    if draw(st.booleans()):
        w["accelerators"] = draw(st.lists(st.sampled_from(accelerators), unique=True, min_size=1))
    if draw(st.booleans()):
        w["kind"] = "inference"
        w["demand_flops"] = _schedule(draw, [1.0e17, 1.0e18, 3.0e18, 1.0e19], n_t)
        if draw(st.booleans()):
            w["utilization"] = draw(st.sampled_from([0.2, 0.5]))
        revenue = draw(st.sampled_from([None, 1.0e5, 1.0e6, 1.0e7, 1.0e8]))
        if revenue is not None:
            w["revenue_usd_per_month"] = revenue
    else:
        w["kind"] = "training"
        w["flop"] = draw(st.sampled_from([1.0e23, 1.0e24, 1.0e25, 5.0e25]))
        first = draw(st.integers(0, n_t - 1))
        last = draw(st.integers(first, n_t - 1))
        w["window"] = [month_label(first), month_label(last)]
        single = draw(st.sampled_from([None, True, False]))
        if single is not None:
            w["single_site"] = single
    return w


def _clause(draw: st.DrawFn, ctype: str, n_t: int) -> dict[str, Any]:
    clause: dict[str, Any] = {"type": ctype}
    if draw(st.booleans()):
        clause["tags"] = draw(st.lists(st.sampled_from(TAGS), unique=True, min_size=1, max_size=2))
    clause.update(_window(draw, n_t))
    if ctype == "revenue_share":
        clause["percent"] = draw(st.sampled_from([5.0, 20.0, 50.0, 100.0]))
    elif ctype == "min_spend":
        clause["usd"] = draw(st.sampled_from([1.0e5, 1.0e6, 1.0e7, 5.0e7]))
    return clause


@st.composite
def scenario_data(
    draw: st.DrawFn,
    *,
    clause_types: tuple[str, ...] = ALL_CLAUSES,
    min_clauses: int = 0,
    max_clauses: int = 3,
) -> Data:
    """A small random scenario as plain data (validate with ``scenario_from_data``)."""
    n_t = draw(st.integers(2, 4))
    acc_names = sorted(draw(st.sets(st.sampled_from(sorted(ACCELERATORS)), min_size=1)))
    accelerators: dict[str, Any] = {}
    for a in acc_names:
        spec: dict[str, Any] = dict(ACCELERATORS[a])
        if a == "B" and draw(st.booleans()):
            spec["available_from"] = month_label(1)
        accelerators[a] = spec
    n_p = draw(st.integers(1, 3))
    providers = {
        f"p{i}": {"kind": draw(st.sampled_from(["cloud", "neocloud", "owned"]))} for i in range(n_p)
    }
    sites: dict[str, Any] = {}
    for i in range(draw(st.integers(1, 3))):
        site: dict[str, Any] = {"provider": draw(st.sampled_from(sorted(providers)))}
        if draw(st.booleans()):
            site["power_mw"] = _schedule(draw, [2.0, 5.0, 20.0, 100.0], n_t)
        pue = draw(st.sampled_from([None, 1.0, 1.1, 1.3]))
        if pue is not None:
            site["pue"] = pue
        if providers[site["provider"]]["kind"] == "owned" and draw(st.booleans()):
            site["electricity_usd_per_mwh"] = draw(st.sampled_from([50.0, 120.0]))
        site["offers"] = [_offer(draw, acc_names, n_t) for _ in range(draw(st.integers(1, 3)))]
        sites[f"s{i}"] = site
    workloads = [_workload(draw, i, acc_names, n_t) for i in range(draw(st.integers(1, 3)))]
    contracts: dict[str, dict[str, Any]] = {}
    for _ in range(draw(st.integers(min_clauses, max_clauses))):
        cp = draw(st.sampled_from(sorted(providers)))
        ctype = draw(st.sampled_from(clause_types))
        contract = contracts.setdefault(cp, {"name": f"c-{cp}", "counterparty": cp, "clauses": []})
        contract["clauses"].append(_clause(draw, ctype, n_t))
    data: Data = {
        "name": "prop",
        "horizon": {"start": month_label(0), "months": n_t},
        "accelerators": accelerators,
        "providers": providers,
        "sites": sites,
        "workloads": workloads,
    }
    rate = draw(st.sampled_from([None, 0.0, 0.08]))
    if rate is not None:
        data["discount_rate"] = rate
    if contracts:
        data["contracts"] = list(contracts.values())
    return data


def scaled(schedule: Any, factor: float) -> Any:
    """A schedule with every value multiplied."""
    if isinstance(schedule, int | float):
        return schedule * factor
    return {k: v * factor for k, v in schedule.items()}


def clone(data: Data) -> Data:
    return copy.deepcopy(data)
