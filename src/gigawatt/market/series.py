"""Yearly series of a market: ``{2024: 1.5, 2025: 3.0, growth_per_year: 1.7}`` plus sources.

A series is a step function of whole years: 0 before the first year given, each value
holding until the next year given, and after the last year given the last value times
``growth_per_year ** (years after it)`` when a growth is given (else it holds).
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
import numpy.typing as npt
from pydantic import Field, field_validator

from gigawatt.market.strict import SourceIds, Strict

__all__ = ["Series", "series_values"]

Year = Annotated[int, Field(ge=1990, le=2200)]


class Series(Strict):
    """A yearly series of non-negative numbers with the sources it comes from."""

    values: dict[Year, Annotated[float, Field(ge=0)]] = Field(
        description="Year -> value (step function: holds until the next year given; "
        "0 before the first)."
    )
    growth_per_year: float | None = Field(
        None,
        gt=0,
        le=100,
        description="Factor per year applied after the last year given; default: hold.",
    )
    source: SourceIds = Field(description="Ids of `sources` the values come from.")
    note: str = Field("", description="How the values follow from the sources (arithmetic).")

    @field_validator("values")
    @classmethod
    def _not_empty(cls, value: dict[int, float]) -> dict[int, float]:
        if not value:
            raise ValueError("give at least one year: value")
        return value


def series_values(series: Series, years: list[int]) -> npt.NDArray[np.float64]:
    """The series' value in each of ``years``."""
    keys = sorted(series.values)
    out = np.zeros(len(years))
    for i, year in enumerate(years):
        before = [k for k in keys if k <= year]
        if not before:
            continue
        last = before[-1]
        value = series.values[last]
        if last == keys[-1] and series.growth_per_year is not None:
            value *= series.growth_per_year ** (year - last)
        out[i] = value
    return out
