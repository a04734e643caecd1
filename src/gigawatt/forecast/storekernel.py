r"""Band stores that keep only the months whose values vary (compiled).

A month (row) of a quantity whose float32 value is the same bit pattern :math:`c` in
every sample has every order statistic equal to :math:`c` and mean
:math:`\mathrm{fl}(\sum_{i<N} c) / N` (summed as :func:`constant_sum` does, in the order
of the selection's sum). Such rows are common: demand before its uncertain growth
starts, supply before a sampled power date, no shortfall in early months (about a
quarter of the 1,200 rows of the benchmark). :func:`store_chunk` therefore keeps, per
row, a state (0: nothing stored yet, 1: constant so far, its bits in ``const``, 2:
varying) and writes a chunk's float32 values into the row only once the row varies;
when a constant row first receives a different value, the whole row is filled with its
constant first (every sample stored so far had that value; samples stored later
overwrite their own cells), so the stored row is then exactly what storing every
value would have given. Rows that stay constant are never written: their memory is
never touched (no page faults) and the selection skips them.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from gigawatt.forecast.jit import jit

__all__ = ["CONSTANT", "EMPTY", "VARYING", "constant_sum", "store_chunk"]

F64 = NDArray[np.float64]
U32 = NDArray[np.uint32]
EMPTY = 0
CONSTANT = 1
VARYING = 2


@jit
def store_chunk(
    data: NDArray[np.float32],
    bits: U32,
    start: int,
    n: int,
    values: F64,
    state: NDArray[np.int8],
    const: U32,
    scratch: NDArray[np.float32],
) -> None:
    """Store samples ``start .. start + n - 1`` of every row (see the module doc).

    Args:
        data: ``[rows, N]`` the store's float32 values.
        bits: ``data`` viewed as its bit patterns (``uint32``).
        start: First sample of the chunk.
        n: Samples in the chunk.
        values: ``[rows, n]`` or ``[rows, 1]`` (the same value in every sample), float64.
        state: Per row: 0 empty, 1 constant (bits in ``const``), 2 varying (stored).
        const: Per row, the bits of the constant of a row in state 1.
        scratch: At least ``n`` float32 (the chunk's row rounded to float32).
    """
    width = values.shape[1]
    row_bits = scratch.view(np.uint32)
    for r in range(values.shape[0]):
        if state[r] == VARYING:  # the common case: round and store, nothing to compare
            if width > 1:
                dst = data[r, start : start + n]
                src = values[r]
                for j in range(n):
                    dst[j] = np.float32(src[j])
            else:
                data[r, start : start + n] = np.float32(values[r, 0])
            continue
        m = n if width > 1 else 1
        for j in range(m):
            scratch[j] = np.float32(values[r, j])
        first = row_bits[0]
        same = True
        for j in range(1, m):
            if row_bits[j] != first:
                same = False
                break
        s = state[r]
        if same and (s == EMPTY or (s == CONSTANT and const[r] == first)):
            state[r] = CONSTANT
            const[r] = first
            continue
        if s == CONSTANT:
            bits[r, :] = const[r]
        state[r] = VARYING
        if width > 1:
            bits[r, start : start + n] = row_bits[:n]
        else:
            bits[r, start : start + n] = first


@jit
def constant_sum(c: np.float32, n: int) -> float:
    """The sum of ``n`` copies of ``c`` in float64, exactly as the selection sums.

    Four interleaved partial sums over the first ``n - n mod 4`` values, the rest added
    to the first, then ``(s0 + s1) + (s2 + s3)`` (``selection._sum``).
    """
    x = np.float64(c)
    s0 = s1 = s2 = s3 = 0.0
    body = n - n % 4
    for _ in range(0, body, 4):
        s0 += x
        s1 += x
        s2 += x
        s3 += x
    for _ in range(body, n):
        s0 += x
    return (s0 + s1) + (s2 + s3)
