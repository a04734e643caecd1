"""Where a placement goes: the contract rules applied to one request (pure, no database).

1. **Candidates**: every offer of the requested accelerator (any accelerator when the
   request gives FLOP/s without one) at a site that is not drained, whose capacity can
   ever hold the count in every month the request touches. The count for FLOP/s is
   ``ceil(flops / (peak_flops x utilization))`` on that offer's accelerator.
2. **Pins and exclusivity**: a candidate whose provider ``may_use`` forbids in any month
   of the request is dropped; that clause is recorded.
3. **Cheapest**: candidates are ranked by ``count x price per accelerator-hour`` (then
   site name, then offer). The ledger says which have room over the whole request
   (one site per placement: ``single_site: false`` is accepted and treated alike).
4. **Right of first refusal**: when a ROFR clause covers the tags and is active in a
   month of the request, and the cheapest feasible site is not the counterparty's:

   * if some counterparty site has room, the request becomes an **offer** to the
     counterparty (its cheapest feasible site) with a deadline, and the placement holds
     capacity both there and at the cheapest other site (the fallback). Accept: the
     placement moves to the counterparty and the fallback is released. Decline or
     expiry: it stays on the fallback and the counterparty's hold is released;
   * if no counterparty site has room, it is placed at the cheapest site and the ROFR
     clause is cited ("counterparty full").

   Only the first such clause (file order) applies.
5. Otherwise it is placed at the cheapest feasible site, citing the pin or exclusivity
   that ruled out a cheaper site, if any; with no feasible site it is **rejected**.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from gigawatt.broker.catalog import Catalog, OfferResource
from gigawatt.broker.hours import iso_hour
from gigawatt.scenario.rules import ClauseRef

__all__ = [
    "Candidate",
    "Decision",
    "Options",
    "Request",
    "decide",
    "fewest_accelerators",
    "options",
]


@dataclass(frozen=True)
class Request:
    """A placement request, validated (hours are slot numbers)."""

    tags: tuple[str, ...]
    accelerator: str | None
    count: int | None
    flops: float | None
    utilization: float
    start_hour: int
    end_hour: int
    single_site: bool


@dataclass(frozen=True)
class Candidate:
    """An offer that could take the request, with the count it would need there."""

    offer: OfferResource
    count: int

    @property
    def cost_usd_per_hour(self) -> float:
        """What the placement would cost per hour on this offer."""
        return self.count * self.offer.price_usd_per_hour


@dataclass(frozen=True)
class Options:
    """Candidates the rules allow (cheapest first) and those a clause forbids."""

    allowed: list[Candidate]
    forbidden: list[tuple[Candidate, ClauseRef]]
    months: tuple[int, ...]


@dataclass(frozen=True)
class Decision:
    """The outcome: placed on ``main``; offered to ``offer_to`` holding ``main``; rejected."""

    status: str
    main: Candidate | None
    offer_to: Candidate | None
    clause: ClauseRef | None
    reason: str


def fewest_accelerators(catalog: Catalog, req: Request) -> float:
    """The count of a request, or for FLOP/s the fewest accelerators it may need.

    That is ``flops / (peak x utilization)`` on the fastest accelerator the request may
    use (its own, or any); not rounded up, and possibly infinite.
    """
    if req.count is not None:
        return float(req.count)
    assert req.flops is not None
    accelerators = catalog.scenario.accelerators
    names = [req.accelerator] if req.accelerator is not None else list(accelerators)
    fastest = max(accelerators[n].peak_flops for n in names)
    return req.flops / (fastest * req.utilization)


# Above any count a request may ask for (the API's limit is 100,000,000): an offer that
# would need more accelerators than this can hold no request.
_NEVER = 2**62


def _count_on(offer: OfferResource, req: Request) -> int:
    if req.count is not None:
        return req.count
    assert req.flops is not None
    needed = req.flops / (offer.peak_flops * req.utilization) - 1e-9
    if not needed < _NEVER:  # also infinity and NaN: no overflow in ceil
        return _NEVER
    return max(1, math.ceil(needed))


def _rank(c: Candidate) -> tuple[float, str, int]:
    return (c.cost_usd_per_hour, c.offer.site, c.offer.resource)


def options(catalog: Catalog, req: Request, drained: frozenset[str]) -> Options:
    """Candidates for a request, split by what the clauses allow."""
    months = tuple(seg.month_index for seg in catalog.segments(req.start_hour, req.end_hour))
    allowed: list[Candidate] = []
    forbidden: list[tuple[Candidate, ClauseRef]] = []
    for offer in catalog.offers:
        if req.accelerator is not None and offer.ref.accelerator != req.accelerator:
            continue
        if offer.site in drained:
            continue
        cand = Candidate(offer, _count_on(offer, req))
        if any(offer.capacity[m] < cand.count for m in months):
            continue
        clause = catalog.forbidding(req.tags, offer.provider, months)
        if clause is None:
            allowed.append(cand)
        else:
            forbidden.append((cand, clause))
    allowed.sort(key=_rank)
    forbidden.sort(key=lambda item: _rank(item[0]))
    return Options(allowed, forbidden, months)


def _what(req: Request) -> str:
    amount = f"{req.count} {req.accelerator}" if req.count is not None else f"{req.flops:g} FLOP/s"
    if req.count is None and req.accelerator is not None:
        amount += f" of {req.accelerator}"
    return f"{amount} over [{iso_hour(req.start_hour)}, {iso_hour(req.end_hour)})"


def decide(catalog: Catalog, req: Request, opts: Options, feasible: set[int]) -> Decision:
    """Apply steps 3-5 of the module docstring given which offers have room."""
    feas = [c for c in opts.allowed if c.offer.resource in feasible]
    if not feas:
        if not opts.allowed and opts.forbidden:
            clause = opts.forbidden[0][1]
            return Decision(
                "rejected",
                None,
                None,
                clause,
                f"{clause.label} allows only {clause.counterparty}, which has no offer that "
                f"can ever hold {_what(req)}",
            )
        if not opts.allowed:
            return Decision("rejected", None, None, None, f"no offer can ever hold {_what(req)}")
        if opts.forbidden:
            clause = opts.forbidden[0][1]
            return Decision(
                "rejected",
                None,
                None,
                clause,
                f"{clause.label} allows only {clause.counterparty}, which has no room for "
                f"{_what(req)} now",
            )
        return Decision(
            "rejected", None, None, None, f"no allowed site has room for {_what(req)} now"
        )
    best = feas[0]
    rofr = catalog.rofr_clause(req.tags, opts.months)
    if rofr is not None and best.offer.provider != rofr.counterparty:
        to = next((c for c in feas if c.offer.provider == rofr.counterparty), None)
        if to is not None:
            return Decision(
                "offered",
                best,
                to,
                rofr,
                f"{rofr.label}: {rofr.counterparty} may take it at {to.offer.site} before the "
                f"deadline, else it goes to {best.offer.site}",
            )
        return Decision(
            "placed",
            best,
            None,
            rofr,
            f"{rofr.label}: {rofr.counterparty} has no room for it, so it goes to "
            f"{best.offer.site}",
        )
    cheaper = [cl for c, cl in opts.forbidden if c.cost_usd_per_hour < best.cost_usd_per_hour]
    if cheaper:
        return Decision(
            "placed",
            best,
            None,
            cheaper[0],
            f"{cheaper[0].label} keeps it on {cheaper[0].counterparty}: cheapest allowed site",
        )
    return Decision("placed", best, None, None, "cheapest site with room")
