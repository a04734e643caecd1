"""The scenario schema: every key, its unit, default and meaning, declared once.

Units live in key names (``_mw``, ``_usd``, ``_usd_per_hour``, ``_flops`` = FLOP/s,
``_flop`` = FLOP). The descriptions below are the reference shown by
``gigawatt schema`` and in the documentation.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    PrivateAttr,
    WithJsonSchema,
)

from gigawatt.errors import Location, Problem
from gigawatt.scenario.power import facility_watts
from gigawatt.scenario.schedule import Schedule, parse_schedule
from gigawatt.scenario.timeline import Month, Timeline, parse_month
from gigawatt.scenario.yamlmarks import Marks, PathItem, format_path

__all__ = [
    "Accelerator",
    "BuildOffer",
    "Clause",
    "Contract",
    "DebtFacility",
    "EquityRound",
    "ExclusiveClause",
    "Finance",
    "Funding",
    "Horizon",
    "InferenceWorkload",
    "MinSpendClause",
    "MonthField",
    "Offer",
    "OnDemandOffer",
    "Penalties",
    "PinClause",
    "Provider",
    "ReservedOffer",
    "RevenueShareClause",
    "RightOfFirstRefusalClause",
    "Scenario",
    "ScheduleField",
    "Site",
    "SkyPilotCloud",
    "SkyPilotRegion",
    "SupplyLimits",
    "TrainingWorkload",
    "VendorFinancing",
    "Workload",
]

_MONTH_JSON = {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$", "examples": ["2026-03"]}
_SCHEDULE_JSON = {
    "anyOf": [
        {"type": "number"},
        {
            "type": "object",
            "description": "step function {YYYY-MM: value}; 0 before the first key; "
            "optional growth_per_year factor after the last key",
            "additionalProperties": {"type": "number"},
        },
    ]
}

MonthField = Annotated[
    Month,
    PlainValidator(parse_month),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(_MONTH_JSON),
]
ScheduleField = Annotated[
    Schedule,
    PlainValidator(parse_schedule),
    PlainSerializer(lambda s: s.to_yaml(), return_type=Any),
    WithJsonSchema(_SCHEDULE_JSON),
]

NonNegative = Annotated[float, Field(ge=0)]
Name = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")]


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )


class Horizon(_Strict):
    """The planning horizon."""

    start: MonthField = Field(description="First month of the plan (YYYY-MM).")
    months: int = Field(ge=1, le=600, description="Number of months planned.")
    tail_months: int = Field(
        0,
        ge=0,
        le=120,
        description="Months the planner also solves after the horizon, results cut to the "
        "horizon, so that commitments near its end are judged over their whole term "
        "(every schedule continues: growth_per_year compounds, a step holds its last value). "
        "0 = the plan stops at the horizon and terms are cut there. Set it to the longest "
        "reserved term (docs/decisions.md, end of the horizon).",
    )


class Accelerator(_Strict):
    """An accelerator type.

    Power convention (docs/decisions.md): an accelerator's watts are **IT watts** (chip,
    host, network and storage share, before facility overhead); a site's ``pue`` turns
    them into facility watts, once: facility W = IT W x pue. ``it_watts`` says so by its
    name; ``facility_watts`` is its older name with the same meaning (it has always been
    multiplied by the site's pue). Give exactly one of the two.
    """

    peak_flops: float = Field(gt=0, description="Peak dense FLOP/s of one accelerator.")
    it_watts: float | None = Field(
        None,
        gt=0,
        description="IT power of one accelerator with its host and network share, W, "
        "before facility overhead; facility power at a site = it_watts x the site's pue. "
        "Give this or facility_watts.",
    )
    facility_watts: float | None = Field(
        None,
        gt=0,
        description="Older name of it_watts, same meaning: multiplied by the site's pue. "
        "A figure that already includes the facility overhead (an all-in kW per GPU) "
        "must be divided by the PUE first, or PUE is counted twice.",
    )
    available_from: MonthField | None = Field(
        None, description="First month it can be installed; default the horizon start."
    )

    @property
    def it_power_w(self) -> float:
        """IT watts of one accelerator (``it_watts``, else ``facility_watts``).

        Raises:
            ValueError: neither is given (loading reports this as a located error).
        """
        watts = self.it_watts if self.it_watts is not None else self.facility_watts
        if watts is None:
            raise ValueError("an accelerator needs it_watts (or facility_watts)")
        return watts


class SkyPilotCloud(_Strict):
    """Where a provider's capacity is in SkyPilot (``gigawatt[skypilot]``)."""

    cloud: Name = Field(
        description="SkyPilot cloud name (aws, azure, gcp, oci, lambda, nebius, kubernetes...)."
    )


class SkyPilotRegion(_Strict):
    """Where a site is in SkyPilot (``gigawatt[skypilot]``)."""

    region: Name = Field(
        description="SkyPilot region of the provider's cloud (a context name on kubernetes)."
    )


class Provider(_Strict):
    """A company that sells or owns capacity."""

    kind: Literal["cloud", "neocloud", "owned"] = Field(
        description="cloud, neocloud (GPU cloud) or owned (the lab's own campuses)."
    )
    skypilot: SkyPilotCloud | None = Field(
        None,
        description="SkyPilot cloud; default the provider name when SkyPilot knows it "
        "(aliases such as google = gcp, oracle = oci), else kubernetes.",
    )


class _OfferBase(_Strict):
    accelerator: Name = Field(description="Accelerator type (a key of `accelerators`).")
    lead_months: int = Field(
        0, ge=0, le=600, description="Months after the horizon start before capacity exists."
    )
    available: ScheduleField = Field(
        description="Schedule of accelerators that can be installed (held or built) each month."
    )


class OnDemandOffer(_OfferBase):
    """Pay per accelerator-hour used."""

    pricing: Literal["on_demand"] = Field(description="on_demand: pay for what is used.")
    usd_per_hour: NonNegative = Field(description="Price per accelerator-hour used, USD.")


class ReservedOffer(_OfferBase):
    """Capacity taken in a month is paid for `term_months` from then."""

    pricing: Literal["reserved"] = Field(description="reserved: pay for the whole term.")
    usd_per_hour: NonNegative = Field(description="Price per accelerator-hour held, USD.")
    term_months: int = Field(ge=1, le=600, description="Months each reservation is paid for.")
    payment: Literal["monthly", "prepaid"] = Field(
        "monthly",
        description="When the reservation is paid (cash basis): monthly (each month of the "
        "term, as it is charged) or prepaid (the whole term, every month's hours x "
        "usd_per_hour, in the month it starts). Default monthly.",
    )


class BuildOffer(_OfferBase):
    """Owned capacity: built after a lead time, kept for a lifetime."""

    pricing: Literal["build"] = Field(description="build: capex straight-line plus opex.")
    capex_usd: NonNegative = Field(description="Capital cost per accelerator installed, USD.")
    opex_usd_per_hour: NonNegative = Field(
        description="Operating cost per accelerator-hour in existence, USD (electricity apart)."
    )
    lifetime_months: int = Field(ge=1, le=600, description="Months a built accelerator lasts.")
    deposit_share: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Share of capex paid when a build is ordered, lead_months before it is "
        "delivered (cash basis); the rest is paid in the month it is delivered. Default 0: "
        "all capex is paid on delivery. The accrual view spreads capex straight-line over "
        "lifetime_months whatever this is.",
    )


