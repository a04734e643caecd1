"""A slow, obviously-correct forecast: one validated scenario per sample, plain loops.

For each sample, the drawn values are written into a deep copy of ``scenario.raw`` at
their key paths, the copy is validated with ``scenario_from_data`` (so every sample is
a real scenario), and the quantities of ``gigawatt.forecast`` are computed month by
month with Python loops and the broker's ``may_use`` rule. Nothing here is vectorised
and no code of the vectorised evaluator is used, apart from the draws themselves.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from gigawatt.forecast.sampling import parse_uncertainty
from gigawatt.scenario import scenario_from_data
from gigawatt.scenario.paths import set_path
from gigawatt.scenario.rules import covers, may_use
from gigawatt.scenario.schema import (
    BuildOffer,
    InferenceWorkload,
    MinSpendClause,
    ReservedOffer,
    RevenueShareClause,
    RightOfFirstRefusalClause,
    Scenario,
)

AVERAGE_MONTH_HOURS = 8766.0 / 12.0


def _it_watts(acc: Any) -> float:
    """IT watts: ``it_watts``, else the older ``facility_watts`` (same meaning)."""
    return float(acc.it_watts if acc.it_watts is not None else acc.facility_watts)


def sampled_scenarios(scenario: Scenario, samples: int, seed: int) -> list[Scenario]:
    unc = parse_uncertainty(scenario)
    draws = unc.draw(0, samples, seed)
    out = []
    for i in range(samples):
        data = copy.deepcopy(scenario.raw)
        for p in unc.parameters:
            set_path(data, p.resolved, float(draws[p.path][i]))
        out.append(scenario_from_data(data))
    return out


def _offers(s: Scenario) -> list[tuple[str, int, Any]]:
    return [(name, k, o) for name, site in s.sites.items() for k, o in enumerate(site.offers)]


def _available(s: Scenario, offer: Any, t: int) -> float:
    tl = s.timeline
    month = tl.start + t
    if t < offer.lead_months:
        return 0.0
    acc = s.accelerators[offer.accelerator]
    if acc.available_from is not None and month < acc.available_from:
        return 0.0
    return offer.available.at(month)


def _reference(s: Scenario, allowed: list[str] | None) -> str:
    offered = {o.accelerator for _, _, o in _offers(s)}
    names = [a for a in (allowed or list(s.accelerators)) if a in s.accelerators]
    pool = [a for a in names if a in offered] or names
    best = pool[0]
    for a in pool[1:]:
        x, y = s.accelerators[a], s.accelerators[best]
        if (-x.peak_flops, _it_watts(x), a) < (-y.peak_flops, _it_watts(y), best):
            best = a
    return best


def _reference_pue(s: Scenario, acc: str) -> float:
    weight = total = 0.0
    pues = []
    for name, _, o in _offers(s):
        if o.accelerator != acc:
            continue
        pues.append(s.sites[name].pue)
        months = sum(_available(s, o, t) for t in range(s.timeline.n_months))
        weight += months
        total += months * s.sites[name].pue
    if weight > 0:
        return total / weight
    return sum(pues) / len(pues) if pues else 1.0


def evaluate_one(s: Scenario) -> dict[str, Any]:
    tl = s.timeline
    n_t = tl.n_months
    months = tl.months
    hours = [m.hours for m in months]
    workloads = s.workloads
    # ---- demand
    need = [[0.0] * n_t for _ in workloads]
    deliv = [[0.0] * n_t for _ in workloads]
    acc_total = [0.0] * n_t
    mw_total = [0.0] * n_t
    for wi, w in enumerate(workloads):
        ref = _reference(s, w.accelerators)
        a = s.accelerators[ref]
        mw_per = _it_watts(a) * _reference_pue(s, ref) / 1e6 / a.peak_flops
        if isinstance(w, InferenceWorkload):
            for t in range(n_t):
                d = w.demand_flops.at(months[t])
                deliv[wi][t] = d
                need[wi][t] = d / w.utilization
        else:
            inside = [t for t in range(n_t) if w.window[0] <= months[t] <= w.window[1]]
            seconds = sum(hours[t] for t in inside) * 3600.0
            for t in inside:
                deliv[wi][t] = w.flop / seconds
                need[wi][t] = w.flop / seconds / w.mfu
        for t in range(n_t):
            acc_total[t] += need[wi][t] / a.peak_flops
            mw_total[t] += need[wi][t] * mw_per
    # ---- supply
    offers = _offers(s)
    cap = [[0.0] * n_t for _ in offers]
    supply_flops = [0.0] * n_t
    supply_mw = [0.0] * n_t
    for t in range(n_t):
        for site_name, site in s.sites.items():
            ks = [k for k, (name, _, _) in enumerate(offers) if name == site_name]
            counts = {k: _available(s, offers[k][2], t) for k in ks}
            mws = {
                k: counts[k]
                * (_it_watts(s.accelerators[offers[k][2].accelerator]) * site.pue / 1e6)
                for k in ks
            }
            total = sum(mws.values())
            scale = 1.0
            if site.power_mw is not None:
                limit = site.power_mw.at(months[t])
                if total > limit:
                    scale = limit / max(total, 1e-300)
            for k in ks:
                peak = s.accelerators[offers[k][2].accelerator].peak_flops
                cap[k][t] = counts[k] * scale * peak
                supply_flops[t] += cap[k][t]
                supply_mw[t] += mws[k] * scale
    # ---- costs and rank
    hourly, monthly, peaks, providers = [], [], [], []
    for name, _, o in offers:
        site = s.sites[name]
        acc = s.accelerators[o.accelerator]
        if isinstance(o, BuildOffer):
            m, h = o.capex_usd / o.lifetime_months, o.opex_usd_per_hour
        else:
            m, h = 0.0, o.usd_per_hour
        if s.providers[site.provider].kind == "owned":
            h = h + _it_watts(acc) * site.pue / 1e6 * site.electricity_usd_per_mwh
        hourly.append(h)
        monthly.append(m)
        peaks.append(acc.peak_flops)
        providers.append(site.provider)
    keys = [(monthly[k] + hourly[k] * AVERAGE_MONTH_HOURS) / peaks[k] for k in range(len(offers))]
    order = sorted(range(len(offers)), key=lambda k: (keys[k], k))

    # ---- classes
    def eligible(w: Any, k: int, t: int) -> bool:
        acc_ok = w.accelerators is None or offers[k][2].accelerator in w.accelerators
        return acc_ok and may_use(s, w.tags, providers[k], months[t])[0]

    def rofr_masks(w: Any) -> list[tuple[tuple[bool, ...], str]]:
        out = []
        for c in s.contracts:
            for clause in c.clauses:
                if isinstance(clause, RightOfFirstRefusalClause) and covers(clause.tags, w.tags):
                    mask = tuple(
                        providers[k] == c.counterparty
                        and (clause.from_ is None or months[t] >= clause.from_)
                        and (clause.until is None or months[t] <= clause.until)
                        and eligible(w, k, t)
                        for k in range(len(offers))
                        for t in range(n_t)
                    )
                    if any(mask):
                        out.append((mask, c.counterparty))
        return out

    groups: dict[Any, list[int]] = {}
    info: dict[Any, tuple[Any, Any, bool]] = {}
    for wi, w in enumerate(workloads):
        elig = tuple(eligible(w, k, t) for k in range(len(offers)) for t in range(n_t))
        phases = rofr_masks(w)
        pinned = any(
            (w.accelerators is None or offers[k][2].accelerator in w.accelerators)
            and not may_use(s, w.tags, providers[k], months[t])[0]
            for k in range(len(offers))
            for t in range(n_t)
        )
        key = (elig, tuple(m for m, _ in phases))
        groups.setdefault(key, []).append(wi)
        info[key] = (elig, [m for m, _ in phases], pinned)
    classes = sorted(
        groups.items(), key=lambda kv: (not info[kv[0]][2], sum(info[kv[0]][0]), kv[1][0])
    )
    # ---- merit order, month by month
    tracked = sorted(
        {c.counterparty for c in s.contracts for cl in c.clauses if isinstance(cl, MinSpendClause)}
    )
    spend = [0.0] * n_t
    spend_p = {p: [0.0] * n_t for p in tracked}
    taken = [[0.0] * n_t for _ in offers]  # accelerators used, per offer and month
    unmet = [[0.0] * n_t for _ in classes]
    gap = [0.0] * n_t
    for t in range(n_t):
        left_cap = [cap[k][t] for k in range(len(offers))]
        for ci, (key, members) in enumerate(classes):
            elig, phases, _ = info[key]
            total = need[members[0]][t]
            for wi in members[1:]:
                total = total + need[wi][t]
            left = total
            for mask in [*phases, elig]:
                for k in order:
                    if not mask[k * n_t + t]:
                        continue
                    take = min(left, left_cap[k])
                    left -= take
                    left_cap[k] -= take
                    cost = (monthly[k] + hourly[k] * hours[t]) / peaks[k]
                    spent = take * cost
                    taken[k][t] += take / peaks[k]
                    spend[t] += spent
                    if providers[k] in spend_p:
                        spend_p[providers[k]][t] += spent
            q = left / total if total > 0 else 0.0
            unmet[ci][t] = q
            gap[t] += q * sum(deliv[wi][t] for wi in members)
    # ---- money
    revenue = [0.0] * n_t
    shared = [0.0] * n_t
    for ci, (_, members) in enumerate(classes):
        for wi in members:
            w = workloads[wi]
            if not isinstance(w, InferenceWorkload) or w.revenue_usd_per_month is None:
                continue
            for t in range(n_t):
                share = 0.0
                for c in s.contracts:
                    for clause in c.clauses:
                        if (
                            isinstance(clause, RevenueShareClause)
                            and covers(clause.tags, w.tags)
                            and (clause.from_ is None or months[t] >= clause.from_)
                            and (clause.until is None or months[t] <= clause.until)
                        ):
                            share += clause.percent / 100.0
                share = min(share, 1.0)
                r = w.revenue_usd_per_month.at(months[t])
                revenue[t] += (1.0 - unmet[ci][t]) * r
                shared[t] += (1.0 - unmet[ci][t]) * share * r
    for c in s.contracts:
        for clause in c.clauses:
            if not isinstance(clause, MinSpendClause):
                continue
            first = clause.from_ or tl.start
            last = clause.until or tl.end
            inside = [t for t in range(n_t) if first <= months[t] <= last]
            amount = clause.usd * len(inside) / (last - first + 1)
            used = sum(spend_p[c.counterparty][t] for t in inside)
            pay = inside[-1] if inside else n_t - 1
            spend[pay] += max(amount - used, 0.0)
    out: dict[str, Any] = {
        "demand_flops": [sum(deliv[wi][t] for wi in range(len(workloads))) for t in range(n_t)],
        "demand_accelerators": acc_total,
        "demand_mw": mw_total,
        "demand_twh": [mw_total[t] * hours[t] / 1e6 for t in range(n_t)],
        "supply_flops": supply_flops,
        "supply_mw": supply_mw,
        "gap_flops": gap,
        "spend_usd": spend,
        "revenue_usd": revenue,
        "revenue_share_usd": shared,
        "gap_total_flop": sum(gap[t] * hours[t] * 3600.0 for t in range(n_t)),
        # per workload [W, T]: its demand, its class's unmet share of it, and its class
        "workload_demand_flops": deliv,
        "workload_gap_flops": [
            [unmet[ci][t] * deliv[wi][t] for t in range(n_t)]
            for wi in range(len(workloads))
            for ci, (_, members) in enumerate(classes)
            if wi in members
        ],
        "workload_class": [
            next(ci for ci, (_, members) in enumerate(classes) if wi in members)
            for wi in range(len(workloads))
        ],
    }
    if s.finance is not None:
        paid = _paid_less_charged(s, offers, taken, months, hours)
        cash = s.finance.cash_usd
        series = []
        funding = [0.0] * n_t
        for f in s.finance.funding:
            if tl.contains(f.month):
                funding[tl.index(f.month)] += f.usd
        for t in range(n_t):
            other = s.finance.other_opex_usd_per_month.at(months[t])
            cash += revenue[t] - shared[t] - spend[t] - paid[t] - other + funding[t]
            series.append(cash)
        out["cash_usd"] = series
        out["cash_final_usd"] = series[-1]
        out["funding_needed_usd"] = max(0.0, -min(series))
    return out


def _paid_less_charged(
    s: Scenario, offers: list[Any], taken: list[list[float]], months: list[Any], hours: list[float]
) -> list[float]:
    """Per month, compute paid less compute charged (the cash basis), one unit at a time.

    Each offer keeps a list of deliveries (month, accelerators); a month's use beyond the
    accelerators delivered within the last lifetime (or term) months is delivered then.
    A build pays its capex on delivery (its deposit share lead months before, if inside),
    a prepaid reservation its term's calendar hours; the merit order charged capex /
    lifetime (or the hourly price) per accelerator used.
    """
    n_t = len(months)
    out = [0.0] * n_t
    for k, (_, _, o) in enumerate(offers):
        prepaid = isinstance(o, ReservedOffer) and o.payment == "prepaid"
        if not isinstance(o, BuildOffer) and not prepaid:
            continue
        life = o.lifetime_months if isinstance(o, BuildOffer) else o.term_months
        delivered: list[tuple[int, float]] = []
        for t in range(n_t):
            alive = sum(q for when, q in delivered if t - life < when < t)
            new = max(0.0, taken[k][t] - alive)
            delivered.append((t, new))
            if isinstance(o, BuildOffer):
                out[t] += new * o.capex_usd * (1.0 - o.deposit_share)
                if t - o.lead_months >= 0:
                    out[t - o.lead_months] += new * o.capex_usd * o.deposit_share
                out[t] -= taken[k][t] * o.capex_usd / o.lifetime_months
            else:
                term = sum((months[t] + j).hours for j in range(o.term_months))
                out[t] += new * o.usd_per_hour * term
                out[t] -= taken[k][t] * o.usd_per_hour * hours[t]
    return out


def slow_forecast(scenario: Scenario, samples: int, seed: int) -> dict[str, np.ndarray]:
    """Per-sample outputs stacked over samples: ``[samples, T]`` or ``[samples]``."""
    rows = [evaluate_one(s) for s in sampled_scenarios(scenario, samples, seed)]
    return {key: np.array([r[key] for r in rows], dtype=float) for key in rows[0]}
