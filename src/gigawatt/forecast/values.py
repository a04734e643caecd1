r"""Scenario numbers for one chunk of samples, as arrays that broadcast over samples.

Shapes. A chunk has :math:`n` samples and the horizon :math:`T` months. Arrays are
month-major, samples last (contiguous), so that a range of months is a contiguous
block: a schedule becomes ``[T, n]`` when one of its numbers is sampled and ``[T, 1]``
otherwise; a scalar becomes ``[1, n]`` when sampled and a ``float`` (or ``[1, 1]``)
otherwise. Numpy broadcasting then lets untouched inputs stay constants.

Vectorised schedule. With step months :math:`k_1 < \dots < k_K`, values
:math:`V_{s,j}` (a column of draws where sampled, the written value elsewhere) and
growth :math:`g_s`, for month ordinal :math:`m` and :math:`j(m) = \max\{j : k_j \le m\}`:

.. math::

    x_{m,s} = \begin{cases}
      0 & m < k_1 \\
      V_{s,j(m)} & k_1 \le m \le k_K \\
      V_{s,K} \, g_s^{(m - k_K)/12} & m > k_K
    \end{cases}

exactly as :meth:`gigawatt.scenario.schedule.Schedule.values`, one column per sample. A
sampled growth is applied as a running product, :math:`x_{m+1,s} = x_{m,s} \, g_s^{1/12}`
(one power per sample instead of one per month; equal to the power form within a few
units in the last place).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from gigawatt.forecast.recurrences import running_product
from gigawatt.forecast.sampling import Parameter
from gigawatt.scenario.schedule import GROWTH_KEY, Schedule
from gigawatt.scenario.timeline import Timeline
from gigawatt.scenario.yamlmarks import PathItem

__all__ = ["ChunkValues", "SplitSum", "maybe_positive", "sampled_keys", "schedule_values"]

F64 = NDArray[np.float64]
Owner = tuple[PathItem, ...]


def schedule_values(
    base: Schedule, timeline: Timeline, overrides: Mapping[str | None, F64], n: int
) -> F64:
    """Values of a schedule over the horizon with some of its numbers replaced.

    Args:
        base: The schedule as written.
        timeline: The horizon.
        overrides: Per key (a month ``YYYY-MM``, ``growth_per_year`` or ``None`` for a
            constant schedule) an array of ``n`` values.
        n: Number of samples.

    Returns:
        ``[T, n]`` when something is overridden, else ``[T, 1]``.
    """
    t = timeline.n_months
    if not overrides:
        return base.values(timeline)[:, None]
    if base.is_constant:
        row = overrides[None] if None in overrides else np.full(n, base.constant)
        return np.repeat(row[None, :], t, axis=0)
    idx = np.arange(t) + timeline.start.ordinal
    keys = np.array([m.ordinal for m, _ in base.steps])
    rows = []
    for month, value in base.steps:
        drawn = overrides.get(str(month))
        rows.append(drawn if drawn is not None else np.full(n, value))
    values = np.stack([np.zeros(n), *rows])
    pos = np.searchsorted(keys, idx, side="right")
    growth = overrides.get(GROWTH_KEY)
    first = int(np.searchsorted(idx, keys[-1], side="right"))
    if growth is not None and first < t:
        # v g^((m - k)/12) month after month: one power, then a running product by g^(1/12);
        # months from ``first`` on are all written here, so only earlier ones are looked up
        out = np.empty((t, n))
        out[:first] = values[pos[:first]]
        out[first] = values[-1] * growth ** ((idx[first] - keys[-1]) / 12.0)
        running_product(out, first, np.ascontiguousarray(growth ** (1.0 / 12.0)))
        return out
    if base.growth_per_year != 1.0 and first < t:
        out = np.empty((t, n))
        out[:first] = values[pos[:first]]
        exponent = (idx[first:] - keys[-1]) / 12.0
        out[first:] = values[-1][None, :] * base.growth_per_year ** exponent[:, None]
        return out
    return np.asarray(values[pos], dtype=np.float64)


class ChunkValues:
    """The scenario's numbers for samples of one chunk.

    Args:
        timeline: The horizon.
        parameters: The sampled parameters.
        draws: Path to the ``n`` drawn values of each parameter.
        n: Number of samples in the chunk.
        fixed: Values of schedules that are not sampled, shared between chunks (filled
            on first use; the arrays are read-only).
    """

    def __init__(
        self,
        timeline: Timeline,
        parameters: Sequence[Parameter],
        draws: Mapping[str, F64],
        n: int,
        fixed: dict[Owner, F64] | None = None,
    ) -> None:
        self.timeline = timeline
        self.n = n
        self._fixed: dict[Owner, F64] = {} if fixed is None else fixed
        self._schedules: dict[Owner, dict[str | None, F64]] = {}
        self._scalars: dict[Owner, F64] = {}
        for p in parameters:
            values = np.asarray(draws[p.path], dtype=np.float64)
            if p.kind == "schedule":
                self._schedules.setdefault(p.owner, {})[p.key] = values
            else:
                self._scalars[p.owner] = values

    def schedule_sampled(self, owner: Owner) -> bool:
        """Whether any number of the schedule at ``owner`` is sampled."""
        return owner in self._schedules

    def scalar_sampled(self, path: Owner) -> bool:
        """Whether the scalar at ``path`` is sampled."""
        return path in self._scalars

    def schedule(self, owner: Owner, base: Schedule | None) -> F64:
        """``[T, n]`` or ``[T, 1]`` values of the schedule at ``owner`` (0 when absent)."""
        drawn = self._schedules.get(owner)
        if drawn is not None and base is not None:
            return schedule_values(base, self.timeline, drawn, self.n)
        found = self._fixed.get(owner)
        if found is None:
            t = self.timeline.n_months
            found = np.zeros((t, 1)) if base is None else base.values(self.timeline)[:, None]
            found.flags.writeable = False
            self._fixed[owner] = found
        return found

    def scalar(self, path: Owner, base: float) -> float | F64:
        """``[1, n]`` draws of the scalar at ``path``, or ``base`` when not sampled."""
        drawn = self._scalars.get(path)
        return float(base) if drawn is None else drawn[None, :]

    def scalar_row(self, path: Owner, base: float) -> F64:
        """Like :meth:`scalar`, always an array: ``[1, n]`` or ``[1, 1]``."""
        drawn = self._scalars.get(path)
        return np.full((1, 1), float(base)) if drawn is None else drawn[None, :]


def maybe_positive(
    base: Schedule | None, timeline: Timeline, keys_sampled: set[str | None]
) -> NDArray[np.bool_]:
    """Months where a schedule can be non-zero in some sample (a static mask).

    A month can be non-zero when the value governing it is non-zero as written or is
    sampled (a month's value before the first key is always 0).
    """
    t = timeline.n_months
    if base is None:
        return np.zeros(t, dtype=bool)
    if base.is_constant:
        return np.full(t, base.constant != 0.0 or None in keys_sampled)
    idx = np.arange(t) + timeline.start.ordinal
    keys = np.array([m.ordinal for m, _ in base.steps])
    nonzero = np.array([v != 0.0 or str(m) in keys_sampled for m, v in base.steps], dtype=bool)
    pos = np.searchsorted(keys, idx, side="right") - 1
    return np.asarray((pos >= 0) & nonzero[np.clip(pos, 0, None)], dtype=bool)


def sampled_keys(parameters: Sequence[Parameter], owner: Owner) -> set[str | None]:
    """Keys of the schedule at ``owner`` that some parameter samples."""
    return {p.key for p in parameters if p.kind == "schedule" and p.owner == owner}


class SplitSum:
    """A sum of ``[T, 1]`` and ``[T, n]`` arrays, kept as a constant and a sampled part.

    Constant terms cost one column each; only sampled terms touch ``[T, n]`` arrays.
    """

    def __init__(self, months: int) -> None:
        self.fixed: F64 = np.zeros((months, 1))
        self.sampled: F64 | None = None
        self._owned = False  # whether ``sampled`` is this sum's own array (else a term)

    def add(self, x: F64) -> None:
        """Add a ``[T, 1]`` or ``[T, n]`` term (a first sampled term is not copied)."""
        if x.shape[1] == 1:
            self.fixed += x
        elif self.sampled is None:
            self.sampled = x
        elif self._owned:
            self.sampled += x
        else:
            self.sampled = self.sampled + x
            self._owned = True

    def total(self) -> F64:
        """The sum, ``[T, n]`` if any term was sampled else ``[T, 1]``."""
        return self.fixed if self.sampled is None else self.sampled + self.fixed