Offer = Annotated[OnDemandOffer | ReservedOffer | BuildOffer, Field(discriminator="pricing")]


class Site(_Strict):
    """A data centre or cloud region."""

    provider: Name = Field(description="Provider that sells or owns it (a key of `providers`).")
    power_mw: ScheduleField | None = Field(
        None, description="Schedule of the cap on facility power, MW; no cap when absent."
    )
    pue: float = Field(
        1.0,
        ge=1.0,
        le=3.0,
        description="Power usage effectiveness: facility W per IT W. Multiplies every "
        "accelerator's IT watts at this site (power cap, energy, electricity), clouds "
        "included; prices are the offers' and do not depend on it.",
    )
    electricity_usd_per_mwh: NonNegative = Field(
        0.0, description="Electricity price, USD per MWh; paid only on owned sites."
    )
    grid_gco2_per_kwh: NonNegative = Field(
        0.0, description="Grid carbon intensity, gCO2 per kWh, for emissions."
    )
    offers: list[Offer] = Field(description="What can be bought or built at the site.")
    skypilot: SkyPilotRegion | None = Field(
        None,
        description="SkyPilot region; default any region of the cloud (on kubernetes, the "
        "context named like the site).",
    )


class _WorkloadBase(_Strict):
    name: Name = Field(description="Unique workload name.")
    tags: list[Name] = Field(default_factory=list, description="Labels that clauses match.")
    accelerators: list[Name] | None = Field(
        None, description="Accelerator types it may use; default any."
    )


