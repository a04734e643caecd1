r"""The scenario's clauses applied to a SkyPilot location: allowed, rejected, or narrowed.

Everything here is built on :mod:`gigawatt.scenario.rules` (one meaning of each clause);
this module only maps SkyPilot clouds to providers and words the answer. For a workload
with tags :math:`T` in month :math:`t` and a request on cloud :math:`k` (region
:math:`g`), with :math:`P(k, g)` the providers it may be
(:func:`~gigawatt.integrations.skypilot.mapping.providers_at`):

* **pin / exclusive**: allowed iff ``may_use(T, p, t)`` for every :math:`p \in P(k, g)`;
  otherwise rejected, naming the first forbidding clause;
* **right of first refusal**: when a ROFR clause covers :math:`T` and is active in
  :math:`t`, a request that names a cloud outside the counterparty is rejected unless it
  comes from a broker placement (the broker already offered it to the counterparty);
* **no cloud named**: the request is narrowed to the locations of the providers that
  ``may_use`` allows (any cloud when no pin or exclusivity covers it), with the ROFR
  counterparty's locations tried first.
"""

from __future__ import annotations

from dataclasses import dataclass

from gigawatt.integrations.skypilot.mapping import (
    Location,
    cloud_of,
    locations,
    outside,
    providers_at,
)
from gigawatt.scenario.rules import ClauseRef, clause_refs, covers, may_use
from gigawatt.scenario.schema import RightOfFirstRefusalClause, Scenario
from gigawatt.scenario.timeline import Month

__all__ = [
    "Narrowing",
    "Rejection",
    "check_location",
    "clause_name",
    "narrow",
    "rofr_clause",
]


@dataclass(frozen=True)
class Rejection:
    """Why a request may not run: the clause and a message naming it."""

    clause: ClauseRef
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Narrowing:
    """Where a request that names no cloud may go.

    Attributes:
        first: Locations to try before any other (the ROFR counterparty's), in order.
        then: Locations allowed after them; ``None`` for any cloud.
        clauses: The clauses that narrowed it, for messages.
    """

    first: tuple[Location, ...]
    then: tuple[Location, ...] | None
    clauses: tuple[ClauseRef, ...]

    @property
    def unchanged(self) -> bool:
        """Whether the request stays as it is (no clause narrows it)."""
        return not self.first and self.then is None


def clause_name(ref: ClauseRef) -> str:
    """``contract microsoft-2025 clause 1 (pin)``: clauses count from 1 in file order."""
    return f"contract {ref.contract} clause {ref.index + 1} ({ref.type})"


def _who(scenario: Scenario, ref: ClauseRef, tags: list[str]) -> str:
    clause = scenario.contracts[[c.name for c in scenario.contracts].index(ref.contract)]
    ctags = clause.clauses[ref.index].tags
    if ctags is None:
        return "every workload"
    hit = sorted(set(ctags) & set(tags))
    return "workloads tagged " + ", ".join(f"'{t}'" for t in hit)


def _where(scenario: Scenario, provider: str) -> str:
    cloud = cloud_of(scenario, provider)
    return cloud if cloud == provider else f"{cloud} ({provider})"


def rofr_clause(scenario: Scenario, tags: list[str], month: Month) -> ClauseRef | None:
    """The first right of first refusal covering these tags and active in the month."""
    for ref, clause in clause_refs(scenario):
        if not isinstance(clause, RightOfFirstRefusalClause) or not covers(clause.tags, tags):
            continue
        if clause.from_ is not None and month < clause.from_:
            continue
        if clause.until is not None and month > clause.until:
            continue
        return ref
    return None


def check_location(
    scenario: Scenario,
    tags: list[str],
    cloud: str,
    region: str | None,
    month: Month,
    *,
    placed: bool = False,
) -> Rejection | None:
    """Whether a workload with these tags may run on a cloud (and region) in a month.

    Args:
        scenario: The scenario whose contracts apply.
        tags: The workload's tags.
        cloud: SkyPilot cloud of the request.
        region: Its region, ``None`` when it names none.
        month: The month it runs in.
        placed: Whether it comes from a broker placement (ROFR already applied).

    Returns:
        ``None`` when allowed, else the :class:`Rejection`.
    """
    at = cloud if region is None else f"{cloud}/{region}"
    providers = providers_at(scenario, cloud, region)
    for provider in providers:
        ok, ref = may_use(scenario, tags, provider, month)
        if not ok and ref is not None:
            return Rejection(
                ref,
                f"{clause_name(ref)}: {_who(scenario, ref, tags)} may only run on "
                f"{_where(scenario, ref.counterparty)} in {month}, not on {at}",
            )
    rofr = rofr_clause(scenario, tags, month)
    if rofr is not None and not placed and rofr.counterparty not in providers:
        cp = _where(scenario, rofr.counterparty)
        return Rejection(
            rofr,
            f"{clause_name(rofr)}: {cp} has first refusal on {_who(scenario, rofr, tags)} in "
            f"{month}, so {at} needs a broker placement: name no cloud (the policy tries {cp} "
            f"first), or launch the task of a placement (gigawatt skypilot task PLACEMENT)",
        )
    return None


def narrow(scenario: Scenario, tags: list[str], month: Month) -> Narrowing | Rejection:
    """Where a workload that names no cloud may run in a month (see the module docstring)."""
    pinned_ok, pin = may_use(scenario, tags, outside("any"), month)
    clauses: list[ClauseRef] = []
    allowed: list[str] | None = None
    if not pinned_ok and pin is not None:
        clauses.append(pin)
        allowed = [p for p in scenario.providers if may_use(scenario, tags, p, month)[0]]
        if not allowed:
            return Rejection(
                pin,
                f"{clause_name(pin)}: {_who(scenario, pin, tags)} may only run on "
                f"{_where(scenario, pin.counterparty)} in {month}, and another clause forbids "
                "that provider too; no cloud is left",
            )
    first: list[Location] = []
    rofr = rofr_clause(scenario, tags, month)
    if rofr is not None and (allowed is None or rofr.counterparty in allowed):
        clauses.append(rofr)
        first = locations(scenario, rofr.counterparty)
    then: list[Location] | None = None
    if allowed is not None:
        then = [loc for p in sorted(allowed) for loc in locations(scenario, p) if loc not in first]
    return Narrowing(tuple(first), None if then is None else tuple(then), tuple(clauses))
