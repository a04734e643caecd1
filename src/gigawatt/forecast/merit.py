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

Vectorisation. Arrays are ``[months, samples]``. The fill runs as one compiled loop
(:mod:`gigawatt.forecast.fillkernel`) over months and blocks of samples. When every
sample of a chunk ranks the offers the same way (always, unless prices are sampled),
the offers of each (class, phase, month) are listed once in rank order and each step
is one loop over the block; otherwise each sample walks the offers in its own rank
order. Both do the same arithmetic per sample, so results depend neither on the path
a chunk takes nor on the chunk size. Outputs equal in every sample of the chunk come
back as ``[T, 1]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gigawatt.forecast.fillkernel import fill_cells, pack, pack_sums
from gigawatt.forecast.supply import Costs, SupplyModel
from gigawatt.scenario.rules import covers
from gigawatt.scenario.schema import (
    ExclusiveClause,
    PinClause,
    RightOfFirstRefusalClause,
    Scenario,
)

__all__ = ["DemandClass", "MeritOrder", "MeritResult", "demand_classes", "rank_order"]

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
        used_flops: ``[K, T, n]`` peak FLOP/s used of the offers asked for
            (``MeritOrder.reported``, in that order).
    """

    unmet: list[F64]
    gap_flops: F64
    spend_usd: F64
    spend_by_provider_usd: dict[str, F64]
    used_flops: F64


class MeritOrder:
    """The merit-order fill of a scenario, vectorised over samples.

    Args:
        scenario: The scenario.
        supply: Its supply model.
        active: Per workload, the months where its demand can be non-zero.
        tracked: Providers whose spend is reported separately (min-spend clauses).
        reported: Offers whose use is reported per sample (paid ahead of use).
    """

    def __init__(
        self,
        scenario: Scenario,
        supply: SupplyModel,
        active: list[B],
        tracked: list[str],
        reported: tuple[int, ...] = (),
    ) -> None:
        self.supply = supply
        self.reported = reported
        self._slot = np.full(len(supply.offers), -1, dtype=np.int64)
        for row, o in enumerate(reported):
            self._slot[o] = row
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
        self._touched = touched.astype(np.uint8)
        n_p = max((len(m) for m in self._masks), default=1)
        self._mask_table = np.zeros((len(self.classes), n_p, n_o, n_t), dtype=np.uint8)
        for ci, masks in enumerate(self._masks):
            for pi, mask in enumerate(masks):
                self._mask_table[ci, pi] = mask
        self._n_phases = np.array([len(m) for m in self._masks], dtype=np.int64)
        self._span_lo = np.array([sp.start for sp in self._spans], dtype=np.int64)
        self._span_hi = np.array([sp.stop for sp in self._spans], dtype=np.int64)
        self._step_cache: dict[tuple[int, ...], tuple[NDArray[np.int64], NDArray[np.int64]]] = {}

    def fill(
        self,
        need: list[F64],
        delivered: list[F64],
        capacity: list[F64],
        costs: Costs,
    ) -> MeritResult:
        """Serve the chunk's demand (the compiled cell loop of :mod:`~.fillkernel`).

        Args:
            need: Per workload, peak FLOP/s needed.
            delivered: Per workload, delivered FLOP/s demanded.
            capacity: Per offer, contracted peak FLOP/s.
            costs: Per-accelerator costs of the offers.

        Returns:
            Unmet shares, gap, spend (``[T, n]``, or ``[T, 1]`` where equal in every sample).
        """
        t = len(self.hours)
        n = max(a.shape[1] for a in [*need, *delivered, *capacity, costs.rank_key])
        n_c, n_o = len(self.classes), len(capacity)
        # per class, the members' sums, written straight into the packed buffers
        members = [c.members for c in self.classes]
        class_need = pack_sums([[need[wi] for wi in m] for m in members], t)
        class_flops = pack_sums([[delivered[wi] for wi in m] for m in members], t)
        order, static = rank_order(costs.rank_key)
        if static:
            steps, step_count = self._static_steps(order)
            rank = np.zeros((1, 1), dtype=np.int64)
        else:
            steps = np.zeros((1, 1, 1, 1), dtype=np.int64)
            step_count = np.zeros((1, 1, 1), dtype=np.int64)
            rank = np.ascontiguousarray(np.broadcast_to(order, (n_o, n)), dtype=np.int64)
        width = max((a.shape[1] for a in [*costs.monthly_usd, *costs.hourly_usd]), default=1)
        monthly = _rows(costs.monthly_usd, width)
        hourly = _rows(costs.hourly_usd, width)
        cost_varies = np.array(
            [
                a.shape[1] > 1 or b.shape[1] > 1
                for a, b in zip(costs.monthly_usd, costs.hourly_usd, strict=True)
            ],
            dtype=np.uint8,
        )
        fixed = (monthly[:, :1] + hourly[:, :1] * self.hours[None, :]) / self.supply.peak[:, None]
        # only the per-sample-rank path stops a class early, which needs R >= 0
        negative = not static and any(bool((k < 0).any()) for k in capacity)
        unmet = np.empty((n_c, t, n))
        gap = np.empty((t, n))
        spend = np.empty((t, n))
        by_provider = np.empty((len(self.tracked), t, n))
        used_out = np.zeros((len(self.reported), t, n))
        varies = np.zeros(n_c + 2 + len(self.tracked), dtype=np.uint8)
        fill_cells(
            n,
            class_need,
            class_flops,
            pack(capacity, t),
            monthly,
            hourly,
            cost_varies,
            np.ascontiguousarray(fixed),
            np.ascontiguousarray(self.hours, dtype=np.float64),
            np.ascontiguousarray(self.supply.peak, dtype=np.float64),
            static,
            steps,
            step_count,
            rank,
            self._mask_table,
            self._n_phases,
            self._span_lo,
            self._span_hi,
            self._touched,
            self._provider_index,
            not negative,
            unmet,
            gap,
            spend,
            by_provider,
            varies,
            self._slot,
            used_out,
        )
        # outputs equal in every sample shrink to [T, 1]: later arithmetic stays narrow
        spend_by = {
            p: _narrowed(by_provider[i], varies[n_c + 2 + i]) for i, p in enumerate(self.tracked)
        }
        return MeritResult(
            [_narrowed(u, varies[c]) for c, u in enumerate(unmet)],
            _narrowed(gap, varies[n_c]),
            _narrowed(spend, varies[n_c + 1]),
            spend_by,
            used_out,
        )

    def _static_steps(self, order: NDArray[np.intp]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """``[C, P, T, O]`` offers visited per class, phase and month in ``order``, and counts."""
        key = tuple(int(o) for o in order)
        found = self._step_cache.get(key)
        if found is None:
            ranked = self._mask_table[:, :, order, :].astype(bool)  # [C, P, O, T] by rank
            first = np.argsort(~ranked, axis=2, kind="stable")  # allowed offers first
            steps = np.ascontiguousarray(np.asarray(order)[first].transpose(0, 1, 3, 2))
            count = np.ascontiguousarray(ranked.sum(axis=2))
            found = (steps.astype(np.int64), count.astype(np.int64))
            self._step_cache[key] = found
        return found


def rank_order(rank_key: F64) -> tuple[NDArray[np.intp], bool]:
    """Offers by rank: ``([O], True)`` when every sample ranks them alike, else ``([O, n], False)``.

    Ties go to file order (a stable sort), per sample.
    """
    order = np.argsort(rank_key[:, 0], kind="stable")
    if rank_key.shape[1] == 1 or _same_order(rank_key, order):
        return order, True
    return np.argsort(rank_key, axis=0, kind="stable"), False


def _narrowed(values: F64, varies: int) -> F64:
    """``values`` ``[T, n]``, or its first column when every sample has the same values."""
    return values if varies else np.ascontiguousarray(values[:, :1])


def _rows(arrays: list[F64], width: int) -> F64:
    """``[len(arrays), width]`` from ``[1, 1 | width]`` rows."""
    out = np.empty((len(arrays), width))
    for k, a in enumerate(arrays):
        out[k] = a[0]  # a [1]-long row broadcasts
    return out


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