class InferenceWorkload(_WorkloadBase):
    """A product served continuously."""

    kind: Literal["inference"] = Field(description="inference: demand in FLOP/s each month.")
    demand_flops: ScheduleField = Field(description="Schedule of FLOP/s to serve.")
    utilization: float = Field(
        0.35, gt=0, le=1, description="Fraction of peak FLOP/s delivered when serving."
    )
    revenue_usd_per_month: ScheduleField | None = Field(
        None, description="Schedule of revenue when fully served, USD per month."
    )
    shortfall_usd_per_flop: ScheduleField | None = Field(
        None,
        description="Schedule of what one FLOP of this workload left unserved costs, USD "
        "(the value of the work, e.g. research); default penalties.shortfall_usd_per_flop. "
        "Only for a workload without revenue: a product loses its revenue instead.",
    )


class TrainingWorkload(_WorkloadBase):
    """A training run with a FLOP budget and a window."""

    kind: Literal["training"] = Field(description="training: a FLOP total inside a window.")
    flop: float = Field(gt=0, description="Total training compute, FLOP.")
    window: tuple[MonthField, MonthField] = Field(
        description="[first, last] month (inclusive) the run may use."
    )
    mfu: float = Field(0.40, gt=0, le=1, description="Model FLOP utilisation, fraction of peak.")
    single_site: bool = Field(True, description="Whether the run must use one site only.")
    shortfall_usd_per_flop: NonNegative | None = Field(
        None,
        description="What one FLOP of this run not delivered inside its window costs, USD "
        "(charged in the window's last month); default penalties.shortfall_usd_per_flop.",
    )


Workload = Annotated[InferenceWorkload | TrainingWorkload, Field(discriminator="kind")]


class _ClauseBase(_Strict):
    tags: list[Name] | None = Field(
        None, description="Workload tags covered; default every workload."
    )
    from_: MonthField | None = Field(
        None, alias="from", description="First month the clause applies; default horizon start."
    )
    until: MonthField | None = Field(
        None, description="Last month the clause applies (inclusive); default horizon end."
    )


class PinClause(_ClauseBase):
    """Covered workloads may use only the counterparty's capacity."""

    type: Literal["pin"] = Field(description="pin")


class ExclusiveClause(_ClauseBase):
    """Like pin, for every covered workload (usually all) inside the window."""

    type: Literal["exclusive"] = Field(description="exclusive")


class RightOfFirstRefusalClause(_ClauseBase):
    """Other providers only when the counterparty's capacity that month is fully taken."""

    type: Literal["right_of_first_refusal"] = Field(description="right_of_first_refusal")


class RevenueShareClause(_ClauseBase):
    """A share of covered workloads' revenue goes to the counterparty."""

    type: Literal["revenue_share"] = Field(description="revenue_share")
    percent: float = Field(
        ge=0, le=100, description="Share of covered revenue, percent (at `from`, see below)."
    )
    decline_per_year: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Fraction by which the percent falls each year from `from` (from the "
        "horizon start without it): in month m after it, percent x (1 - "
        "decline_per_year)^(m / 12). Default 0: flat.",
    )
    cap_usd: NonNegative | None = Field(
        None,
        description="Most paid in total under this clause, USD, from `from` (or the horizon "
        "start); once the share due on the covered products' full revenue reaches it, "
        "nothing more is paid. Default: no cap. Where the amount is unknown, write your "
        "best guess and sample it under `uncertainty` (contracts.NAME.clauses[i].cap_usd) "
        "in a forecast or sweep.",
    )


class MinSpendClause(_ClauseBase):
    """Spend with the counterparty inside the window is at least `usd` (take-or-pay)."""

    type: Literal["min_spend"] = Field(description="min_spend")
    usd: NonNegative = Field(description="Minimum spend inside the window, USD.")


Clause = Annotated[
    PinClause | ExclusiveClause | RightOfFirstRefusalClause | RevenueShareClause | MinSpendClause,
    Field(discriminator="type"),
]


class Contract(_Strict):
    """An agreement with one counterparty provider."""

    name: Name = Field(description="Unique contract name.")
    counterparty: Name = Field(description="Provider the clauses favour (a key of `providers`).")
    clauses: list[Clause] = Field(description="The clauses, in order.")


