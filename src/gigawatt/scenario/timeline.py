"""Months, month arithmetic and the planning timeline.

A month is represented by :class:`Month`, an ordinal ``year * 12 + (month - 1)``,
so that arithmetic is integer addition. Hours per month are calendar hours
(January 744, February 672 or 696 in a leap year).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from functools import cached_property
from typing import overload

import numpy as np
import numpy.typing as npt

__all__ = ["Month", "Timeline", "parse_month"]

_MONTH_RE = re.compile(r"^([0-9]{4})-([0-9]{2})$")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, ordered and hashable; ``Month(2025, 1) + 13 == Month(2026, 2)``."""

    ordinal: int

    @classmethod
    def of(cls, year: int, month: int) -> Month:
        """Build from a year and a 1-based month number."""
        if not 1 <= month <= 12:
            raise ValueError(f"month number must be 1..12, got {month}")
        return cls(year * 12 + month - 1)

    @property
    def year(self) -> int:
        """Calendar year."""
        return self.ordinal // 12

    @property
    def month(self) -> int:
        """1-based month number."""
        return self.ordinal % 12 + 1

    @property
    def hours(self) -> int:
        """Calendar hours in the month."""
        return calendar.monthrange(self.year, self.month)[1] * 24

    def __add__(self, months: int) -> Month:
        return Month(self.ordinal + months)

    @overload
    def __sub__(self, other: Month) -> int: ...

    @overload
    def __sub__(self, other: int) -> Month: ...

    def __sub__(self, other: Month | int) -> int | Month:
        """Months between two months, or the month ``other`` months earlier."""
        if isinstance(other, Month):
            return self.ordinal - other.ordinal
        if isinstance(other, int) and not isinstance(other, bool):
            return Month(self.ordinal - other)
        return NotImplemented

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def __repr__(self) -> str:
        return f"Month({self})"


def parse_month(text: object) -> Month:
    """Parse ``YYYY-MM``.

    Raises:
        ValueError: with a hint when the text is not a month.
    """
    if not isinstance(text, str):
        raise ValueError(f"expected a month as 'YYYY-MM' (quoted or not), got {text!r}")
    match = _MONTH_RE.match(text.strip())
    if not match:
        raise ValueError(f"'{text}' is not a month; write it as YYYY-MM, for example 2026-03")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise ValueError(f"'{text}' has month {month}; months run 01..12")
    if year < 1:
        raise ValueError(f"'{text}' has year 0; write a calendar year such as 2026")
    return Month.of(year, month)


@dataclass(frozen=True)
class Timeline:
    """The months of a planning horizon."""

    start: Month
    n_months: int

    @property
    def end(self) -> Month:
        """Last month inside the horizon (inclusive)."""
        return self.start + (self.n_months - 1)

    @cached_property
    def months(self) -> list[Month]:
        """All months of the horizon, in order."""
        return [self.start + i for i in range(self.n_months)]

    @cached_property
    def labels(self) -> list[str]:
        """Month labels ``YYYY-MM``."""
        return [str(m) for m in self.months]

    @cached_property
    def hours(self) -> npt.NDArray[np.float64]:
        """Calendar hours of each month."""
        return np.array([m.hours for m in self.months], dtype=float)

    def discount(self, rate_per_year: float) -> npt.NDArray[np.float64]:
        """Discount weight of month m after the start: ``(1 + r) ** (-m / 12)``."""
        m = np.arange(self.n_months, dtype=float)
        return np.asarray((1.0 + rate_per_year) ** (-m / 12.0), dtype=float)

    def index(self, month: Month) -> int:
        """Position of a month in the horizon (may be outside 0..n-1)."""
        return month - self.start

    def contains(self, month: Month) -> bool:
        """Whether the month lies inside the horizon."""
        return 0 <= month - self.start < self.n_months

    def mask(self, first: Month | None, last: Month | None) -> npt.NDArray[np.bool_]:
        """Boolean mask of horizon months inside the inclusive window [first, last]."""
        idx = np.arange(self.n_months)
        lo = -(10**9) if first is None else first - self.start
        hi = 10**9 if last is None else last - self.start
        return (idx >= lo) & (idx <= hi)
