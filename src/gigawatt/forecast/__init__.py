"""Forecasts: compute trends from Epoch AI data, and Monte Carlo over uncertain inputs."""

from __future__ import annotations

import typing as _typing

from gigawatt.lazyexports import lazy_exports as _lazy_exports

if _typing.TYPE_CHECKING:
    from gigawatt.forecast.model import ChunkOutputs, ForecastModel
    from gigawatt.forecast.montecarlo import keep_freed_memory, run_forecast
    from gigawatt.forecast.result import QUANTITIES, Forecast
    from gigawatt.forecast.sampling import Parameter, Uncertainty, parse_uncertainty
    from gigawatt.forecast.trends import (
        Accelerator,
        Backtest,
        RunForecast,
        Selection,
        TrendFit,
        TrendReport,
        TrendsError,
        analyze_trends,
        backtest,
        find_accelerator,
        fit_trend,
        forecast_run,
        load_notable_models,
        plot_trends,
        training_power_gw,
    )
    from gigawatt.scenario.distributions import (
        Distribution,
        DistributionError,
        Lognormal,
        Normal,
        Triangular,
        Uniform,
        parse_distribution,
        sample,
    )

__all__ = [
    "QUANTITIES",
    "Accelerator",
    "Backtest",
    "ChunkOutputs",
    "Distribution",
    "DistributionError",
    "Forecast",
    "ForecastModel",
    "Lognormal",
    "Normal",
    "Parameter",
    "RunForecast",
    "Selection",
    "TrendFit",
    "TrendReport",
    "TrendsError",
    "Triangular",
    "Uncertainty",
    "Uniform",
    "analyze_trends",
    "backtest",
    "find_accelerator",
    "fit_trend",
    "forecast_run",
    "keep_freed_memory",
    "load_notable_models",
    "parse_distribution",
    "parse_uncertainty",
    "plot_trends",
    "run_forecast",
    "sample",
    "training_power_gw",
]

__getattr__, __dir__ = _lazy_exports(
    __name__,
    {
        "Distribution": "gigawatt.scenario.distributions",
        "DistributionError": "gigawatt.scenario.distributions",
        "Lognormal": "gigawatt.scenario.distributions",
        "Normal": "gigawatt.scenario.distributions",
        "Triangular": "gigawatt.scenario.distributions",
        "Uniform": "gigawatt.scenario.distributions",
        "parse_distribution": "gigawatt.scenario.distributions",
        "sample": "gigawatt.scenario.distributions",
        "ChunkOutputs": "gigawatt.forecast.model",
        "ForecastModel": "gigawatt.forecast.model",
        "keep_freed_memory": "gigawatt.forecast.montecarlo",
        "run_forecast": "gigawatt.forecast.montecarlo",
        "QUANTITIES": "gigawatt.forecast.result",
        "Forecast": "gigawatt.forecast.result",
        "Parameter": "gigawatt.forecast.sampling",
        "Uncertainty": "gigawatt.forecast.sampling",
        "parse_uncertainty": "gigawatt.forecast.sampling",
        "Accelerator": "gigawatt.forecast.trends",
        "Backtest": "gigawatt.forecast.trends",
        "RunForecast": "gigawatt.forecast.trends",
        "Selection": "gigawatt.forecast.trends",
        "TrendFit": "gigawatt.forecast.trends",
        "TrendReport": "gigawatt.forecast.trends",
        "TrendsError": "gigawatt.forecast.trends",
        "analyze_trends": "gigawatt.forecast.trends",
        "backtest": "gigawatt.forecast.trends",
        "find_accelerator": "gigawatt.forecast.trends",
        "fit_trend": "gigawatt.forecast.trends",
        "forecast_run": "gigawatt.forecast.trends",
        "load_notable_models": "gigawatt.forecast.trends",
        "plot_trends": "gigawatt.forecast.trends",
        "training_power_gw": "gigawatt.forecast.trends",
    },
)
