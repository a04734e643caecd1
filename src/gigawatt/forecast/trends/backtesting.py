"""Fit up to a cut-off year and score the prediction of the years after it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gigawatt.forecast.trends.base import (
    TrendsError,
)
from gigawatt.forecast.trends.data import (
    load_notable_models,
)
from gigawatt.forecast.trends.fit import (
    TrendFit,
    _json_float,
    fit_trend,
)
from gigawatt.forecast.trends.selection import (
    Selection,
    select_models,
)

__all__ = ["Backtest", "BacktestYear", "backtest"]


@dataclass(frozen=True)
class BacktestYear:
    """Back-test score for the selected models of one calendar year after the cut-off."""

    year: int
    n_models: int
    mean_log10_actual: float
    mean_log10_predicted: float
    mae_log10: float
    coverage_pi: float

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready mapping."""
        return {
            "year": self.year,
            "n_models": self.n_models,
            "mean_log10_actual": self.mean_log10_actual,
            "mean_log10_predicted": self.mean_log10_predicted,
            "mae_log10": self.mae_log10,
            "coverage_pi": self.coverage_pi,
        }


@dataclass(frozen=True)
class Backtest:
    """Fit on data up to a cut-off year; score the prediction of the years after it.

    Attributes:
        cutoff_year: Last calendar year of the training data.
        fit: The fit on the training data.
        n_test: Selected models published after the cut-off year.
        mae_log10: Mean absolute error, log10 FLOP (0.3 is a factor of 2).
        bias_log10: Mean of actual minus predicted log10 FLOP (> 0: trend too low).
        coverage_ci: Share of test models inside the bootstrap interval of the line.
        coverage_pi: Share inside the bootstrap prediction interval (line plus residual),
            to compare with ``fit.confidence``.
        per_year: Scores by calendar year.

    """

    cutoff_year: int
    fit: TrendFit
    n_test: int
    mae_log10: float
    bias_log10: float
    coverage_ci: float
    coverage_pi: float
    per_year: tuple[BacktestYear, ...]

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready mapping."""
        return {
            "cutoff_year": self.cutoff_year,
            "train": {
                "n_models": self.fit.n_models,
                "growth_per_year": self.fit.growth_per_year,
                "growth_per_year_ci": list(self.fit.growth_per_year_ci),
                "doubling_time_months": _json_float(self.fit.doubling_months),
            },
            "n_test": self.n_test,
            "mae_log10": self.mae_log10,
            "bias_log10": self.bias_log10,
            "coverage_ci": self.coverage_ci,
            "coverage_pi": self.coverage_pi,
            "confidence": self.fit.confidence,
            "per_year": [row.to_dict() for row in self.per_year],
        }


def backtest(
    models: pd.DataFrame | None = None,
    selection: Selection | None = None,
    cutoff_year: int = 2022,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    confidence: float = 0.9,
) -> Backtest:
    """Fit on models published up to the end of ``cutoff_year`` and score later ones.

    Frontier membership uses only earlier models, so the test models are those the
    definition would have flagged at their release, and nothing after the cut-off
    leaks into the fit.

    Args:
        models: Frame as from :func:`load_notable_models`; the shipped data if None.
        selection: Frontier definition and dates (its ``until``, if any, bounds the test
            period).
        cutoff_year: Last calendar year of training data.
        n_boot: Bootstrap resamples.
        seed: Seed of the generator (bootstrap and residual draws).
        confidence: Interval level.

    Returns:
        The back-test scores.

    Raises:
        TrendsError: If the training or the test set is empty or too small.

    """
    frame = load_notable_models() if models is None else models
    sel = Selection() if selection is None else selection
    split = float(cutoff_year + 1)
    if sel.since is not None and split <= sel.since:
        raise TrendsError(
            f"back-test cut-off {cutoff_year} is before the data start ({sel.since:g}); "
            "pick a later cut-off year"
        )
    train = Selection(sel.definition, sel.top_n, sel.threshold_flop, sel.since, split)
    fit = fit_trend(frame, train, n_boot=n_boot, seed=seed, confidence=confidence)
    test_sel = Selection(sel.definition, sel.top_n, sel.threshold_flop, split, sel.until)
    test = select_models(frame, test_sel)
    if test.empty:
        raise TrendsError(
            f"no selected models were published after {cutoff_year}; pick an earlier cut-off"
        )
    t = test["year"].to_numpy(dtype=np.float64)
    actual = test["log10_flop"].to_numpy(dtype=np.float64)
    predicted = fit.predict_log10(t)
    error = actual - predicted
    lo_ci, hi_ci = fit.line_interval(t)
    # Prediction interval: each bootstrap line plus a residual resampled from the fit.
    rng = np.random.default_rng([seed, 1])
    lines = fit.boot_log10(t)
    resid = fit.residuals()
    draws = lines + resid[rng.integers(0, resid.size, size=lines.shape)]
    alpha = (1.0 - confidence) / 2.0
    lo_pi, hi_pi = np.quantile(draws, [alpha, 1.0 - alpha], axis=0)
    in_ci = (actual >= lo_ci) & (actual <= hi_ci)
    in_pi = (actual >= lo_pi) & (actual <= hi_pi)
    calendar = np.floor(t).astype(int)
    per_year = tuple(
        BacktestYear(
            year=int(y),
            n_models=int((calendar == y).sum()),
            mean_log10_actual=float(actual[calendar == y].mean()),
            mean_log10_predicted=float(predicted[calendar == y].mean()),
            mae_log10=float(np.abs(error[calendar == y]).mean()),
            coverage_pi=float(in_pi[calendar == y].mean()),
        )
        for y in np.unique(calendar)
    )
    return Backtest(
        cutoff_year=int(cutoff_year),
        fit=fit,
        n_test=int(t.size),
        mae_log10=float(np.abs(error).mean()),
        bias_log10=float(error.mean()),
        coverage_ci=float(in_ci.mean()),
        coverage_pi=float(in_pi.mean()),
        per_year=per_year,
    )
