r"""Contract rules: the one meaning of every clause, shared by the planner and the broker.

For a clause :math:`c` with counterparty :math:`p_c`, tags :math:`T_c` (``None`` = all)
and window :math:`[f_c, u_c]`:

* ``covers(c, w)``: :math:`T_c = \varnothing \lor T_c \cap \text{tags}(w) \ne
  \varnothing`;
* ``active(c, t)``: :math:`f_c \le t \le u_c`;
* pin / exclusive: workload :math:`w` may use offer :math:`o` in month :math:`t` only
  if :math:`\text{provider}(o) = p_c` for every pin or exclusive clause :math:`c`
  covering :math:`w` and active in :math:`t`;
* revenue share of :math:`w` in :math:`t`: :math:`\min(1, \sum_c \text{percent}_c /
  100)` over revenue-share clauses covering :math:`w` active in :math:`t`.

:func:`may_use` answers one question at a time (the broker); :func:`allowed_mask` answers
all of them at once (the planner). Both are built on :func:`forbidding_clause`, and a
test checks that they agree everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from gigawatt.scenario.schema import (
    Contract,
    ExclusiveClause,
    InferenceWorkload,
    PinClause,
    RevenueShareClause,
    Scenario,
    TrainingWorkload,
)
from gigawatt.scenario.supply import OfferRef, offer_availability, offers
from gigawatt.scenario.timeline import Month, Timeline

__all__ = [
    "ClauseRef",
    "active_mask",
    "allowed_mask",
    "clause_refs",
    "clause_share_fraction",
    "covers",
    "forbidding_clause",
    "full_revenue",
    "may_use",
    "revenue_share",
]

AnyClause = PinClause | ExclusiveClause


@dataclass(frozen=True)
class ClauseRef:
    """A clause with its contract and position, for naming in results and audits."""

    contract: str
    index: int
    type: str
    counterparty: str

    @property
    def label(self) -> str:
        """Readable name, e.g. ``microsoft-2025[1] right_of_first_refusal``."""
        return f"{self.contract}[{self.index}] {self.type}"


def clause_refs(scenario: Scenario) -> list[tuple[ClauseRef, object]]:
    """Every clause with its reference, in file order."""
    out: list[tuple[ClauseRef, object]] = []
    for c in scenario.contracts:
        for i, clause in enumerate(c.clauses):
            out.append((ClauseRef(c.name, i, clause.type, c.counterparty), clause))
    return out


def covers(clause_tags: list[str] | None, workload_tags: list[str]) -> bool:
    """Whether a clause with these tags covers a workload with these tags."""
    return clause_tags is None or bool(set(clause_tags) & set(workload_tags))


def active_mask(
    first: Month | None, last: Month | None, timeline: Timeline
) -> npt.NDArray[np.bool_]:
    """Months of the horizon inside the clause window."""
    return timeline.mask(first, last)


def forbidding_clause(
    scenario: Scenario, workload_tags: list[str], provider: str, month: Month
) -> ClauseRef | None:
    """The first pin or exclusive clause that forbids ``provider`` for these tags in a month."""
    for contract in scenario.contracts:
        for i, clause in enumerate(contract.clauses):
            if not isinstance(clause, PinClause | ExclusiveClause):
                continue
            if not covers(clause.tags, workload_tags):
                continue
            if clause.from_ is not None and month < clause.from_:
                continue
            if clause.until is not None and month > clause.until:
                continue
            if provider != contract.counterparty:
                return ClauseRef(contract.name, i, clause.type, contract.counterparty)
    return None


def may_use(
    scenario: Scenario, workload_tags: list[str], provider: str, month: Month
) -> tuple[bool, ClauseRef | None]:
    """Whether a workload with these tags may use a provider's capacity in a month.

    Returns:
        ``(allowed, clause)`` where ``clause`` is the pin or exclusivity that forbids it.
    """
    clause = forbidding_clause(scenario, workload_tags, provider, month)
    return clause is None, clause


def _pin_provider_mask(
    scenario: Scenario, workload_tags: list[str], providers: list[str]
) -> npt.NDArray[np.bool_]:
    """[provider, month] mask of providers a workload may use under pins/exclusivity."""
    tl = scenario.timeline
    allowed = np.ones((len(providers), tl.n_months), dtype=bool)
    contract: Contract
    for contract in scenario.contracts:
        for clause in contract.clauses:
            if not isinstance(clause, PinClause | ExclusiveClause):
                continue
            if not covers(clause.tags, workload_tags):
                continue
            window = active_mask(clause.from_, clause.until, tl)
            for k, p in enumerate(providers):
                if p != contract.counterparty:
                    allowed[k] &= ~window
    return allowed


def allowed_mask(scenario: Scenario, refs: list[OfferRef] | None = None) -> npt.NDArray[np.bool_]:
    """[workload, offer, month] mask: accelerator allowed, offer available, clauses permit.

    Inference workloads also need positive demand in the month; training runs need the
    month inside their window.
    """
    tl = scenario.timeline
    refs = refs if refs is not None else offers(scenario)
    providers = sorted({r.provider for r in refs})
    pidx = np.array([providers.index(r.provider) for r in refs], dtype=int)
    avail = np.array([offer_availability(scenario, r) > 0 for r in refs]).reshape(
        len(refs), tl.n_months
    )
    out = np.zeros((len(scenario.workloads), len(refs), tl.n_months), dtype=bool)
    for wi, w in enumerate(scenario.workloads):
        acc_ok = np.array(
            [w.accelerators is None or r.accelerator in w.accelerators for r in refs], dtype=bool
        )
        if isinstance(w, TrainingWorkload):
            active = tl.mask(w.window[0], w.window[1])
        else:
            active = w.demand_flops.values(tl) > 0
        pins = _pin_provider_mask(scenario, w.tags, providers)[pidx]
        out[wi] = acc_ok[:, None] & avail & active[None, :] & pins
    return out


def revenue_share(scenario: Scenario) -> npt.NDArray[np.float64]:
    """[workload, month] fraction of revenue paid away under revenue-share clauses.

    Each clause adds its :func:`clause_share_fraction` to the workloads it covers; the
    total is capped at 1.
    """
    tl = scenario.timeline
    share = np.zeros((len(scenario.workloads), tl.n_months))
    for contract in scenario.contracts:
        for clause in contract.clauses:
            if not isinstance(clause, RevenueShareClause):
                continue
            covered = [covers(clause.tags, w.tags) for w in scenario.workloads]
            fraction = clause_share_fraction(
                clause, clause.percent, tl, full_revenue(scenario, covered)
            )
            for wi in np.flatnonzero(covered):
                share[wi] += fraction
    return np.minimum(share, 1.0)


def full_revenue(scenario: Scenario, covered: list[bool]) -> npt.NDArray[np.float64]:
    """[month] revenue of the covered products when fully served, USD."""
    tl = scenario.timeline
    total = np.zeros(tl.n_months)
    for w, yes in zip(scenario.workloads, covered, strict=True):
        if yes and isinstance(w, InferenceWorkload) and w.revenue_usd_per_month is not None:
            total += w.revenue_usd_per_month.values(tl)
    return total


def clause_share_fraction(
    clause: RevenueShareClause,
    percent: float | npt.NDArray[np.float64],
    tl: Timeline,
    full_revenue_usd: npt.NDArray[np.float64],
    cap_usd: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.float64]:
    r"""[month] fraction of covered revenue one revenue-share clause takes.

    In its window, :math:`p_t = \text{percent} / 100 \cdot (1 - d)^{a_t / 12}` with
    :math:`d` = ``decline_per_year`` and :math:`a_t` the months since ``from`` (the
    horizon start without it). With ``cap_usd`` :math:`K`, the share due on the full
    revenue :math:`R_t` is paid until it sums to :math:`K`: the month it is reached pays
    the rest, later months nothing. The cap is judged on the full revenue, so the months
    it ends are fixed before planning (a plan serving less pays less in those months and
    is not charged later; docs/decisions.md).

    Args:
        clause: The clause.
        percent: Its percent (``clause.percent``), or ``[n]`` sampled values (a
            forecast): the result is then ``[month, n]``.
        tl: The months.
        full_revenue_usd: [month] revenue of the products it covers, fully served.
        cap_usd: ``[n]`` sampled caps (a forecast; the result is then ``[month, n]``), or
            None for the clause's own ``cap_usd``.
    """
    window = active_mask(clause.from_, clause.until, tl)
    start = clause.from_ or tl.start
    age = np.arange(tl.n_months) + (tl.start - start)
    decay = (1.0 - clause.decline_per_year) ** (np.maximum(age, 0) / 12.0)
    pct = np.asarray(percent, dtype=float)
    cap: float | npt.NDArray[np.float64] | None = clause.cap_usd
    if cap_usd is not None:
        pct, cap = np.broadcast_arrays(pct, np.asarray(cap_usd, dtype=float))
    shape = (tl.n_months,) + (1,) * pct.ndim
    # window x percent / 100 first, as before declines existed: a flat share keeps its bits
    fraction = window.reshape(shape) * pct / 100.0 * decay.reshape(shape)
    if cap is None:
        return np.asarray(fraction, dtype=float)
    due = fraction * full_revenue_usd.reshape(shape)
    before = np.cumsum(due, axis=0) - due
    paid = np.minimum(due, np.maximum(cap - before, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        capped = np.where(due > 0, fraction * paid / np.where(due > 0, due, 1.0), 0.0)
    return np.asarray(np.where(before < cap, capped, 0.0), dtype=float)
