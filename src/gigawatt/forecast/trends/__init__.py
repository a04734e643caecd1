r"""Growth of frontier training compute, fitted to Epoch AI's notable-models data.

Method (what ``gigawatt trends`` reports):

1. Data. Epoch AI's *notable AI models* (shipped in ``gigawatt/data``, CC BY 4.0); a
   model counts when it has both a publication date and a training-compute estimate.
   Dates become decimal years, :math:`t = \text{year} + (\text{day of year} - 1) /
   \text{days in year}`, so ``2030`` means 1 January 2030.
2. Frontier definition (each uses only models published on or before the model's own
   date, so it never looks ahead and back-tests stay honest):

   - ``top-n``: in the top *N* by training compute among all models released up to its
     release date (Epoch's frontier definition uses the top 5 at release);
   - ``record``: larger than every earlier model (a new compute record);
   - ``threshold``: at least *X* FLOP.

   Then keep models published in ``[since, until)`` (default since 2018, as Epoch).
3. Fit. Ordinary least squares of :math:`\log_{10}` FLOP on :math:`t`. Growth per
   year is :math:`10^{b}` for slope :math:`b`; doubling time is
   :math:`12 \log_{10} 2 / b` months.
4. Uncertainty. Non-parametric bootstrap: resample the selected models with
   replacement (seeded :class:`numpy.random.Generator`, 1000 resamples by default,
   vectorised), refit, and take percentile intervals (90% by default, as Epoch reports).
5. Frontier run in a year: the fitted line at that year, with the bootstrap interval of
   the line. With an accelerator of peak :math:`P` FLOP/s, utilisation (MFU) :math:`m`,
   a training duration :math:`D` seconds (default :math:`1.56 \times 10^7` s, Epoch's
   median, about six months), IT watts :math:`W_{IT}` per accelerator and a PUE
   :math:`u` applied once, as the planner does (:mod:`gigawatt.scenario.power`),

   .. math:: \text{GW} = \frac{\text{FLOP}}{P\, m\, D} \cdot \frac{W_{IT}\, u}{10^9}.

   ``ml_hardware.csv`` gives chip TDP, not facility power; by default
   :math:`W_{IT}\, u = 2.0 \times \text{TDP}`, the ratio implied by Epoch's
   GPU-clusters power estimates (about 1,430 W per 700 W H100, 2,400 W per 1,200 W
   GB200), split as PUE :math:`u = 1.2` and :math:`W_{IT} = 2.0 / 1.2 \times`
   TDP (servers and network).
6. Back-test. Fit on models published up to the end of a cut-off year, predict every
   selected model published after it, and score the mean absolute :math:`\log_{10}`
   error, the bias, and how often the actual value falls in the bootstrap interval of
   the line and in the bootstrap prediction interval (line plus a resampled residual).
"""

from __future__ import annotations

import typing as _typing

from gigawatt.lazyexports import lazy_exports as _lazy_exports

if _typing.TYPE_CHECKING:
    from gigawatt.forecast.trends.backtesting import Backtest, BacktestYear, backtest
    from gigawatt.forecast.trends.base import (
        DEFAULT_FACILITY_OVERHEAD,
        DEFAULT_PUE,
        DEFINITIONS,
        EPOCH_TRAINING_DURATION_S,
        Definition,
        TrendsError,
    )
    from gigawatt.forecast.trends.data import decimal_year, load_ml_hardware, load_notable_models
    from gigawatt.forecast.trends.fit import TrendFit, fit_trend
    from gigawatt.forecast.trends.hardware import Accelerator, find_accelerator, training_power_gw
    from gigawatt.forecast.trends.projection import RunForecast, forecast_run
    from gigawatt.forecast.trends.report import TrendReport, analyze_trends, plot_trends
    from gigawatt.forecast.trends.selection import Selection, frontier_mask, select_models

__all__ = [
    "DEFAULT_FACILITY_OVERHEAD",
    "DEFAULT_PUE",
    "DEFINITIONS",
    "EPOCH_TRAINING_DURATION_S",
    "Accelerator",
    "Backtest",
    "BacktestYear",
    "Definition",
    "RunForecast",
    "Selection",
    "TrendFit",
    "TrendReport",
    "TrendsError",
    "analyze_trends",
    "backtest",
    "decimal_year",
    "find_accelerator",
    "fit_trend",
    "forecast_run",
    "frontier_mask",
    "load_ml_hardware",
    "load_notable_models",
    "plot_trends",
    "select_models",
    "training_power_gw",
]

__getattr__, __dir__ = _lazy_exports(
    __name__,
    {
        "Backtest": "gigawatt.forecast.trends.backtesting",
        "BacktestYear": "gigawatt.forecast.trends.backtesting",
        "backtest": "gigawatt.forecast.trends.backtesting",
        "DEFAULT_FACILITY_OVERHEAD": "gigawatt.forecast.trends.base",
        "DEFAULT_PUE": "gigawatt.forecast.trends.base",
        "DEFINITIONS": "gigawatt.forecast.trends.base",
        "EPOCH_TRAINING_DURATION_S": "gigawatt.forecast.trends.base",
        "Definition": "gigawatt.forecast.trends.base",
        "TrendsError": "gigawatt.forecast.trends.base",
        "decimal_year": "gigawatt.forecast.trends.data",
        "load_ml_hardware": "gigawatt.forecast.trends.data",
        "load_notable_models": "gigawatt.forecast.trends.data",
        "TrendFit": "gigawatt.forecast.trends.fit",
        "fit_trend": "gigawatt.forecast.trends.fit",
        "Accelerator": "gigawatt.forecast.trends.hardware",
        "find_accelerator": "gigawatt.forecast.trends.hardware",
        "training_power_gw": "gigawatt.forecast.trends.hardware",
        "RunForecast": "gigawatt.forecast.trends.projection",
        "forecast_run": "gigawatt.forecast.trends.projection",
        "TrendReport": "gigawatt.forecast.trends.report",
        "analyze_trends": "gigawatt.forecast.trends.report",
        "plot_trends": "gigawatt.forecast.trends.report",
        "Selection": "gigawatt.forecast.trends.selection",
        "frontier_mask": "gigawatt.forecast.trends.selection",
        "select_models": "gigawatt.forecast.trends.selection",
    },
)
