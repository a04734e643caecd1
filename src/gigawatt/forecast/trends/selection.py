"""Which models count as frontier: top N at release, record-setters, above X FLOP."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gigawatt.forecast.trends.base import (
    DEFINITIONS,
    BoolArray,
    Definition,
    FloatArray,
    TrendsError,
)

__all__ = ["Selection", "frontier_mask", "select_models"]


@dataclass(frozen=True)
class Selection:
    """Which models form the frontier, and over which dates.

    Attributes:
        definition: ``top-n``, ``record`` or ``threshold``.
        top_n: N for ``top-n``.
        threshold_flop: X for ``threshold`` (FLOP).
        since: First decimal year kept (inclusive), or None for all.
        until: Decimal year where the data stop (exclusive), or None for all.

    """

    definition: Definition = "top-n"
    top_n: int = 5
    threshold_flop: float = 1e23
    since: float | None = 2018.0
    until: float | None = None

    def __post_init__(self) -> None:
        if self.definition not in DEFINITIONS:
            raise TrendsError(
                f"unknown definition {self.definition!r}; use one of {', '.join(DEFINITIONS)}"
            )
        if self.top_n < 1:
            raise TrendsError(f"top_n must be >= 1 (got {self.top_n})")
        if not (math.isfinite(self.threshold_flop) and self.threshold_flop > 0):
            raise TrendsError(f"threshold_flop must be > 0 FLOP (got {self.threshold_flop})")
        if self.since is not None and self.until is not None and self.until <= self.since:
            raise TrendsError(f"until ({self.until}) must be after since ({self.since})")

    def describe(self) -> str:
        """Return a one-line human description of the selection."""
        if self.definition == "top-n":
            what = f"models in the top {self.top_n} by training compute at their release"
        elif self.definition == "record":
            what = "models that set a training-compute record at their release"
        else:
            what = f"models trained with at least {self.threshold_flop:.3g} FLOP"
        when = []
        if self.since is not None:
            when.append(f"published from {self.since:g}")
        if self.until is not None:
            when.append(f"before {self.until:g}")
        return what + (", " + " and ".join(when) if when else "")

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready mapping (only the parameters the definition uses)."""
        out: dict[str, object] = {"definition": self.definition}
        if self.definition == "top-n":
            out["top_n"] = self.top_n
        if self.definition == "threshold":
            out["threshold_flop"] = self.threshold_flop
        out["since"] = self.since
        out["until"] = self.until
        return out


def frontier_mask(
    years: FloatArray,
    log10_flop: FloatArray,
    definition: Definition,
    *,
    top_n: int = 5,
    threshold_flop: float = 1e23,
) -> BoolArray:
    """Flag frontier models, using only models published on or before each model's date.

    Args:
        years: Decimal publication years.
        log10_flop: log10 of training compute.
        definition: ``top-n``, ``record`` or ``threshold``.
        top_n: N for ``top-n``: fewer than N models published on or before the same date
            have strictly more compute.
        threshold_flop: X for ``threshold``.

    Returns:
        Boolean mask. A ``record`` model beats every earlier model (ties do not count)
        and no model of the same date beats it.

    """
    t = np.asarray(years, dtype=np.float64)
    c = np.asarray(log10_flop, dtype=np.float64)
    if definition == "threshold":
        return np.asarray(c >= math.log10(threshold_flop))
    same_or_before = t[None, :] <= t[:, None]  # [i, j]: model j released by i's date
    bigger = c[None, :] > c[:, None]
    if definition == "top-n":
        return np.asarray((same_or_before & bigger).sum(axis=1) < top_n)
    if definition == "record":
        before = t[None, :] < t[:, None]
        beaten = (before & (c[None, :] >= c[:, None])) | (same_or_before & bigger)
        return np.asarray(~beaten.any(axis=1))
    raise TrendsError(f"unknown definition {definition!r}; use one of {', '.join(DEFINITIONS)}")


def select_models(models: pd.DataFrame, selection: Selection) -> pd.DataFrame:
    """Return the frontier models of ``selection`` (membership uses the full history).

    Args:
        models: Frame as from :func:`load_notable_models` (needs ``year``, ``log10_flop``).
        selection: Definition and date range.

    Returns:
        The selected rows, sorted by date.

    """
    mask = frontier_mask(
        models["year"].to_numpy(dtype=np.float64),
        models["log10_flop"].to_numpy(dtype=np.float64),
        selection.definition,
        top_n=selection.top_n,
        threshold_flop=selection.threshold_flop,
    )
    year = models["year"].to_numpy(dtype=np.float64)
    if selection.since is not None:
        mask &= year >= selection.since
    if selection.until is not None:
        mask &= year < selection.until
    return models[mask].sort_values("year", kind="stable")
