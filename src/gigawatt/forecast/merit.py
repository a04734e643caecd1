r"""Merit order: serve each month's demand from the cheapest contracted supply.

Demand classes. Workload :math:`w` may use offer :math:`o` in month :math:`t` when the
offer's accelerator is in the workload's ``accelerators`` (default any) and no pin or
exclusivity covering :math:`w`, active in :math:`t`, names another counterparty.
Workloads with the same eligibility (and the same rights of first refusal) form a
class :math:`c`; its need is :math:`P_{c,t} = \sum_{w \in c} P_{w,t}` peak FLOP/s,
served pro rata among its members. Classes are served in turn: pinned classes first
(a pinned workload may only use the counterparty's offers, so it takes them first),
then classes with fewer eligible (offer, month) pairs, then file order.

Fill. For class :math:`c`, month :math:`t` and one sample, the need left :math:`L`
starts at :math:`P_{c,t}` and the offers are visited in phases: first, for each right
of first refusal covering :math:`c` and active in :math:`t`, the counterparty's
eligible offers; then every eligible offer. Within a phase offers go by rank
(:mod:`gigawatt.forecast.supply`: cost per peak FLOP/s in an average month). Each offer
gives :math:`x = \min(L, R_{o,t})` where :math:`R_{o,t}` is its capacity not yet taken
(initially :math:`K_{o,t}`); then :math:`L \mathrel{-}= x` and
:math:`R_{o,t} \mathrel{-}= x`. The unmet share is
:math:`q_{c,t} = L / P_{c,t}` (0 where :math:`P_{c,t} = 0`), and the gap is
:math:`\sum_c q_{c,t} \sum_{w \in c} D_{w,t}` delivered FLOP/s.

Spend is charged on the capacity used, each offer at its monthly cost:
:math:`\sum_o (K_{o,t} - R_{o,t}) c_{o,t} / \text{peak}_o` with :math:`R` the capacity
left after every class; reserved terms and build lifetimes are not carried from month to
month (the planner does that).

A second visit of the same (offer, month) within a class is skipped: after the first,
either :math:`L` or :math:`R_{o,t}` is exactly 0, so it would take nothing.

Vectorisation. Arrays are ``[months, samples]``. When every sample of a chunk ranks
the offers the same way (always, unless prices are sampled), offers are visited in
that order and each step works on the block of months where the class and the offer
can both be non-zero: three array operations. Otherwise offers are visited by rank,
gathering per sample the offer of that rank from a ``[months, offers, samples]`` stack.
Both paths do the same arithmetic per sample, so results do not depend on which path
a chunk takes (nor on the chunk size).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gigawatt.forecast.supply import Costs, SupplyModel
from gigawatt.scenario.rules import covers
from gigawatt.scenario.schema import (
    ExclusiveClause,
    PinClause,
    RightOfFirstRefusalClause,
    Scenario,
)

__all__ = ["DemandClass", "MeritOrder", "MeritResult", "demand_classes"]

F64 = NDArray[np.float64]
B = NDArray[np.bool_]
_Step = tuple[int, slice, F64 | None]


@dataclass(frozen=True)
class DemandClass:
    """Workloads served together.

    Attributes:
        members: Workload indices.
        eligible: ``[offers, months]`` where the members may use an offer.
        phases: ``[offers, months]`` masks visited in turn (rights of first refusal
            first, ``eligible`` last).
        pinned: Whether a pin or exclusivity restricts the members.
    """

    members: tuple[int, ...]
    eligible: B
    phases: tuple[B, ...]
    pinned: bool


def demand_classes(scenario: Scenario, supply: SupplyModel) -> list[DemandClass]:
    """The demand classes of a scenario, in the order they are served."""
    tl = scenario.timeline
    providers = np.array(supply.providers)
    n_o = len(supply.offers)
    groups: dict[tuple[bytes, ...], list[int]] = {}
    facts: dict[tuple[bytes, ...], tuple[B, tuple[B, ...], bool]] = {}
    for wi, w in enumerate(scenario.workloads):
        acc_ok = np.array(
            [w.accelerators is None or o.ref.accelerator in w.accelerators for o in supply.offers],
            dtype=bool,
        )
        eligible = np.repeat(acc_ok[:, None], tl.n_months, axis=1)
        rofr: list[B] = []
        for contract in scenario.contracts:
            for clause in contract.clauses:
                if not covers(clause.tags, w.tags):
                    continue
                window = tl.mask(clause.from_, clause.until)
                if isinstance(clause, PinClause | ExclusiveClause):
                    other = providers != contract.counterparty
                    eligible &= ~(other[:, None] & window[None, :])
                elif isinstance(clause, RightOfFirstRefusalClause):
                    mine = (providers == contract.counterparty)[:, None] & window[None, :]
                    rofr.append(mine)
        phases = tuple(m & eligible for m in rofr if (m & eligible).any())
        pinned = bool(n_o) and not bool(eligible[acc_ok].all())
        key = (eligible.tobytes(), *(p.tobytes() for p in phases))
        groups.setdefault(key, []).append(wi)
        facts[key] = (eligible, phases, pinned)
    out = []
    for key, members in groups.items():
        eligible, phases, pinned = facts[key]
        out.append(DemandClass(tuple(members), eligible, (*phases, eligible), pinned))
    out.sort(key=lambda c: (not c.pinned, int(c.eligible.sum()), c.members[0]))
    return out


@dataclass
class MeritResult:
    """Outcome of the merit order for one chunk; arrays ``[T, n]`` or ``[T, 1]``.

    Attributes:
        unmet: Per class, the unmet share of its need.
        gap_flops: Delivered FLOP/s demanded but not served.
        spend_usd: Spend on the capacity used, USD per month.
        spend_by_provider_usd: The same for the providers asked for.
    """

    unmet: list[F64]
    gap_flops: F64
    spend_usd: F64
    spend_by_provider_usd: dict[str, F64]


def _widen(a: F64, n: int) -> F64:
    """``a`` with at least ``n`` sample columns (a repeated copy when it has fewer)."""
    return a if a.shape[1] >= n else np.repeat(a, n, axis=1)


class MeritOrder:
    """The merit-order fill of a scenario, vectorised over samples.

    Args:
        scenario: The scenario.
        supply: Its supply model.
        active: Per workload, the months where its demand can be non-zero.
        tracked: Providers whose spend is reported separately (min-spend clauses).
    """

    def __init__(
        self,
        scenario: Scenario,
        supply: SupplyModel,
        active: list[B],
        tracked: list[str],
    ) -> None:
        self.supply = supply
        self.hours = scenario.timeline.hours
        self.classes = demand_classes(scenario, supply)
        self.tracked = list(tracked)
        n_o, n_t = len(supply.offers), len(self.hours)
        offer_active = np.array([o.active for o in supply.offers], dtype=bool).reshape(n_o, n_t)
        self._provider_index = np.array(
            [self.tracked.index(p) if p in self.tracked else -1 for p in supply.providers],
            dtype=np.int64,
        )
        self._masks: list[list[B]] = []
        self._steps: list[list[dict[int, _Step]]] = []
        self._spans: list[slice] = []
        touched = np.zeros((n_o, n_t), dtype=bool)
        for c in self.classes:
            class_active = np.zeros(n_t, dtype=bool)
            for wi in c.members:
                class_active |= active[wi]
            months = np.flatnonzero(class_active)
            self._spans.append(
                slice(int(months[0]), int(months[-1]) + 1) if months.size else slice(0, 0)
            )
            seen = np.zeros((n_o, n_t), dtype=bool)
            masks = []
            for phase in c.phases:
                # A second visit of an (offer, month) within a class takes nothing: after
                # the first, either the need or the offer's capacity is zero.
                mask = phase & offer_active & class_active[None, :] & ~seen
                seen |= mask
                masks.append(mask)
            touched |= seen
            self._masks.append(masks)
            self._steps.append([_steps(m) for m in masks])
        self._used = _steps(touched)

    def fill(
        self,
        need: list[F64],
        delivered: list[F64],
        capacity: list[F64],
        costs: Costs,
    ) -> MeritResult:
        """Serve the chunk's demand.

        Args:
            need: Per workload, peak FLOP/s needed.
            delivered: Per workload, delivered FLOP/s demanded.
            capacity: Per offer, contracted peak FLOP/s.
            costs: Per-accelerator costs of the offers.

        Returns:
            Unmet shares, gap, spend.
        """
        t = len(self.hours)
        n = max(a.shape[1] for a in [*need, *capacity, costs.rank_key])
        order = np.argsort(costs.rank_key[:, 0], kind="stable")
        static = costs.rank_key.shape[1] == 1 or _same_order(costs.rank_key, order)
        remaining = list(capacity)
        fresh = [False] * len(capacity)
        if not static:
            stack = np.stack([np.broadcast_to(k, (t, n)) for k in capacity], axis=1)
            rank = np.argsort(costs.rank_key, axis=0, kind="stable")
        unmet: list[F64] = []
        gap: F64 = np.zeros((t, 1))
        for ci, c in enumerate(self.classes):
            total = need[c.members[0]]
            class_flops = delivered[c.members[0]]
            for wi in c.members[1:]:
                total = total + need[wi]
                class_flops = class_flops + delivered[wi]
            left = _widen(total, 1 if static else n)
            left = left.copy() if left is total else left
            for pi, mask in enumerate(self._masks[ci]):
                if not static:
                    _gathered(rank, stack, left, mask)
                    continue
                steps = self._steps[ci][pi]
                for o in order:
                    step = steps.get(int(o))
                    if step is None:
                        continue
                    _, rows, part = step
                    if not fresh[o]:
                        remaining[o] = remaining[o].copy()
                        fresh[o] = True
                    take = np.minimum(left[rows], remaining[o][rows])
                    if part is not None:
                        take *= part
                    width = take.shape[1]
                    if left.shape[1] != width:
                        left = _widen(left, width)
                    if remaining[o].shape[1] != width:
                        remaining[o] = _widen(remaining[o], width)
                    left[rows] -= take
                    remaining[o][rows] -= take
            span = self._spans[ci]
            q = np.zeros_like(left)
            np.divide(left[span], total[span], out=q[span], where=total[span] > 0)
            unmet.append(q)
            if gap.shape[1] < q.shape[1]:
                gap = _widen(gap, q.shape[1])
            gap[span] += q[span] * class_flops[span]
        spend: F64 = np.zeros((t, 1))
        by_provider: list[F64] = [np.zeros((t, 1)) for _ in self.tracked]
        for o, (_, rows, _) in self._used.items():
            left_over = remaining[o][rows] if static else stack[rows, o, :]
            used = capacity[o][rows] - left_over
            spent = used * costs.per_peak_flops(o, self.hours[rows], self.supply.peak[o])
            width = spent.shape[1]
            if spend.shape[1] != width:
                spend = _widen(spend, width)
            spend[rows] += spent
            p = self._provider_index[o]
            if p >= 0:
                if by_provider[p].shape[1] != width:
                    by_provider[p] = _widen(by_provider[p], width)
                by_provider[p][rows] += spent
        spend_by = {p: by_provider[i] for i, p in enumerate(self.tracked)}
        return MeritResult(unmet, gap, spend, spend_by)


def _gathered(rank: NDArray[np.intp], stack: F64, left: F64, mask: B) -> None:
    """One phase with a per-sample rank order (sampled prices), in place.

    ``rank`` is ``[O, n]`` (offer of each rank per sample), ``stack`` ``[T, O, n]``
    the capacity left, ``left`` ``[T, n]`` the need left, ``mask`` ``[O, T]``.
    """
    samples = np.arange(left.shape[1])
    allowed_by_month = mask.T
    for r in range(rank.shape[0]):
        idx = rank[r]
        allowed = allowed_by_month[:, idx]
        if not allowed.any():
            continue
        capacity = stack[:, idx, samples]
        take = np.minimum(left, capacity) * allowed
        left -= take
        stack[:, idx, samples] = capacity - take


def _steps(mask: B) -> dict[int, _Step]:
    """Per offer with some allowed month: (offer, month slice, partial ``[m, 1]`` mask)."""
    out: dict[int, _Step] = {}
    for o in range(mask.shape[0]):
        months = np.flatnonzero(mask[o])
        if months.size == 0:
            continue
        lo, hi = int(months[0]), int(months[-1]) + 1
        inside = mask[o, lo:hi]
        part = None if inside.all() else inside.astype(np.float64)[:, None]
        out[o] = (o, slice(lo, hi), part)
    return out


def _same_order(key: F64, order: NDArray[np.intp]) -> bool:
    """Whether every sample's column of ``key`` ``[O, n]`` sorts (stably) into ``order``."""
    if key.shape[0] < 2:
        return True
    step = np.diff(key[order], axis=0)
    later = np.diff(order) > 0
    return bool(np.all((step > 0) | ((step == 0) & later[:, None])))
