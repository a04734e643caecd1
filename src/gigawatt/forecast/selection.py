r"""Exact order statistics of float32 rows by radix selection (compiled).

Keys. A float32 :math:`v` with bit pattern :math:`b` (unsigned 32-bit) gets the key
:math:`\kappa(v) = b \oplus \texttt{0x80000000}` when its sign bit is 0 and
:math:`\kappa(v) = \lnot b` when it is 1. :math:`\kappa` is strictly increasing on
the non-NaN floats (apart from :math:`-0 < +0`, which are equal values), so the
:math:`r`-th smallest key is the key of the :math:`r`-th smallest value, and
:math:`\kappa^{-1}` gives the value back exactly.

Selection of ranks :math:`r_1 < \dots < r_k` in a row of :math:`N` keys:

1. one pass finds :math:`\kappa_{\min}, \kappa_{\max}`; if equal, every rank is that key;
2. with :math:`s = \max(0, \lceil \log_2(\kappa_{\max} - \kappa_{\min} + 1) \rceil - 14)`
   the digit :math:`d(\kappa) = (\kappa - \kappa_{\min}) \gg s` takes at most 16,384
   values and is non-decreasing in :math:`\kappa`; one pass counts each digit and the
   keys equal to :math:`\kappa_{\min}` and to :math:`\kappa_{\max}` (a rank inside
   such a point mass is settled at once), and a cumulative sum gives the digit
   (bucket) holding each other rank and its rank inside it;
3. one pass copies the keys of those (at most :math:`k`) buckets out;
4. inside a bucket the same digit refinement repeats on the keys still possible
   (each round narrows the key range by :math:`2^{4..14}`, with about one digit per 8
   keys), until the bucket's keys are all equal, number at most 64 (then sorted) or a
   digit is a single key (then the rank's key is read off the counts).

Every step only counts and copies keys, so the results are the exact order statistics,
the same numbers ``np.partition`` would give. Cost: three passes over the row (keys
and range, counts, copy) and one for the float64 sum (the mean), plus work on the
buckets: a few keys each for continuous data; a point mass such as "no shortfall" (at
the minimum) or "power cap not binding" (at the maximum) is settled from the counts.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numpy.typing import NDArray

from gigawatt.forecast.jit import jit

__all__ = ["DIGIT_BITS", "order_statistics"]

U32 = NDArray[np.uint32]
I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
Key = int | np.int64
DIGIT_BITS = 14
_SMALL = 64
_WAYS = 4


def order_statistics(
    data: NDArray[np.float32], ranks: I64, workers: int = 1, rows: I64 | None = None
) -> tuple[NDArray[np.float32], F64]:
    """The ``ranks``-th smallest values (0-based) of each row, and each row's sum.

    Args:
        data: ``[rows, N]`` float32 values (no NaN).
        ranks: Sorted, distinct ranks in ``0 .. N - 1``.
        workers: Threads, each selecting a contiguous block of the rows.
        rows: The rows to select in (all by default); the others are not read and get
            zeros.

    Returns:
        ``[rows, len(ranks)]`` order statistics; ``[rows]`` sums (float64, in order).
    """
    n_rows = data.shape[0]
    ranks = np.ascontiguousarray(ranks, dtype=np.int64)
    values = np.ascontiguousarray(data, dtype=np.float32)
    bits = values.view(np.uint32)
    keys = np.full((n_rows, len(ranks)), 0x80000000, dtype=np.uint32)  # the key of +0.0
    sums = np.zeros(n_rows)
    chosen = np.arange(n_rows) if rows is None else np.ascontiguousarray(rows, dtype=np.int64)
    if len(chosen) == 0 or len(ranks) == 0:
        sums[chosen] = values[chosen].sum(axis=1, dtype=np.float64)
        return _values(keys), sums
    if workers > 1 and len(chosen) > 1:
        bounds = np.linspace(0, len(chosen), min(workers, len(chosen)) + 1).astype(int)
        with ThreadPoolExecutor(workers) as pool:
            done = [
                pool.submit(_select_rows, values, bits, chosen[a:b], ranks, keys, sums)
                for a, b in itertools.pairwise(bounds.tolist())
            ]
            for f in done:
                f.result()
    else:
        _select_rows(values, bits, chosen, ranks, keys, sums)
    return _values(keys), sums


def _values(keys: U32) -> NDArray[np.float32]:
    """The float32 values of keys (the inverse of the key map)."""
    negative = keys < np.uint32(0x80000000)
    bits = np.where(negative, ~keys, keys ^ np.uint32(0x80000000)).astype(np.uint32)
    return bits.view(np.float32)


@jit
def _key(b: np.uint32) -> np.uint32:
    """The key of bit pattern ``b`` (without a branch)."""
    x = np.int64(b)
    return np.uint32(x ^ (((-(x >> 31)) & 0xFFFFFFFF) | 0x80000000))


@jit
def _width(x: Key) -> int:
    """Bits needed to write ``x >= 0``."""
    width = 0
    while x > 0:
        x >>= 1
        width += 1
    return width


@jit
def _shift(span: Key, size: int) -> int:
    """Shift taking ``0 .. span`` into digits for a segment of ``size`` keys.

    About ``size / 8`` digits (at least 16, at most ``2**DIGIT_BITS``): enough to
    leave small buckets, few enough that clearing and summing the counts stays cheap.
    """
    bits = min(DIGIT_BITS, max(4, _width(size) - 3))
    return max(0, _width(span) - bits)


@jit
def _select_rows(
    values: NDArray[np.float32], bits: U32, rows: I64, ranks: I64, out: U32, sums: F64
) -> None:
    """Order statistics ``ranks`` of the ``rows`` of ``bits`` (float32 patterns), as keys.

    ``sums`` gets each of those rows of ``values`` (the same floats) summed in float64,
    in order.

    Level by level: a segment of keys holding some of the wanted ranks is either
    settled (all keys equal, or at most ``_SMALL`` keys: sorted) or split by one digit
    into the buckets holding its ranks, copied to the other buffer for the next level.
    """
    n = bits.shape[1]
    k = ranks.shape[0]
    digits = 1 << DIGIT_BITS
    counts = np.zeros((_WAYS, digits), dtype=np.int32)
    target = np.full(digits, -1, dtype=np.int32)
    front = np.empty(n, dtype=np.uint32)
    back = np.empty(n, dtype=np.uint32)
    local = np.empty(k, dtype=np.int64)
    # segments of the current and the next level: start, stop, first rank, past last rank
    seg = np.empty((k, 4), dtype=np.int64)
    nxt = np.empty((k, 4), dtype=np.int64)
    for row in rows:
        b = bits[row]
        v = values[row]
        low = _key(b[0])
        high = low
        for i in range(n):
            key = _key(b[i])
            front[i] = key
            low = key if key < low else low
            high = key if key > high else high
        sums[row] = _sum(v)
        if low == high:
            out[row, :] = low
            continue
        local[:] = ranks
        seg[0, 0], seg[0, 1], seg[0, 2], seg[0, 3] = 0, n, 0, k
        n_seg = 1
        src, dst = front, back
        whole = True  # the first segment is the row, whose range is known
        while n_seg > 0:
            n_nxt = 0
            for g in range(n_seg):
                start, stop, r0, r1 = seg[g, 0], seg[g, 1], seg[g, 2], seg[g, 3]
                lo: Key
                hi: Key
                if whole:
                    lo, hi = np.int64(low), np.int64(high)
                    whole = False
                else:
                    lo, hi = _range(src, start, stop)
                if lo == hi:
                    out[row, r0:r1] = np.uint32(lo)
                    continue
                if stop - start <= _SMALL:
                    ordered = np.sort(src[start:stop])
                    for j in range(r0, r1):
                        out[row, j] = ordered[local[j]]
                    continue
                shift = _shift(hi - lo, stop - start)
                at_lo, at_hi = _histogram(src, start, stop, lo, hi, shift, counts)
                # the digit of each rank; one new segment per distinct digit
                below = 0
                d = 0
                first = n_nxt
                pos = start
                for j in range(r0, r1):
                    # a point mass at either end settles its ranks without a copy
                    if local[j] < at_lo:
                        out[row, j] = np.uint32(lo)
                        continue
                    if local[j] >= stop - start - at_hi:
                        out[row, j] = np.uint32(hi)
                        continue
                    while below + counts[0, d] <= local[j]:
                        below += counts[0, d]
                        d += 1
                    if shift == 0:  # a digit is one key: settled
                        out[row, j] = np.uint32(lo + d)
                        continue
                    if target[d] < 0:
                        target[d] = np.int32(n_nxt)
                        nxt[n_nxt, 0] = pos
                        nxt[n_nxt, 1] = pos
                        nxt[n_nxt, 2] = j
                        pos += counts[0, d]
                        n_nxt += 1
                    nxt[target[d], 3] = j + 1
                    local[j] -= below
                for i in range(start, stop):
                    key = src[i]
                    t = target[(np.int64(key) - lo) >> shift]
                    if t >= 0:
                        dst[nxt[t, 1]] = key
                        nxt[t, 1] += 1
                for t in range(first, n_nxt):
                    target[(np.int64(dst[nxt[t, 0]]) - lo) >> shift] = -1
            seg[:n_nxt] = nxt[:n_nxt]
            n_seg = n_nxt
            src, dst = dst, src


@jit
def _sum(v: NDArray[np.float32]) -> float:
    """Sum in float64 as four interleaved partial sums (independent chains), then added."""
    s0 = s1 = s2 = s3 = 0.0
    body = v.shape[0] - v.shape[0] % 4
    for i in range(0, body, 4):
        s0 += np.float64(v[i])
        s1 += np.float64(v[i + 1])
        s2 += np.float64(v[i + 2])
        s3 += np.float64(v[i + 3])
    for i in range(body, v.shape[0]):
        s0 += np.float64(v[i])
    return (s0 + s1) + (s2 + s3)


@jit
def _range(keys: U32, start: int, stop: int) -> tuple[Key, Key]:
    lo = keys[start]
    hi = lo
    for j in range(start + 1, stop):
        key = keys[j]
        lo = key if key < lo else lo
        hi = key if key > hi else hi
    return np.int64(lo), np.int64(hi)


@jit
def _histogram(
    keys: U32, start: int, stop: int, lo: Key, hi: Key, shift: int, counts: NDArray[np.int32]
) -> tuple[int, int]:
    """``counts[0, d]``: keys of digit ``d`` in ``keys[start:stop]``; how many equal lo, hi.

    ``_WAYS`` interleaved tables, summed at the end, so that runs of equal digits (a
    point mass) do not wait on one counter.
    """
    used = ((hi - lo) >> shift) + 1  # digits 0 .. (hi - lo) >> shift
    counts[:, :used] = 0
    size = stop - start
    body = start + size - size % _WAYS
    at_lo = 0
    at_hi = 0
    for i in range(start, body, _WAYS):
        for w in range(_WAYS):
            key = np.int64(keys[i + w])
            counts[w, (key - lo) >> shift] += 1
            at_lo += key == lo
            at_hi += key == hi
    for i in range(body, stop):
        key = np.int64(keys[i])
        counts[0, (key - lo) >> shift] += 1
        at_lo += key == lo
        at_hi += key == hi
    for w in range(1, _WAYS):
        for d in range(used):
            counts[0, d] += counts[w, d]
    return at_lo, at_hi
