"""Benchmark the Monte Carlo forecast against a bare numpy kernel of the same arithmetic.

One command::

    python benchmarks/bench_forecast.py [--samples 100000] [--months 120] [--repeats 5]

Scenario: the built-in default ``frontier-lab-2025`` with its horizon lengthened to
``--months`` (120: 2025-01..2034-12; schedules grow after their last key) and its
``uncertainty`` section (demand and revenue growth, Abilene's power, electricity price,
two rank correlations).

* forecast = ``run_forecast(scenario, samples=N, seed=1)``: sampling, demand, contracted
  supply, merit order, money, exact quantile bands, probabilities, sensitivity, tables.
  The merit order and the band selection are compiled loops (numba,
  ``gigawatt.forecast.fillkernel`` and ``gigawatt.forecast.selection``).
* kernel = the same arithmetic as straight numpy on arrays extracted from the scenario
  beforehand (untimed): the same draws (same generator blocks), the same operations on
  the same ``[months, chunk]`` arrays, the merit order as whole-array passes (one per
  class, offer and month range), the same float32 band stores and an order-statistic
  selection with numpy (bracketing + partition) — but no scenario objects, dataclasses,
  method dispatch, table building or compiled code. Its bands are checked against the
  forecast's (they must agree).

Each is run ``--repeats`` times in this process, single-threaded (``workers=1``), and
the forecast once more with one worker thread per CPU; no warm-up run is discarded.
Compilation: numba caches the compiled loops on disk (``cache=True``), so a run pays
only loading them (timed as ``first_call_s``, a 100-sample run before everything
else); the cost of compiling from scratch is measured apart, in a child process with
an empty ``NUMBA_CACHE_DIR`` (``compile_cold_s``: its first 100-sample run minus its
second). The medians, the ratio forecast / kernel and the forecast's own split
(sampling and evaluation vs bands) are printed and written to
``benchmarks/results/forecast.json``. Both run after ``keep_freed_memory()`` (as the
``forecast`` command does; pass ``--default-malloc`` to leave glibc's policy alone).
Target (issue): forecast <= 1 s for 100,000 samples x 120 months on this machine.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numba
import numpy as np
from scipy.special import ndtr, ndtri
from scipy.stats import rankdata

from gigawatt.forecast.model import ForecastModel
from gigawatt.forecast.montecarlo import DEFAULT_CHUNK, keep_freed_memory, run_forecast
from gigawatt.forecast.sampling import BLOCK_SAMPLES
from gigawatt.scenario import load_scenario, scenario_from_data
from gigawatt.scenario.distributions import (
    Lognormal,
    Normal,
    Triangular,
    Uniform,
    spearman_to_pearson,
)
from gigawatt.scenario.payments import deliveries, paid_on_delivery
from gigawatt.scenario.schedule import GROWTH_KEY
from gigawatt.scenario.schema import BuildOffer, InferenceWorkload, TrainingWorkload

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
TARGET_SECONDS = 1.0
QS = np.array([0.05, 0.25, 0.5, 0.75, 0.95])
NAMES = (
    "demand_flops",
    "demand_accelerators",
    "demand_mw",
    "supply_flops",
    "supply_mw",
    "gap_flops",
    "spend_usd",
    "revenue_usd",
    "revenue_share_usd",
    "cash_usd",
)


def scenario_of(months: int) -> Any:
    base = load_scenario("frontier-lab-2025")
    data = copy.deepcopy(base.raw)
    data["horizon"]["months"] = months
    return scenario_from_data(data, f"frontier-lab-2025 ({months} months)")


# --------------------------------------------------------------------------- kernel inputs


@dataclass
class Inputs:
    """Plain arrays and index lists; nothing here is called while timing."""

    t: int
    hours: np.ndarray
    seconds: np.ndarray
    chol: np.ndarray
    params: list[tuple[str, tuple[float, ...], float, float]] = field(default_factory=list)
    workloads: list[tuple[Any, ...]] = field(default_factory=list)
    sites: list[tuple[Any, ...]] = field(default_factory=list)
    offers: list[tuple[Any, ...]] = field(default_factory=list)
    peak: np.ndarray = field(default_factory=lambda: np.zeros(0))
    classes: list[tuple[Any, ...]] = field(default_factory=list)
    used: list[tuple[int, slice]] = field(default_factory=list)
    revenue: list[list[tuple[Any, np.ndarray]]] = field(default_factory=list)
    other_opex: Any = None
    funding: list[tuple[int, Any]] = field(default_factory=list)
    cash0: Any = None
    # per build offer: (offer, lifetime, deposit share, lead months): paid on delivery
    builds: list[tuple[int, int, float, int]] = field(default_factory=list)


def _spec_scalar(idx: dict[tuple[Any, ...], int], path: tuple[Any, ...], base: float) -> Any:
    return ("p", idx[path]) if path in idx else ("c", float(base))


def _spec_schedule(model: ForecastModel, owner: tuple[Any, ...], base: Any) -> Any:
    tl = model.timeline
    keys = {
        p.key: j
        for j, p in enumerate(model.uncertainty.parameters)
        if p.kind == "schedule" and p.owner == owner
    }
    if base is None:
        return ("fixed", np.zeros((tl.n_months, 1)))
    if not keys:
        return ("fixed", base.values(tl)[:, None])
    if base.is_constant:
        return ("const", keys[None])
    idx = np.arange(tl.n_months) + tl.start.ordinal
    ords = np.array([m.ordinal for m, _ in base.steps])
    rows = [("p", keys[str(m)]) if str(m) in keys else ("c", v) for m, v in base.steps]
    pos = np.searchsorted(ords, idx, side="right")
    growth = None
    if GROWTH_KEY in keys:
        growth = ("p", keys[GROWTH_KEY])
    elif base.growth_per_year != 1.0:
        growth = ("c", base.growth_per_year)
    first = int(np.searchsorted(idx, ords[-1], side="right"))
    exponent = (idx[first:] - ords[-1]) / 12.0
    return ("steps", rows, pos, first, exponent, growth)


def _steps(mask: np.ndarray) -> dict[int, tuple[int, slice, np.ndarray | None]]:
    """Per offer with some allowed month: (offer, month slice, partial ``[m, 1]`` mask)."""
    out = {}
    for o in range(mask.shape[0]):
        months = np.flatnonzero(mask[o])
        if months.size == 0:
            continue
        lo, hi = int(months[0]), int(months[-1]) + 1
        inside = mask[o, lo:hi]
        part = None if inside.all() else inside.astype(np.float64)[:, None]
        out[o] = (o, slice(lo, hi), part)
    return out


def extract(model: ForecastModel) -> Inputs:
    s = model.scenario
    tl = model.timeline
    unc = model.uncertainty
    names = unc.names
    r = np.eye(len(names))
    for (a, b), rho in unc.rank_correlation.items():
        i, j = names.index(a), names.index(b)
        r[i, j] = r[j, i] = float(spearman_to_pearson(rho))
    inp = Inputs(tl.n_months, tl.hours, tl.hours * 3600.0, np.linalg.cholesky(r))
    for p in unc.parameters:
        d = p.distribution
        if isinstance(d, Lognormal):
            inp.params.append(("lognormal", (d.mu, d.sigma), p.lower, p.upper))
        elif isinstance(d, Normal):
            inp.params.append(("normal", (d.mean, d.sd), p.lower, p.upper))
        elif isinstance(d, Uniform):
            inp.params.append(("uniform", (d.low, d.high), p.lower, p.upper))
        elif isinstance(d, Triangular):
            inp.params.append(("triangular", (d.low, d.mode, d.high), p.lower, p.upper))
    scal = {p.owner: j for j, p in enumerate(unc.parameters) if p.kind == "scalar"}
    for info in model.demand.workloads:
        w = s.workloads[info.index]
        path = ("workloads", info.index)
        if isinstance(w, InferenceWorkload):
            inp.workloads.append(
                (
                    "inference",
                    _spec_schedule(model, (*path, "demand_flops"), w.demand_flops),
                    _spec_scalar(scal, (*path, "utilization"), w.utilization),
                    info.peak_flops,
                    info.mw_per_peak_flops,
                )
            )
        elif isinstance(w, TrainingWorkload):
            inp.workloads.append(
                (
                    "training",
                    _spec_scalar(scal, (*path, "flop"), w.flop),
                    _spec_scalar(scal, (*path, "mfu"), w.mfu),
                    info.window_seconds,
                    info.active[:, None],
                    info.peak_flops,
                    info.mw_per_peak_flops,
                )
            )
    for site_name, site in s.sites.items():
        members = [k for k, o in enumerate(model.supply.offers) if o.ref.site == site_name]
        if not members:
            continue
        specs = []
        for k in members:
            o = model.supply.offers[k]
            offer = site.offers[o.ref.index]
            specs.append(
                (
                    k,
                    _spec_schedule(model, (*o.path, "available"), offer.available),
                    o.opened[:, None],
                    o.mw_per_accelerator,
                    o.peak_flops,
                )
            )
        cap = None
        if site.power_mw is not None:
            cap = _spec_schedule(model, ("sites", site_name, "power_mw"), site.power_mw)
        inp.sites.append((specs, cap))
    for o in model.supply.offers:
        site = s.sites[o.ref.site]
        offer = site.offers[o.ref.index]
        if isinstance(offer, BuildOffer):
            month = _spec_scalar(scal, (*o.path, "capex_usd"), offer.capex_usd)
            lifetime = float(offer.lifetime_months)
            inp.builds.append(
                (
                    len(inp.offers),
                    offer.lifetime_months,
                    offer.deposit_share,
                    offer.lead_months,
                )
            )
            hour = _spec_scalar(scal, (*o.path, "opex_usd_per_hour"), offer.opex_usd_per_hour)
        else:
            month, lifetime = None, 1.0
            hour = _spec_scalar(scal, (*o.path, "usd_per_hour"), offer.usd_per_hour)
        elec = None
        if o.owned:
            elec = _spec_scalar(
                scal, ("sites", o.ref.site, "electricity_usd_per_mwh"), site.electricity_usd_per_mwh
            )
        inp.offers.append((month, lifetime, hour, elec, o.mw_per_accelerator))
    inp.peak = model.supply.peak
    merit = model.merit
    for ci, c in enumerate(merit.classes):
        inp.classes.append((c.members, [_steps(m) for m in merit._masks[ci]], merit._spans[ci]))
    inp.used = [(o, rows) for o, (_, rows, _) in _steps(merit._touched.astype(bool)).items()]
    fin = model.finance
    assert not fin.min_spend, "the benchmark kernel covers scenarios without min_spend"
    prepaid = [k for k, _, o in fin.paid_ahead if not isinstance(o, BuildOffer)]
    assert not prepaid, "the benchmark kernel covers scenarios without prepaid reservations"
    for c in merit.classes:
        group = []
        for wi in c.members:
            w = s.workloads[wi]
            if isinstance(w, InferenceWorkload) and w.revenue_usd_per_month is not None:
                spec = _spec_schedule(
                    model, ("workloads", wi, "revenue_usd_per_month"), w.revenue_usd_per_month
                )
                group.append((spec, fin.share[wi][:, None]))
        inp.revenue.append(group)
    assert s.finance is not None
    inp.other_opex = _spec_schedule(
        model, ("finance", "other_opex_usd_per_month"), s.finance.other_opex_usd_per_month
    )
    for j, event in enumerate(s.finance.funding):
        if tl.contains(event.month):
            inp.funding.append(
                (
                    tl.index(event.month),
                    _spec_scalar(scal, ("finance", "funding", j, "usd"), event.usd),
                )
            )
    inp.cash0 = _spec_scalar(scal, ("finance", "cash_usd"), s.finance.cash_usd)
    return inp


# --------------------------------------------------------------------------- the kernel


def _scalar(spec: Any, x: np.ndarray) -> Any:
    return x[spec[1]][None, :] if spec[0] == "p" else spec[1]


def _row(spec: Any, x: np.ndarray) -> np.ndarray:
    return x[spec[1]][None, :] if spec[0] == "p" else np.full((1, 1), spec[1])


def _sched(spec: Any, x: np.ndarray, n: int, t: int) -> np.ndarray:
    if spec[0] == "fixed":
        return spec[1]
    if spec[0] == "const":
        return np.repeat(x[spec[1]][None, :], t, axis=0)
    _, rows, pos, first, exponent, growth = spec
    values = np.stack([np.zeros(n), *[x[j] if k == "p" else np.full(n, j) for k, j in rows]])
    out = values[pos]
    if growth is not None and first < t:
        if growth[0] == "p":
            g = x[growth[1]]
            out[first] = values[-1] * g ** exponent[0]
            monthly = g ** (1.0 / 12.0)
            for m in range(first + 1, t):
                np.multiply(out[m - 1], monthly, out=out[m])
        else:
            out[first:] = values[-1][None, :] * growth[1] ** exponent[:, None]
    return out


def _add(acc: list[Any], x: np.ndarray) -> None:
    if x.shape[1] == 1:
        acc[0] += x
    elif acc[1] is None:
        acc[1] = x.copy()
    else:
        acc[1] += x


def _total(acc: list[Any]) -> np.ndarray:
    return acc[0] if acc[1] is None else acc[1] + acc[0]


def _draws(inp: Inputs, block: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))
    z = rng.standard_normal((BLOCK_SAMPLES, len(inp.params))) @ inp.chol.T
    u = np.clip(ndtr(z), np.finfo(np.float64).tiny, np.nextafter(1.0, 0.0))
    out = np.empty((len(inp.params), BLOCK_SAMPLES))
    for j, (kind, a, lo, hi) in enumerate(inp.params):
        uj = u[:, j]
        if kind == "lognormal":
            v = np.exp(a[0] + a[1] * ndtri(uj))
        elif kind == "normal":
            v = a[0] + a[1] * ndtri(uj)
        elif kind == "uniform":
            v = a[0] + uj * (a[1] - a[0])
        else:
            low, mode, high = a
            width = high - low
            left = low + np.sqrt(np.clip(uj, 0.0, 1.0) * width * (mode - low))
            right = high - np.sqrt(np.clip(1.0 - uj, 0.0, 1.0) * width * (high - mode))
            v = np.where(uj < (mode - low) / width, left, right)
        out[j] = np.clip(v, lo, hi)
    return out


def _chunk(inp: Inputs, x: np.ndarray, n: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    t, hours = inp.t, inp.hours
    need, deliv = [], []
    acc_f, acc_a, acc_m = (
        [np.zeros((t, 1)), None],
        [np.zeros((t, 1)), None],
        [np.zeros((t, 1)), None],
    )
    for w in inp.workloads:
        if w[0] == "inference":
            d = _sched(w[1], x, n, t)
            p = d / _scalar(w[2], x)
            peak, mw_per = w[3], w[4]
        else:
            rate = _row(w[1], x) / w[3]
            d = rate * w[4]
            p = (rate / _scalar(w[2], x)) * w[4]
            peak, mw_per = w[5], w[6]
        need.append(p)
        deliv.append(d)
        _add(acc_f, d)
        _add(acc_a, p / peak)
        _add(acc_m, p * mw_per)
    capacity: list[Any] = [None] * len(inp.offers)
    sup_f, sup_m = [np.zeros((t, 1)), None], [np.zeros((t, 1)), None]
    for specs, cap_spec in inp.sites:
        counts, mws = [], []
        for _k, avail, opened, mw_acc, _peak in specs:
            a = _sched(avail, x, n, t) * opened
            counts.append(a)
            mws.append(a * mw_acc)
        total = mws[0]
        for extra in mws[1:]:
            total = total + extra
        scale: Any = 1.0
        if cap_spec is not None:
            cap = _sched(cap_spec, x, n, t)
            scale = np.where(total > cap, cap / np.maximum(total, 1e-300), 1.0)
        for (k, _, _, _, peak), a, mw in zip(specs, counts, mws, strict=True):
            capped = a * scale * peak
            capacity[k] = capped
            _add(sup_f, capped)
            _add(sup_m, mw * scale)
    hourly, monthly = [], []
    for month, lifetime, hour, elec, mw_acc in inp.offers:
        m = _row(month, x) / lifetime if month is not None else np.zeros((1, 1))
        h = _row(hour, x)
        if elec is not None:
            h = h + mw_acc * _row(elec, x)
        hourly.append(h)
        monthly.append(m)
    width = max(a.shape[1] for a in [*hourly, *monthly])
    hh = np.concatenate([np.broadcast_to(a, (1, width)) for a in hourly], axis=0)
    mm = np.concatenate([np.broadcast_to(a, (1, width)) for a in monthly], axis=0)
    key = (mm + hh * (8766.0 / 12.0)) / inp.peak[:, None]
    order = np.argsort(key[:, 0], kind="stable")
    step = np.diff(key[order], axis=0)
    assert np.all((step > 0) | ((step == 0) & (np.diff(order) > 0)[:, None])), "static order"
    remaining = list(capacity)
    fresh = [False] * len(capacity)
    unmet = []
    gap = np.zeros((t, 1))
    for members, phases, span in inp.classes:
        total = need[members[0]]
        flops = deliv[members[0]]
        for wi in members[1:]:
            total = total + need[wi]
            flops = flops + deliv[wi]
        left = total.copy()
        for steps in phases:
            for o in order:
                st = steps.get(int(o))
                if st is None:
                    continue
                _, rows, part = st
                if not fresh[o]:
                    remaining[o] = remaining[o].copy()
                    fresh[o] = True
                take = np.minimum(left[rows], remaining[o][rows])
                if part is not None:
                    take *= part
                if left.shape[1] != take.shape[1]:
                    left = np.repeat(left, take.shape[1], axis=1)
                if remaining[o].shape[1] != take.shape[1]:
                    remaining[o] = np.repeat(remaining[o], take.shape[1], axis=1)
                left[rows] -= take
                remaining[o][rows] -= take
        q = np.zeros_like(left)
        np.divide(left[span], total[span], out=q[span], where=total[span] > 0)
        unmet.append(q)
        if gap.shape[1] < q.shape[1]:
            gap = np.repeat(gap, q.shape[1], axis=1)
        gap[span] += q[span] * flops[span]
    spend = np.zeros((t, 1))
    in_use: dict[int, tuple[slice, np.ndarray]] = {}
    for o, rows in inp.used:
        used = capacity[o][rows] - remaining[o][rows]
        in_use[o] = (rows, used)
        cost = (monthly[o] + hourly[o] * hours[rows][:, None]) / inp.peak[o]
        spent = used * cost
        if spend.shape[1] != spent.shape[1]:
            spend = np.repeat(spend, spent.shape[1], axis=1)
        spend[rows] += spent
    # cash basis: a build's capex paid on delivery, not straight-line on use
    paid = spend
    for o, life, share, lag in inp.builds:
        if o not in in_use:
            continue
        rows, used = in_use[o]
        acc = np.zeros((t, used.shape[1]))
        acc[rows] = used / inp.peak[o]
        capex = monthly[o] * life
        new = deliveries(acc, life)
        extra = paid_on_delivery(new, capex * (1.0 - share), capex * share, lag)
        extra = extra - acc * monthly[o]
        if paid.shape[1] != extra.shape[1]:
            paid = np.repeat(paid, extra.shape[1], axis=1)
        paid = paid + extra
    revenue = np.zeros((t, 1))
    shared = np.zeros((t, 1))
    for group, q in zip(inp.revenue, unmet, strict=True):
        full = paid = None
        for spec, share in group:
            r = _sched(spec, x, n, t)
            sr = share * r
            full = r if full is None else full + r
            paid = sr if paid is None else paid + sr
        if full is None:
            continue
        served = 1.0 - q
        revenue = revenue + served * full
        shared = shared + served * paid
    other = _sched(inp.other_opex, x, n, t)
    funding = np.zeros((t, 1))
    for month, spec in inp.funding:
        usd = _row(spec, x)[0]
        funding = np.broadcast_to(funding, (t, max(funding.shape[1], usd.shape[0]))).copy()
        funding[month] += usd
    cash0 = _row(inp.cash0, x)
    net = revenue - shared - paid - other + funding
    cash = np.broadcast_to(net, (t, max(net.shape[1], cash0.shape[1]))).copy()
    cash[0] += cash0[0]
    for month in range(1, t):
        cash[month] += cash[month - 1]
    out = {
        "demand_flops": _total(acc_f),
        "demand_accelerators": _total(acc_a),
        "demand_mw": _total(acc_m),
        "supply_flops": _total(sup_f),
        "supply_mw": _total(sup_m),
        "gap_flops": gap,
        "spend_usd": spend,
        "revenue_usd": revenue,
        "revenue_share_usd": shared,
        "cash_usd": cash,
    }
    return out, np.maximum(-cash.min(axis=0), 0.0)


def _select(row: np.ndarray) -> np.ndarray:
    """Order statistics with numpy: bracketing + partition (the library's method before #4)."""
    n = row.size
    h = (n - 1) * QS
    k = np.floor(h).astype(np.int64)
    k1 = np.minimum(k + 1, n - 1)
    if n < 8 * 4096:
        part = np.partition(row, sorted(set(k.tolist()) | set(k1.tolist())))
        return part[k] + (h - k) * (part[k1].astype(np.float64) - part[k])
    sample = np.sort(row[:: n // 4096])
    m = sample.size
    low, high = np.empty(len(k)), np.empty(len(k))
    for i, (r, r1) in enumerate(zip(k.tolist(), k1.tolist(), strict=True)):
        q = r / (n - 1)
        spread = 4.0 * math.sqrt(m * q * (1.0 - q)) + 3.0
        lo, hi = math.floor(q * (m - 1) - spread), math.ceil(q * (m - 1) + spread) + 1
        lower, upper = sample[max(lo, 0)], sample[min(hi, m - 1)]
        below = int(np.count_nonzero(row < lower)) if lo >= 0 else 0
        if lo >= 0 and hi < m and lower == upper:
            equal = int(np.count_nonzero(row == lower))
            if below <= r and r1 < below + equal:
                low[i] = high[i] = lower
                continue
        inside = np.compress((row >= lower) & (row <= upper), row) if lo >= 0 and hi < m else row
        if not (below <= r and r1 < below + inside.size):
            inside, below = row, 0
        a, b = r - below, r1 - below
        part = np.partition(inside, [a, b] if b != a else a)
        low[i], high[i] = part[a], part[b]
    return low + (h - k) * (high - low)


def kernel(inp: Inputs, samples: int, chunk: int, seed: int) -> dict[str, np.ndarray]:
    """The whole computation; returns the p5..p95 bands of every quantity."""
    t = inp.t
    stores = {q: np.empty((t, samples), dtype=np.float32) for q in NAMES}
    funding = np.empty(samples, dtype=np.float32)
    keep = min(samples, 50_000)
    inputs = np.zeros((keep, len(inp.params)))
    short = np.zeros(t, dtype=np.int64)
    negative = np.zeros(t, dtype=np.int64)
    first_short = np.zeros(t, dtype=np.int64)
    first_negative = np.zeros(t, dtype=np.int64)
    gap_total = np.zeros(keep)
    cash_final = np.zeros(keep)
    cache: dict[int, np.ndarray] = {}
    for a in range(0, samples, chunk):
        b = min(a + chunk, samples)
        n = b - a
        first = a // BLOCK_SAMPLES
        blocks = []
        for blk in range(first, (b - 1) // BLOCK_SAMPLES + 1):
            if blk not in cache:
                cache.clear()
                cache[blk] = _draws(inp, blk, seed)
            blocks.append(cache[blk])
        x = np.concatenate(blocks, axis=1)[:, a - first * BLOCK_SAMPLES :][:, :n]
        out, needed = _chunk(inp, x, n)
        for q in NAMES:
            stores[q][:, a:b] = out[q]
        funding[a:b] = needed
        flags = np.broadcast_to(out["gap_flops"] > 1e-9 * out["demand_flops"], (t, n))
        short += flags.sum(axis=1)
        neg = np.broadcast_to(out["cash_usd"] < 0, (t, n))
        negative += neg.sum(axis=1)
        for f, counts in ((flags, first_short), (neg, first_negative)):
            ever = np.zeros(n, dtype=bool)
            for month in range(t):
                new = f[month] & ~ever
                counts[month] += int(np.count_nonzero(new))
                ever |= new
        if a < keep:
            m = min(n, keep - a)
            inputs[a : a + m] = x[:, :m].T
            gap_total[a : a + m] = np.broadcast_to(
                (inp.seconds[:, None] * out["gap_flops"]).sum(axis=0), (n,)
            )[:m]
            cash_final[a : a + m] = np.broadcast_to(out["cash_usd"][-1], (n,))[:m]
    bands = {}
    for q in NAMES:
        data = stores[q]
        qs = np.empty((len(QS), t))
        for j in range(t):
            row = data[j]
            lo, hi = row.min(), row.max()
            qs[:, j] = float(lo) if lo == hi else _select(row)
        bands[q] = qs
        data.mean(axis=1, dtype=np.float64)
    bands["funding"] = np.quantile(funding, [0.5, 0.9])
    rx = rankdata(inputs, axis=0)
    rx = rx - rx.mean(axis=0)
    for y in (cash_final, gap_total):
        ry = rankdata(y)
        ry = ry - ry.mean()
        (rx * ry[:, None]).sum(axis=0) / np.sqrt((rx**2).sum(axis=0) * (ry**2).sum())
    return bands


# --------------------------------------------------------------------------- main


COLD = """
import copy, time
from gigawatt.scenario import load_scenario, scenario_from_data
from gigawatt.forecast.montecarlo import run_forecast
base = load_scenario("frontier-lab-2025")
data = copy.deepcopy(base.raw)
data["horizon"]["months"] = {months}
s = scenario_from_data(data, "cold")
times = []
for _ in range(2):
    t0 = time.perf_counter()
    run_forecast(s, samples=100, seed=1)
    times.append(time.perf_counter() - t0)
print(times[0] - times[1])
"""


ONE_SHOT = """
import copy, sys, time
t0 = time.perf_counter()
sys.path.insert(0, {here!r})
from bench_forecast import scenario_of
from gigawatt.forecast.montecarlo import keep_freed_memory, run_forecast
keep_freed_memory()
s = scenario_of({months})
t1, c1 = time.perf_counter(), time.process_time()
run_forecast(s, samples={samples}, seed={seed}, workers={workers})
t2, c2 = time.perf_counter(), time.process_time()
print(t2 - t1, c2 - c1, t2 - t0)
"""


def one_shot(months: int, samples: int, seed: int, workers: int) -> tuple[float, float, float]:
    """A fresh process running one forecast, as the ``forecast`` command does.

    Returns the run's wall and CPU seconds (its first run: loading the compiled loops
    from the cache, first touch of its memory) and the process's wall time from the
    start of the script (imports and scenario included).
    """
    code = ONE_SHOT.format(
        here=str(HERE), months=months, samples=samples, seed=seed, workers=workers
    )
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    wall, cpu, total = (float(x) for x in done.stdout.strip().splitlines()[-1].split())
    return wall, cpu, total


def cold_compile_seconds(months: int) -> float:
    """Seconds numba takes to compile the forecast's loops with an empty cache."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        done = subprocess.run(
            [sys.executable, "-c", COLD.format(months=months)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
    return float(done.stdout.strip().splitlines()[-1])


@dataclass
class Series:
    """Wall and CPU seconds of repeated runs in this process."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    @property
    def steady(self) -> float:
        """Median wall time without the first run (a warm process)."""
        return statistics.median(self.wall[1:] or self.wall)

    @property
    def steady_cpu(self) -> float:
        return statistics.median(self.cpu[1:] or self.cpu)


def _median_time(fn: Any, repeats: int) -> tuple[float, list[float], float, Any, Series]:
    """Median wall time, the wall times, median CPU time of this process, last result."""
    series, result = Series(), None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        series.wall.append(time.perf_counter() - t0)
        series.cpu.append(time.process_time() - c0)
    return series.median, series.wall, series.cpu_median, result, series


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--chunk", type=int, default=DEFAULT_CHUNK)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-write", action="store_true", help="do not write the JSON")
    parser.add_argument(
        "--no-cold", action="store_true", help="skip timing a compilation from an empty cache"
    )
    parser.add_argument(
        "--no-one-shot", action="store_true", help="skip the fresh-process (one-shot) runs"
    )
    parser.add_argument(
        "--default-malloc",
        action="store_true",
        help="leave glibc's malloc policy as it is (the forecast command changes it)",
    )
    args = parser.parse_args(argv)
    kept = False if args.default_malloc else keep_freed_memory()

    scenario = scenario_of(args.months)
    load_start = os.getloadavg()

    def forecast() -> Any:
        return run_forecast(
            scenario, samples=args.samples, seed=args.seed, chunk=args.chunk, workers=args.workers
        )

    inp = extract(ForecastModel(scenario))  # untimed: the kernel starts from plain arrays
    t0 = time.perf_counter()
    run_forecast(scenario, samples=100, seed=args.seed)  # loads (or compiles) the loops
    first_call = time.perf_counter() - t0

    def bare() -> Any:
        return kernel(inp, args.samples, args.chunk, args.seed)

    t_forecast, forecast_times, cpu_forecast, result, fs = _median_time(forecast, args.repeats)
    t_kernel, kernel_times, cpu_kernel, bands, ks = _median_time(bare, args.repeats)
    threads = os.cpu_count() or 1
    t_threaded, threaded_times, cpu_threaded, _, ts = _median_time(
        lambda: run_forecast(
            scenario, samples=args.samples, seed=args.seed, chunk=args.chunk, workers=threads
        ),
        args.repeats,
    )
    shots: dict[str, list[list[float]]] = {}
    if not args.no_one_shot:
        for w in (1, threads):
            shots[f"workers_{w}"] = [
                list(one_shot(args.months, args.samples, args.seed, w)) for _ in range(3)
            ]
    cold = None if args.no_cold else cold_compile_seconds(args.months)

    # the kernel must compute what the forecast computes
    for q in NAMES:
        got = result.band(q)[["p5", "p25", "p50", "p75", "p95"]].to_numpy().T
        np.testing.assert_allclose(got, bands[q], rtol=1e-5, atol=1e-6 * np.abs(got).max())
    ratio = t_forecast / t_kernel
    out = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "scenario": scenario.source,
        "samples": args.samples,
        "months": args.months,
        "parameters": len(result.summary["parameters"]),
        "chunk": args.chunk,
        "workers": args.workers,
        "repeats": args.repeats,
        "forecast_median_s": t_forecast,
        "forecast_runs_s": forecast_times,
        "kernel_median_s": t_kernel,
        "kernel_runs_s": kernel_times,
        "ratio_forecast_to_kernel": ratio,
        "forecast_cpu_median_s": cpu_forecast,
        "kernel_cpu_median_s": cpu_kernel,
        "ratio_forecast_to_kernel_cpu": cpu_forecast / cpu_kernel,
        "forecast_threaded_workers": threads,
        "forecast_threaded_median_s": t_threaded,
        "forecast_threaded_runs_s": threaded_times,
        "forecast_threaded_cpu_median_s": cpu_threaded,
        "forecast_cpu_runs_s": fs.cpu,
        "kernel_cpu_runs_s": ks.cpu,
        "forecast_threaded_cpu_runs_s": ts.cpu,
        "first_run_in_process": {
            "forecast_s": fs.wall[0],
            "forecast_cpu_s": fs.cpu[0],
            "kernel_s": ks.wall[0],
            "kernel_cpu_s": ks.cpu[0],
        },
        "steady_state_median_without_first_run": {
            "forecast_s": fs.steady,
            "forecast_cpu_s": fs.steady_cpu,
            "kernel_s": ks.steady,
            "kernel_cpu_s": ks.steady_cpu,
            "ratio_cpu": fs.steady_cpu / ks.steady_cpu,
            "forecast_threaded_s": ts.median,
            "forecast_threaded_cpu_s": ts.cpu_median,
        },
        "one_shot_process_runs": shots,
        "one_shot_note": "a fresh process per run, as the forecast command: "
        "[run wall s, run CPU s, process wall s from start incl. imports]",
        "first_call_s": first_call,
        "compile_cold_s": cold,
        "compile_included": "no: loops load from numba's on-disk cache (first_call_s); "
        "compile_cold_s is paid once after an install or an edit",
        "forecast_timings_last_run": result.summary["timings"],
        "target_s": TARGET_SECONDS,
        "meets_target": t_forecast <= TARGET_SECONDS,
        "meets_target_threaded": t_threaded <= TARGET_SECONDS,
        "quantile_method": result.summary["quantile_method"],
        "keep_freed_memory": kept,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "numpy": np.__version__,
            "numba": numba.__version__,
        },
        "load_average_at_start": list(load_start),
        "load_average_at_end": list(os.getloadavg()),
    }
    runs = ", ".join(f"{x:.2f}" for x in forecast_times)
    print(
        f"forecast {args.samples:,} samples x {args.months} months: median "
        f"{t_forecast:.2f} s over {args.repeats} runs ({runs})"
    )
    print(
        f"bare numpy kernel, same arithmetic:   median {t_kernel:.2f} s "
        f"({', '.join(f'{x:.2f}' for x in kernel_times)})"
    )
    print(
        f"forecast with {threads} worker threads:     median {t_threaded:.2f} s "
        f"({', '.join(f'{x:.2f}' for x in threaded_times)})"
    )
    print(
        f"CPU time (this process), medians: forecast {cpu_forecast:.2f} s, kernel "
        f"{cpu_kernel:.2f} s, ratio {cpu_forecast / cpu_kernel:.2f}; threaded "
        f"{cpu_threaded:.2f} s"
    )
    print(
        f"first run in this process: forecast {fs.wall[0]:.2f} s ({fs.cpu[0]:.2f} s CPU), "
        f"kernel {ks.wall[0]:.2f} s; warm (runs 2..): forecast {fs.steady:.2f} s "
        f"({fs.steady_cpu:.2f} s CPU), kernel {ks.steady:.2f} s ({ks.steady_cpu:.2f} s CPU)"
    )
    for key, runs_ in shots.items():
        print(
            f"one-shot process ({key}): run "
            + ", ".join(f"{r[0]:.2f} s ({r[1]:.2f} CPU)" for r in runs_)
            + "; whole process "
            + ", ".join(f"{r[2]:.2f}" for r in runs_)
            + " s"
        )
    cold_text = "not measured" if cold is None else f"{cold:.1f} s"
    print(
        f"compiled loops: first call (100 samples, from the cache) {first_call:.2f} s; "
        f"compiling from an empty cache {cold_text}"
    )
    print(
        f"ratio forecast / kernel: {ratio:.2f}; target <= {TARGET_SECONDS:.1f} s: "
        f"1 thread {'met' if t_forecast <= TARGET_SECONDS else 'not met'} "
        f"({t_forecast:.2f} s), {threads} threads "
        f"{'met' if t_threaded <= TARGET_SECONDS else 'not met'} ({t_threaded:.2f} s); "
        "load average "
        f"{load_start[0]:.1f} -> {os.getloadavg()[0]:.1f}"
    )
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / "forecast.json"
        path.write_text(json.dumps(out, indent=2) + "\n")
        print(f"wrote {path.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
