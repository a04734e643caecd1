"""Epoch AI's notable-models and ML-hardware tables, as shipped in ``gigawatt/data``."""

from __future__ import annotations

import functools
from importlib.resources import files
from typing import Any

import numpy as np
import pandas as pd

from gigawatt.forecast.trends.base import (
    _HARDWARE,
    _NOTABLE,
    FloatArray,
)

__all__ = ["decimal_year", "load_ml_hardware", "load_notable_models"]


def _data_file(folder: str, name: str) -> Any:
    return files("gigawatt") / "data" / folder / name


@functools.cache
def _read_notable() -> pd.DataFrame:
    columns = ["Model", "Organization", "Publication date", "Training compute (FLOP)"]
    with _data_file(*_NOTABLE).open("rb") as fh:
        raw = pd.read_csv(fh, usecols=[*columns, "Confidence"])
    dates = pd.to_datetime(raw["Publication date"], errors="coerce", format="%Y-%m-%d")
    flop = pd.to_numeric(raw["Training compute (FLOP)"], errors="coerce")
    ok = dates.notna() & flop.notna() & (flop > 0)
    out = pd.DataFrame(
        {
            "model": raw["Model"].astype(str).str.strip()[ok],
            "organization": raw["Organization"].fillna("").astype(str)[ok],
            "publication_date": dates[ok],
            "year": decimal_year(dates[ok]),
            "training_flop": flop[ok].astype(float),
            "log10_flop": np.log10(flop[ok].astype(float)),
            "confidence": raw["Confidence"].fillna("").astype(str)[ok],
        }
    )
    return out.sort_values(["publication_date", "model"], kind="stable").reset_index(drop=True)


def load_notable_models() -> pd.DataFrame:
    """Return Epoch's notable models that have a publication date and training compute.

    Returns:
        A fresh DataFrame sorted by date, with columns ``model``, ``organization``,
        ``publication_date`` (datetime), ``year`` (decimal year), ``training_flop``,
        ``log10_flop`` and ``confidence``.

    """
    return _read_notable().copy()


@functools.cache
def _read_hardware() -> pd.DataFrame:
    with _data_file(*_HARDWARE).open("rb") as fh:
        frame = pd.read_csv(fh)
    frame["Hardware name"] = frame["Hardware name"].astype(str).str.strip()
    return frame


def load_ml_hardware() -> pd.DataFrame:
    """Return Epoch's ML-hardware table (one row per accelerator, Epoch's column names)."""
    return _read_hardware().copy()


def decimal_year(dates: pd.Series[Any] | pd.DatetimeIndex) -> FloatArray:
    """Convert dates to decimal years: ``year + (day_of_year - 1) / days_in_year``.

    Args:
        dates: Datetime values.

    Returns:
        Float array of decimal years (1 January 2024 is 2024.0).

    """
    index = pd.DatetimeIndex(dates)
    days = np.where(index.is_leap_year, 366.0, 365.0)
    year = index.year.to_numpy(dtype=np.float64)
    day = index.day_of_year.to_numpy(dtype=np.float64)
    return np.asarray(year + (day - 1.0) / days, dtype=np.float64)
