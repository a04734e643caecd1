r"""The merit-order fill of one chunk as one compiled loop (numba).

This is the arithmetic of :mod:`gigawatt.forecast.merit` in one pass over the chunk's
(month, sample) cells, instead of ~130 whole-array numpy passes with their temporaries;
per-month outputs come out once, and nothing but the outputs is written to memory.

For month :math:`m` and sample :math:`s`: :math:`R_o = K_{o,m,s}` for every offer;
then for each class :math:`c` in serving order, :math:`L = P_{c,m,s}` and for each of
its phases and each offer :math:`o` of that phase allowed in :math:`m`, in rank order,
:math:`x = \min(L, R_o)`, :math:`L \mathrel{-}= x`, :math:`R_o \mathrel{-}= x`. The
unmet share is :math:`q_c = L / P_{c,m,s}` inside the class's span of months where
:math:`P > 0` (else 0); the gap is :math:`\sum_c q_c D_{c,m,s}` (summed in class
order, from 0). Spend is :math:`\sum_o (K_{o,m,s} - R_o) \, c_{o,m,s}` over the offers
some class may touch in :math:`m` (offer order), with
:math:`c_{o,m,s} = (\text{monthly}_{o,s} + \text{hourly}_{o,s} h_m) / \text{peak}_o`.

Samples are processed in blocks of :data:`BLOCK` (the block of every offer's capacity
left stays in cache); with one rank order for the chunk each step is one tight loop
over the block. With per-sample rank orders (sampled prices) each sample walks the
offers in its own order, and once :math:`L = 0` the remaining steps would take
:math:`\min(0, R_o) = 0` when every :math:`R_o \ge 0`, so the class stops there
(``early_exit``, set by the caller when no capacity of the chunk is negative). Every
operation is the float64 operation of the per-sample definition, in the same order.

Array inputs are packed: ``k``-th array of a list, month ``m``, sample ``s`` is
``flat[offset[k] + m * width[k] + s * step[k]]`` with ``width`` 1 or ``n`` and
``step`` 0 for arrays constant over samples (1 otherwise).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from gigawatt.forecast.jit import jit

__all__ = ["BLOCK", "fill_cells", "pack", "pack_sums"]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
U8 = NDArray[np.uint8]
BLOCK = 1024
"""Samples processed together (a block of every offer's capacity left stays in L2)."""


def pack(arrays: list[F64], rows: int) -> tuple[F64, I64, I64, I64]:
    """``[rows, 1 | n]`` arrays as (flat values, offsets, widths, sample steps)."""
    parts = [np.ascontiguousarray(np.broadcast_to(a, (rows, a.shape[1]))) for a in arrays]
    widths = np.array([p.shape[1] for p in parts], dtype=np.int64)
    sizes = widths * rows
    offsets = np.zeros(len(parts), dtype=np.int64)
    if len(parts) > 1:
        offsets[1:] = np.cumsum(sizes)[:-1]
    flat = (
        np.concatenate([p.ravel() for p in parts]).astype(np.float64, copy=False)
        if parts
        else np.zeros(0)
    )
    return flat, offsets, widths, (widths > 1).astype(np.int64)


def pack_sums(groups: list[list[F64]], rows: int) -> tuple[F64, I64, I64, I64]:
    """Like :func:`pack` for the sums ``((g[0] + g[1]) + g[2]) + ...`` of each group.

    Each sum is computed in place in its slot of the flat buffer (no temporaries, no
    copy), in the order the terms are given.
    """
    widths = np.array([max(a.shape[1] for a in g) for g in groups], dtype=np.int64)
    sizes = widths * rows
    offsets = np.zeros(len(groups), dtype=np.int64)
    if len(groups) > 1:
        offsets[1:] = np.cumsum(sizes)[:-1]
    flat = np.empty(int(sizes.sum()))
    for k, group in enumerate(groups):
        slot = flat[offsets[k] : offsets[k] + sizes[k]].reshape(rows, int(widths[k]))
        if len(group) == 1:
            slot[...] = group[0]
            continue
        np.add(group[0], group[1], out=slot)
        for term in group[2:]:
            np.add(slot, term, out=slot)
    return flat, offsets, widths, (widths > 1).astype(np.int64)


@jit
def fill_cells(
    n: int,
    need: tuple[F64, I64, I64, I64],
    flops: tuple[F64, I64, I64, I64],
    cap: tuple[F64, I64, I64, I64],
    monthly: F64,
    hourly: F64,
    cost_varies: U8,
    fixed_cost: F64,
    hours: F64,
    peak: F64,
    static: bool,
    steps: I64,
    step_count: I64,
    rank: I64,
    masks: U8,
    n_phases: I64,
    span_lo: I64,
    span_hi: I64,
    touched: U8,
    provider: I64,
    early_exit: bool,
    unmet: F64,
    gap: F64,
    spend: F64,
    by_provider: F64,
    varies: U8,
    slot: I64,
    used_out: F64,
) -> None:
    """Fill ``unmet`` ``[C, T, n]``, ``gap``, ``spend`` ``[T, n]``, ``by_provider`` ``[P, T, n]``.

    Args:
        n: Samples in the chunk.
        need: Packed ``[T, 1 | n]`` peak FLOP/s needed per class.
        flops: Packed delivered FLOP/s demanded per class.
        cap: Packed capacity per offer, peak FLOP/s.
        monthly: ``[O, 1 | n]`` USD per accelerator-month.
        hourly: ``[O, 1 | n]`` USD per accelerator-hour.
        cost_varies: ``[O]`` 1 where the offer's cost varies over samples.
        fixed_cost: ``[O, T]`` cost per peak FLOP/s-month where it does not.
        hours: ``[T]`` hours per month.
        peak: ``[O]`` peak FLOP/s per accelerator.
        static: Whether every sample ranks the offers the same way.
        steps: ``[C, P, T, O]`` (static) offers visited per class, phase and month.
        step_count: ``[C, P, T]`` how many of ``steps`` are used.
        rank: ``[O, n]`` (not static) offer of each rank per sample.
        masks: ``[C, P, O, T]`` (not static) offers allowed per class and phase.
        n_phases: ``[C]`` phases per class.
        span_lo: ``[C]`` first month where the class can need anything.
        span_hi: ``[C]`` one past its last.
        touched: ``[O, T]`` 1 where some class may use the offer.
        provider: ``[O]`` index of the offer's tracked provider, or -1.
        early_exit: Whether a met need may stop its class (no negative capacity).
        unmet: Output.
        gap: Output.
        spend: Output.
        by_provider: Output.
        varies: Output ``[C + 2 + P]``, zeros on entry: 1 where the output (classes'
            unmet shares, gap, spend, tracked providers' spend) differs between samples.
        slot: ``[O]`` row of ``used_out`` of each offer, or -1 (not reported).
        used_out: Output ``[K, T, n]``, zeros on entry: peak FLOP/s used of the offers
            with a slot (those paid ahead of use on the cash basis).
    """
    n_c = need[1].shape[0]
    n_o = cap[1].shape[0]
    n_t = hours.shape[0]
    n_p = by_provider.shape[0]
    cost_s = 1 if monthly.shape[1] > 1 else 0
    left_cap = np.empty((max(n_o, 1), BLOCK))
    total = np.empty(BLOCK)
    left = np.empty(BLOCK)
    g = np.empty(BLOCK)
    spent = np.empty(BLOCK)
    used = np.empty(BLOCK)
    cost = np.empty(BLOCK)
    tracked = np.empty((max(n_p, 1), BLOCK))
    # with one rank order, a need or capacity left that is the same in every sample of
    # the block is kept as one number (same operations, done once) until a step mixes
    # it with one that varies
    same = np.zeros(max(n_o, 1), dtype=np.bool_)
    same_cap = np.zeros(max(n_o, 1))
    for m in range(n_t):
        for b0 in range(0, n, BLOCK):
            nb = min(BLOCK, n - b0)
            for o in range(n_o):
                same[o] = static and cap[3][o] == 0
                if same[o]:
                    same_cap[o] = cap[0][cap[1][o] + m * cap[2][o]]
                else:
                    _load(cap, o, m, b0, nb, left_cap[o])
            g[:nb] = 0.0
            for c in range(n_c):
                one = static and need[3][c] == 0
                one_total = need[0][need[1][c] + m * need[2][c]]
                one_left = one_total
                if not one:
                    _load(need, c, m, b0, nb, total)
                    left[:nb] = total[:nb]
                for p in range(n_phases[c]):
                    if static:
                        for j in range(step_count[c, p, m]):
                            o = steps[c, p, m, j]
                            if one and same[o]:
                                r = same_cap[o]
                                x = one_left if one_left <= r else r
                                one_left -= x
                                same_cap[o] = r - x
                                continue
                            if one:
                                total[:nb] = one_total
                                left[:nb] = one_left
                                one = False
                            if same[o]:
                                left_cap[o, :nb] = same_cap[o]
                                same[o] = False
                            _take(left, left_cap[o], nb)
                    else:
                        _take_ranked(left, left_cap, rank, masks[c, p], m, b0, nb, early_exit)
                out = unmet[c, m, b0 : b0 + nb]
                if span_lo[c] <= m < span_hi[c]:
                    _load(flops, c, m, b0, nb, spent)
                    if one:
                        q = one_left / one_total if one_total > 0.0 else 0.0
                        for i in range(nb):
                            out[i] = q
                            g[i] += q * spent[i]
                    else:
                        for i in range(nb):
                            q = left[i] / total[i] if total[i] > 0.0 else 0.0
                            out[i] = q
                            g[i] += q * spent[i]
                else:
                    out[:] = 0.0
                _mark(varies, c, unmet[c, m, 0], out)
            gap[m, b0 : b0 + nb] = g[:nb]
            _mark(varies, n_c, gap[m, 0], g[:nb])
            spent[:nb] = 0.0
            for k in range(n_p):
                tracked[k, :nb] = 0.0
            for o in range(n_o):
                if touched[o, m] == 0:
                    continue
                _load(cap, o, m, b0, nb, used)
                if cost_varies[o]:
                    for i in range(nb):
                        col = (b0 + i) * cost_s
                        cost[i] = (monthly[o, col] + hourly[o, col] * hours[m]) / peak[o]
                else:
                    cost[:nb] = fixed_cost[o, m]
                if same[o]:
                    left_cap[o, :nb] = same_cap[o]
                room = left_cap[o]
                k = provider[o]
                for i in range(nb):
                    v = (used[i] - room[i]) * cost[i]
                    spent[i] += v
                if k >= 0:
                    for i in range(nb):
                        tracked[k, i] += (used[i] - room[i]) * cost[i]
                r = slot[o]
                if r >= 0:
                    for i in range(nb):
                        used_out[r, m, b0 + i] = used[i] - room[i]
            spend[m, b0 : b0 + nb] = spent[:nb]
            _mark(varies, n_c + 1, spend[m, 0], spent[:nb])
            for k in range(n_p):
                by_provider[k, m, b0 : b0 + nb] = tracked[k, :nb]
                _mark(varies, n_c + 2 + k, by_provider[k, m, 0], tracked[k, :nb])


@jit
def _mark(varies: U8, k: int, first: float, block: F64) -> None:
    """Set ``varies[k]`` when some value of ``block`` differs from ``first``."""
    if varies[k]:
        return
    for v in block:
        if v != first:
            varies[k] = 1
            return


@jit
def _load(packed: tuple[F64, I64, I64, I64], k: int, m: int, b0: int, nb: int, out: F64) -> None:
    """``out[:nb]`` = samples ``b0 .. b0 + nb - 1`` of month ``m`` of packed array ``k``."""
    flat, offset, width, step = packed
    base = offset[k] + m * width[k]
    if step[k]:
        out[:nb] = flat[base + b0 : base + b0 + nb]
    else:
        out[:nb] = flat[base]


@jit
def _take(left: F64, left_cap: F64, nb: int) -> None:
    """One merit-order step on a block: ``x = min(L, R)``, ``L -= x``, ``R -= x``."""
    for i in range(nb):
        need = left[i]
        room = left_cap[i]
        x = need if need <= room else room
        left[i] = need - x
        left_cap[i] = room - x


@jit
def _take_ranked(
    left: F64, left_cap: F64, rank: I64, mask: U8, m: int, b0: int, nb: int, early_exit: bool
) -> None:
    """One phase with per-sample ranks: offers in each sample's rank order, if allowed."""
    n_o = rank.shape[0]
    for i in range(nb):
        need = left[i]
        for j in range(n_o):
            if early_exit and need == 0.0:
                break
            o = rank[j, b0 + i]
            if mask[o, m] == 0:
                continue
            room = left_cap[o, i]
            x = need if need <= room else room
            need -= x
            left_cap[o, i] = room - x
        left[i] = need