class Funding(_Strict):
    """A funding event."""

    month: MonthField = Field(description="Month the cash arrives.")
    usd: NonNegative = Field(description="Amount raised, USD.")


class EquityRound(_Strict):
    """An equity round the plan may draw on: up to `usd` in `month`, at a valuation."""

    name: Name = Field(description="Unique name of the instrument (among equity, debt, vendor).")
    month: MonthField = Field(description="Month the money arrives.")
    usd: NonNegative = Field(
        description="Most the round can raise, USD; a funded plan chooses how much (0 to this)."
    )
    pre_money_usd: float = Field(
        gt=0,
        description="Pre-money valuation, USD; raising X sells X / (pre_money_usd + X) of "
        "the company (the dilution reported).",
    )
    return_per_year: float = Field(
        ge=0,
        le=10,
        description="Return per year the new shareholders' stake is expected to earn, "
        "fraction: the stake, bought at the round's price, is worth X (1 + r)^y at the "
        "horizon's end, y years later; the plan's cost of the round is what that exceeds X "
        "by, X ((1 + r)^y - 1), valued at the horizon's end.",
    )


class DebtFacility(_Strict):
    """A credit line: draw up to a limit, pay interest monthly, repay by maturity."""

    name: Name = Field(description="Unique name of the instrument (among equity, debt, vendor).")
    limit_usd: NonNegative = Field(
        description="Most that may be outstanding at a month's end, USD."
    )
    rate_per_year: float = Field(
        ge=0,
        le=1,
        description="Interest per year, fraction; each month pays rate_per_year / 12 of the "
        "balance outstanding at the end of the month before.",
    )
    fee_percent: float = Field(
        0.0, ge=0, le=100, description="Fee on each draw, percent of the amount, paid when drawn."
    )
    from_: MonthField | None = Field(
        None, alias="from", description="First month it may be drawn; default horizon start."
    )
    tenor_months: int = Field(
        ge=1,
        le=600,
        description="Months from `from` to maturity: the balance is repaid in full in the "
        "month `from` + tenor_months (a maturity past the horizon leaves it outstanding).",
    )


class VendorFinancing(_Strict):
    """A supplier investing as its hardware is deployed (e.g. so many USD per GW)."""

    name: Name = Field(description="Unique name of the instrument (among equity, debt, vendor).")
    accelerators: list[Name] = Field(
        min_length=1, description="Accelerator types whose deployment earns the investment."
    )
    usd_per_gw: NonNegative = Field(
        description="Investment per GW of facility power newly reserved or built with those "
        "accelerators, USD, in the month the capacity starts."
    )
    max_usd: NonNegative = Field(description="Most the supplier invests in total, USD.")
    return_per_year: float = Field(
        0.0,
        ge=0,
        le=10,
        description="As for an equity round: the return the supplier's stake is expected to "
        "earn, fraction per year (0: the investment costs the plan nothing, e.g. warrants "
        "the supplier grants).",
    )
    from_: MonthField | None = Field(
        None, alias="from", description="First month it applies; default horizon start."
    )
    until: MonthField | None = Field(
        None, description="Last month it applies (inclusive); default horizon end."
    )


class Finance(_Strict):
    """Cash tracking, and the financing a funded plan may draw on."""

    cash_usd: float = Field(description="Cash at the start of the horizon, USD.")
    other_opex_usd_per_month: ScheduleField = Field(
        default_factory=lambda: Schedule.of(0.0),
        description="Schedule of spend other than compute (staff, R&D...), USD per month.",
    )
    funding: list[Funding] = Field(
        default_factory=list, description="Funding events (cash that arrives for certain)."
    )
    funded: bool = Field(
        False,
        description="Whether the plan must be funded: cash on the cash basis (compute as paid, "
        "see docs/funding.md) stays at or above cash_floor_usd every month, drawing on the "
        "instruments below at their cost, shedding demand or delaying builds when money runs "
        "out. `gigawatt plan --funded` sets it for one run.",
    )
    cash_floor_usd: float = Field(
        0.0, description="Least cash at any month's end in a funded plan, USD."
    )
    equity: list[EquityRound] = Field(
        default_factory=list, description="Equity rounds a funded plan may draw on."
    )
    debt: list[DebtFacility] = Field(
        default_factory=list, description="Credit facilities a funded plan may draw on."
    )
    vendor: list[VendorFinancing] = Field(
        default_factory=list,
        description="Supplier investment tied to deployment that a funded plan may take.",
    )


