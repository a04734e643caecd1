r"""Schedules: values that change month by month.

A schedule is written either as a number (constant) or as a mapping
``{YYYY-MM: value, ..., growth_per_year: g}``.

Mathematics. Let the keys be months :math:`k_1 < k_2 < ... < k_n` with values
:math:`v_1..v_n`. For a month :math:`m`:

* :math:`m < k_1`: the value is 0 (nothing is stated yet);
* :math:`k_i \le m < k_{i+1}`: the value is :math:`v_i` (a step function);
* :math:`m \ge k_n`: the value is :math:`v_n \cdot g^{(m - k_n)/12}` where
  :math:`g` is ``growth_per_year`` (a factor per year; 1 when absent).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from gigawatt.scenario.timeline import Month, Timeline, parse_month

__all__ = ["Schedule", "ScheduleKeyError", "parse_schedule"]

GROWTH_KEY = "growth_per_year"


class ScheduleKeyError(ValueError):
    """A problem with one key of a schedule mapping; ``key`` refines the error location."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Schedule:
    """A step function of months with optional compound growth after the last step.

    Attributes:
        steps: ``(month, value)`` pairs sorted by month; empty for a constant.
        constant: The value at every month when ``steps`` is empty.
        growth_per_year: Factor per year applied after the last step (1.0 = none).
    """

    steps: tuple[tuple[Month, float], ...] = ()
    constant: float = 0.0
    growth_per_year: float = 1.0

    @classmethod
    def of(cls, value: float) -> Schedule:
        """A constant schedule."""
        return cls(constant=float(value))

    def at(self, month: Month) -> float:
        """Value in one month (see the module docstring)."""
        if not self.steps:
            return self.constant
        if month < self.steps[0][0]:
            return 0.0
        value = self.steps[0][1]
        for key, step_value in self.steps:
            if key <= month:
                value = step_value
            else:
                return value
        last_month, last_value = self.steps[-1]
        return float(last_value * self.growth_per_year ** ((month - last_month) / 12.0))

    def values(self, timeline: Timeline) -> npt.NDArray[np.float64]:
        """Values over the horizon, vectorised (same definition as :meth:`at`)."""
        n = timeline.n_months
        if not self.steps:
            return np.full(n, self.constant, dtype=float)
        idx = np.arange(n) + timeline.start.ordinal
        keys = np.array([m.ordinal for m, _ in self.steps])
        vals = np.array([v for _, v in self.steps], dtype=float)
        pos = np.searchsorted(keys, idx, side="right") - 1
        out = np.where(pos >= 0, vals[np.clip(pos, 0, None)], 0.0)
        if self.growth_per_year != 1.0:
            after = idx > keys[-1]
            out[after] = vals[-1] * self.growth_per_year ** ((idx[after] - keys[-1]) / 12.0)
        return np.asarray(out, dtype=float)

    @property
    def is_constant(self) -> bool:
        """Whether the schedule is a plain number."""
        return not self.steps

    def to_yaml(self) -> float | dict[str, float]:
        """The schedule in scenario-file form."""
        if not self.steps:
            return self.constant
        out: dict[str, float] = {str(m): v for m, v in self.steps}
        if self.growth_per_year != 1.0:
            out[GROWTH_KEY] = self.growth_per_year
        return out

    def scaled(self, factor: float) -> Schedule:
        """The same schedule with every value multiplied by ``factor``."""
        return Schedule(
            steps=tuple((m, v * factor) for m, v in self.steps),
            constant=self.constant * factor,
            growth_per_year=self.growth_per_year,
        )


def _number(raw: object, what: str) -> float:
    if isinstance(raw, bool):
        raise ValueError(f"{what} must be a number, got {raw!r}")
    if isinstance(raw, int | float):
        value = float(raw)
    elif isinstance(raw, str):
        try:
            value = float(raw.strip())
        except ValueError:
            raise ValueError(f"{what} must be a number, got '{raw}'") from None
    else:
        raise ValueError(f"{what} must be a number, got {type(raw).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite, got {raw!r}")
    return value


def parse_schedule(raw: object, *, minimum: float | None = 0.0) -> Schedule:
    """Parse a number or a ``{YYYY-MM: value, growth_per_year: g}`` mapping.

    Args:
        raw: The YAML value.
        minimum: Smallest allowed value (``None`` allows any sign).

    Raises:
        ScheduleKeyError: a key or value of the mapping is wrong (carries the key).
        ValueError: the whole value is wrong.
    """
    if isinstance(raw, Schedule):
        return raw
    if not isinstance(raw, Mapping):
        value = _number(raw, "a schedule")
        if minimum is not None and value < minimum:
            raise ValueError(f"must be >= {minimum:g}, got {value:g}")
        return Schedule.of(value)
    steps: list[tuple[Month, float]] = []
    growth = 1.0
    for key, item in raw.items():
        key_text = str(key)
        if key_text == GROWTH_KEY:
            growth = _number(item, GROWTH_KEY)
            if growth <= 0:
                raise ScheduleKeyError(
                    key_text,
                    f"growth_per_year is a factor per year and must be > 0, got {growth:g} "
                    "(1.5 means +50% a year; 1 means flat)",
                )
            continue
        try:
            month = parse_month(key_text)
        except ValueError as exc:
            raise ScheduleKeyError(
                key_text, f"{exc}; schedule keys are months or 'growth_per_year'"
            ) from None
        try:
            value = _number(item, f"the value for {key_text}")
        except ValueError as exc:
            raise ScheduleKeyError(key_text, str(exc)) from None
        if minimum is not None and value < minimum:
            raise ScheduleKeyError(key_text, f"must be >= {minimum:g}, got {value:g}")
        steps.append((month, value))
    if not steps:
        raise ValueError("a schedule mapping needs at least one 'YYYY-MM: value' entry")
    steps.sort(key=lambda s: s[0])
    return Schedule(steps=tuple(steps), growth_per_year=growth)
