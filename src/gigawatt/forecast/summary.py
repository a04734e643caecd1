"""Summarise a Monte Carlo run: counts per month, the sensitivity sample, the result.

:class:`Tally` accumulates, chunk by chunk, integer counts (exact whatever the chunk
size) and the first :data:`~gigawatt.forecast.montecarlo.SENSITIVITY_SAMPLES` samples'
inputs and outputs; :func:`assemble` turns stores and tally into a
:class:`~gigawatt.forecast.result.Forecast`.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from gigawatt.forecast.model import GAP_TOLERANCE, ChunkOutputs, ForecastModel
from gigawatt.forecast.recurrences import first_months
from gigawatt.forecast.result import QUANTITIES, Forecast
from gigawatt.forecast.stats import (
    QUANTILES,
    ExactStore,
    HistogramStore,
    RangeStore,
    spearman_columns,
)
from gigawatt.forecast.structural import GapTally

__all__ = ["Store", "Tally", "assemble"]

F64 = NDArray[np.float64]
Store = ExactStore | HistogramStore | RangeStore


class Tally:
    """Counts and the sensitivity sample, accumulated chunk by chunk."""

    def __init__(
        self, months: int, keep: int, k: int, gaps: GapTally, floor_usd: float = 0.0
    ) -> None:
        self.floor_usd = floor_usd
        self.shortfall = np.zeros(months, dtype=np.int64)
        self.cash_negative = np.zeros(months, dtype=np.int64)
        self.first_shortfall = np.zeros(months, dtype=np.int64)
        self.first_cash_negative = np.zeros(months, dtype=np.int64)
        self.any_shortfall = 0
        self.any_cash_negative = 0
        self.cash_negative_by_year = np.zeros(len(gaps.year_labels), dtype=np.int64)
        self.keep = keep
        self.inputs = np.zeros((keep, k))
        self.cash_final = np.zeros(keep)
        self.gap_total = np.zeros(keep)
        self.gaps = gaps

    def add(self, start: int, out: ChunkOutputs) -> None:
        """Count one chunk whose first sample is ``start``."""
        n, q = out.n, out.quantities
        months = q["gap_flops"].shape[0]
        short = np.broadcast_to(q["gap_flops"] > GAP_TOLERANCE * q["demand_flops"], (months, n))
        self.shortfall += short.sum(axis=1)
        self.any_shortfall += first_months(short, self.first_shortfall)
        self.gaps.add(out.class_gap_flops, out.class_demand_flops, short, n)
        if "cash_usd" in q:
            negative = np.broadcast_to(q["cash_usd"] < self.floor_usd, (months, n))
            self.cash_negative += negative.sum(axis=1)
            self.any_cash_negative += first_months(negative, self.first_cash_negative)
            # samples below the floor in some month of each year
            in_year = np.logical_or.reduceat(negative, self.gaps.year_starts, axis=0)
            self.cash_negative_by_year += in_year.sum(axis=1)
        if start < self.keep:
            m = min(n, self.keep - start)
            self.inputs[start : start + m] = out.inputs[:m]
            self.gap_total[start : start + m] = out.gap_total_flop[:m]
            if out.cash_final_usd is not None:
                self.cash_final[start : start + m] = out.cash_final_usd[:m]


def assemble(
    model: ForecastModel,
    stores: dict[str, Store],
    tally: Tally,
    samples: int,
    seed: int,
    chunk: int,
    exact: bool,
    began: float,
    workers: int = 1,
) -> Forecast:
    """Build the forecast from the filled stores and the tally (see the module doc).

    ``began`` is the ``time.perf_counter()`` value at the start of the run; the time
    spent so far is reported as ``timings.sampling_s``, the bands' as ``timings.bands_s``.
    """
    sampled = time.perf_counter()
    tl = model.timeline
    frames = []
    bands: dict[str, tuple[F64, F64]] = {}
    for q, store in stores.items():
        if isinstance(store, RangeStore) or q == "funding_needed_usd":
            continue
        bands[q] = (store.quantiles(QUANTILES, workers), store.mean())
    if "demand_mw" in bands:
        factor = tl.hours / 1e6
        qs, mean = bands["demand_mw"]
        bands["demand_twh"] = (qs * factor[None, :], mean * factor)
    for q, unit in QUANTITIES.items():
        if q not in bands:
            continue
        qs, mean = bands[q]
        frame = pd.DataFrame({"quantity": q, "unit": unit, "month": tl.labels, "mean": mean})
        for i, level in enumerate(QUANTILES):
            frame[f"p{round(level * 100)}"] = qs[i]
        frames.append(frame)
    cash_columns = (
        {
            "p_cash_negative": tally.cash_negative / samples,
            "p_cash_negative_by_month": np.cumsum(tally.first_cash_negative) / samples,
        }
        if model.has_cash
        else {"p_cash_negative": np.nan, "p_cash_negative_by_month": np.nan}
    )
    probabilities = pd.DataFrame(
        {
            "month": tl.labels,
            "p_demand_exceeds_supply": tally.shortfall / samples,
            "p_demand_exceeds_supply_by_month": np.cumsum(tally.first_shortfall) / samples,
            **cash_columns,
        }
    )
    sensitivity, ranking = _sensitivity(model, tally)
    summary: dict[str, Any] = {
        "kind": "forecast",
        "scenario": model.scenario.name,
        "source": model.scenario.source,
        "samples": samples,
        "seed": seed,
        "chunk": chunk,
        "months": {"start": str(tl.start), "end": str(tl.end), "count": tl.n_months},
        "quantile_method": "exact" if exact else "histogram",
        "parameters": [p.to_dict() for p in model.uncertainty.parameters],
        "rank_correlation": [
            {"between": list(k), "rho": v} for k, v in model.uncertainty.rank_correlation.items()
        ],
        "p_demand_exceeds_supply_any_month": tally.any_shortfall / samples,
        "p_demand_exceeds_supply_max": float(probabilities["p_demand_exceeds_supply"].max()),
        **_gap_summary(model, tally.gaps),
        "finance": model.has_cash,
        "p_cash_negative_any_month": tally.any_cash_negative / samples if model.has_cash else None,
        "cash_floor_usd": model.cash_floor_usd if model.has_cash else None,
        "p_cash_negative_by_year": (
            {
                str(y): float(c / samples)
                for y, c in zip(tally.gaps.year_labels, tally.cash_negative_by_year, strict=True)
            }
            if model.has_cash
            else None
        ),
        "funding_needed_usd": None,
        "sensitivity": ranking,
        "sensitivity_samples": tally.keep,
        "seconds": 0.0,
    }
    if "funding_needed_usd" in stores:
        store = stores["funding_needed_usd"]
        if not isinstance(store, RangeStore):
            levels = (0.05, 0.25, 0.5, 0.75, 0.9, 0.95)
            found = store.quantiles(levels)[:, 0]
            summary["funding_needed_usd"] = {
                **{f"p{round(q * 100)}": float(v) for q, v in zip(levels, found, strict=True)},
                "mean": float(store.mean()[0]),
            }
    final = {}
    for q in bands:
        qs, _ = bands[q]
        final[q] = {f"p{round(level * 100)}": float(qs[i, -1]) for i, level in enumerate(QUANTILES)}
    summary["final_month"] = {"month": str(tl.end), **final}
    summary["timings"] = {
        "sampling_s": sampled - began,
        "bands_s": time.perf_counter() - sampled,
    }
    summary["seconds"] = time.perf_counter() - began
    tables = {
        "bands": pd.concat(frames, ignore_index=True),
        "probabilities": probabilities,
        "sensitivity": sensitivity,
    }
    return Forecast(summary, tables)


def _gap_summary(model: ForecastModel, gaps: GapTally) -> dict[str, Any]:
    """Structural gaps (named) and P(shortfall) by year, with and without them."""
    names = [w.name for w in model.scenario.workloads]
    providers = np.array(model.supply.providers)
    workloads = [[names[wi] for wi in c.members] for c in model.merit.classes]
    usable = [
        [sorted(set(providers[c.eligible[:, t]].tolist())) for t in range(c.eligible.shape[1])]
        for c in model.merit.classes
    ]
    return gaps.summary(model.timeline.labels, workloads, usable)


def _sensitivity(model: ForecastModel, tally: Tally) -> tuple[pd.DataFrame, dict[str, Any]]:
    names = model.uncertainty.names
    outputs = {"gap_total_flop": tally.gap_total}
    if model.has_cash:
        outputs = {"cash_final_usd": tally.cash_final, **outputs}
    rows = []
    ranking: dict[str, Any] = {}
    rhos = spearman_columns(tally.inputs, list(outputs.values()))  # inputs ranked once
    for output, rho in zip(outputs, rhos, strict=True):
        rho = rho if names else np.zeros(0)
        order = np.argsort(-np.abs(rho), kind="stable")
        ranked = [{"parameter": names[i], "spearman": float(rho[i])} for i in order]
        ranking[output] = ranked
        for rank, i in enumerate(order, start=1):
            rows.append(
                {"parameter": names[i], "output": output, "spearman": float(rho[i]), "rank": rank}
            )
    frame = pd.DataFrame(rows, columns=["parameter", "output", "spearman", "rank"])
    return frame, ranking