class Penalties(_Strict):
    """Penalties for work not done."""

    shortfall_usd_per_flop: NonNegative = Field(
        1.0e-15,
        description="Cost per FLOP of training (or revenue-less inference) not delivered, USD; "
        "a workload's own shortfall_usd_per_flop overrides it.",
    )


class SupplyLimits(_Strict):
    """Caps on the lab's total supply, e.g. what a market clears for it (`plan --market`)."""

    h100e: ScheduleField | None = Field(
        None,
        description="Schedule of the most H100-equivalents the lab may hold across every "
        "offer each month (installed accelerators x peak_flops / 9.89e14, the H100 SXM's "
        "dense BF16); no cap when absent.",
    )
    power_mw: ScheduleField | None = Field(
        None,
        description="Schedule of the most facility MW the lab's installed accelerators may "
        "draw across every site each month; no cap when absent.",
    )
    source: str = Field("", description="Where the limits come from (e.g. a market's name).")


class Scenario(_Strict):
    """A whole scenario: the world the planner, forecast and broker work on."""

    name: Name = Field(description="Scenario name.")
    as_of: MonthField | None = Field(
        None,
        description="Month the scenario's terms date from (YYYY-MM), e.g. the month an "
        "agreement was signed; `gigawatt history` puts scenarios in this order.",
    )
    horizon: Horizon = Field(description="Planning horizon.")
    discount_rate: float = Field(
        0.0, ge=0, le=1, description="Discount rate per year; month m weighs (1+r)^(-m/12)."
    )
    accelerators: dict[Name, Accelerator] = Field(description="Accelerator types by name.")
    providers: dict[Name, Provider] = Field(description="Providers by name.")
    sites: dict[Name, Site] = Field(description="Sites by name.")
    workloads: list[Workload] = Field(description="Training runs and inference products.")
    contracts: list[Contract] = Field(default_factory=list, description="Contracts.")
    finance: Finance | None = Field(None, description="Cash tracking; none when absent.")
    penalties: Penalties = Field(default_factory=Penalties, description="Shortfall penalties.")
    supply_limits: SupplyLimits | None = Field(
        None, description="Caps on the lab's total supply (all offers together); none when absent."
    )
    uncertainty: dict[str, Any] = Field(
        default_factory=dict,
        description="Key path -> distribution ({lognormal: {p50, p90}}, {normal: {mean, sd}}, "
        "{uniform: {low, high}}, {triangular: {low, mode, high}}, {chance: {p, low, high}}: 0 "
        "with probability 1 - p, e.g. a funding round that fails); optional "
        "`rank_correlation: [{between: [path, path], rho: r}]`.",
    )

    _source: str = PrivateAttr(default="<string>")
    _warnings: list[Problem] = PrivateAttr(default_factory=list)
    _raw: dict[str, Any] = PrivateAttr(default_factory=dict)
    _marks: Marks | None = PrivateAttr(default=None)

    @property
    def timeline(self) -> Timeline:
        """The months of the horizon."""
        return Timeline(self.horizon.start, self.horizon.months)

    @property
    def source(self) -> str:
        """File (or built-in name) the scenario was loaded from."""
        return self._source

    @property
    def raw(self) -> dict[str, Any]:
        """The plain data the scenario was validated from (a copy is safe to edit)."""
        return self._raw

    def locate(self, path: tuple[PathItem, ...]) -> Location:
        """Where a key path of the scenario sits in its file (line 0 when not known)."""
        if self._marks is None:
            return Location(self._source, 0, 0, format_path(path))
        return self._marks.locate(path)

    @property
    def warnings(self) -> list[Problem]:
        """Non-fatal problems found while loading."""
        return list(self._warnings)

    def facility_watts_at(self, accelerator: str, site: str) -> float:
        """Facility watts of one accelerator at a site: IT watts x the site's pue.

        The one place PUE is applied (power caps, energy, electricity, emissions), by
        :func:`gigawatt.scenario.power.facility_watts`.
        """
        return facility_watts(self.accelerators[accelerator].it_power_w, self.sites[site].pue)

    def workload(self, name: str) -> InferenceWorkload | TrainingWorkload:
        """The workload with this name.

        Raises:
            KeyError: no such workload.
        """
        for w in self.workloads:
            if w.name == name:
                return w
        raise KeyError(name)
