"""The market schema: world supply, power and demand by year, every number sourced.

A market file describes the world around one lab, year by year: accelerators shipped
by vendor family and the upstream limits that bind them (CoWoS advanced packaging,
HBM memory), AI data-centre power that can be energised by region, and the demand of
the leading labs and hyperscalers, with the contracts that give some of them priority.
Units live in key names (``_gw``, ``_kw``, ``_usd_per_...``); compute is counted in
H100-equivalents (``h100e``: dense BF16 FLOP/s relative to the H100 SXM's 989 TFLOP/s,
as Epoch AI counts it). Every series names the ``sources`` it comes from.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, PrivateAttr

from gigawatt.errors import InputError, Location, Problem
from gigawatt.market.series import Series
from gigawatt.market.strict import Name, SourceIds, Strict
from gigawatt.scenario.yamlmarks import Marks, PathItem, format_path

__all__ = [
    "Contract",
    "Family",
    "Lab",
    "Market",
    "PublicRecord",
    "Region",
    "Source",
    "Upstream",
]


class Source(Strict):
    """Where numbers come from."""

    title: str = Field(min_length=1, description="Publisher and title.")
    url: str = Field(
        "", description="Address of the page or dataset ('' for this file's arithmetic)."
    )
    date: str = Field("", description="Date of the statement or publication (YYYY-MM-DD or n.d.).")
    confidence: Literal["S1", "S2", "R", "I", "A"] = Field(
        description="S1 primary, S2 via a secondary report, R reported (unconfirmed), "
        "I inferred here from stated numbers (arithmetic in the note), A assumption "
        "(an estimate or extrapolation no source pins down)."
    )


class Family(Strict):
    """A vendor's accelerator family (one line of chips, averaged over its versions)."""

    vendor: Name = Field(description="Vendor name (nvidia, amd, google...).")
    h100e: float = Field(gt=0, le=100, description="H100-equivalents per accelerator.")
    it_kw: float = Field(
        gt=0,
        le=50,
        description="IT kW per accelerator with its host and network share, before "
        "facility overhead (the market's pue multiplies it, once).",
    )
    cowos_wafers_per_unit: float = Field(
        ge=0, le=10, description="CoWoS wafers per accelerator (0: not packaged on CoWoS)."
    )
    hbm_gb: float = Field(ge=0, le=10_000, description="HBM per accelerator, GB.")
    usd_per_unit: float = Field(
        ge=0,
        description="Price of one accelerator, USD: what the market avoids delivering when "
        "a chip would serve nothing (chips shipped are sold; their scarcity rent is their "
        "price pressure).",
    )
    shipments: Series = Field(description="Accelerators shipped in each year (units).")
    source: SourceIds = Field(description="Sources of h100e, it_kw, packaging, HBM and price.")
    note: str = Field("", description="How the per-unit figures follow from the sources.")


class Upstream(Strict):
    """Limits upstream of the chips, shared by every family."""

    cowos_wafers: Series | None = Field(
        None,
        description="CoWoS wafers available to AI accelerators each year; no limit when absent.",
    )
    hbm_gb: Series | None = Field(
        None, description="HBM available to AI accelerators each year, GB; no limit when absent."
    )


class Region(Strict):
    """A region's AI data-centre power."""

    power_gw: Series = Field(
        description="Facility GW of AI data-centre capacity that can be energised by the end of "
        "each year (a stock)."
    )
    usd_per_gw_year: float = Field(
        ge=0, description="Cost of one facility GW for a year (energy and facility), USD."
    )


class Lab(Strict):
    """A buyer of compute: a lab, a hyperscaler, or the rest of the market."""

    h100e: Series = Field(
        description="Installed compute it wants at the end of each year on its trend, H100e."
    )
    usd_per_h100e_year: float = Field(
        gt=0, description="Willingness to pay for one H100e for a year, USD (its bid)."
    )
    regions: list[Name] | None = Field(
        None, description="Regions whose power it may use; default every region."
    )
    families: list[Name] | None = Field(
        None, description="Families it may buy (export controls, own chips); default every family."
    )


class Contract(Strict):
    """Capacity a lab has contracted from a family: served first, before any bidding."""

    name: Name = Field(description="Unique contract name.")
    lab: Name = Field(description="The buyer (a key of `labs`).")
    family: Name = Field(description="The family contracted (a key of `families`).")
    power_gw: Series = Field(
        description="Facility GW of that family the lab has installed by the end of each year "
        "under the contract (cumulative)."
    )


class PublicRecord(Strict):
    """Figures of the public record the built-in is checked against (tests/market)."""

    year: int = Field(ge=1990, le=2200, description="Year of the figures.")
    data_centre_twh: float = Field(gt=0, description="World data-centre electricity, TWh.")
    ai_share: float = Field(
        gt=0, le=1, description="Share of it used by AI accelerators (accelerated servers)."
    )
    tolerance: float = Field(
        gt=0, le=1, description="Relative tolerance of the market's AI electricity against it."
    )
    source: SourceIds = Field(description="Sources of the figures.")


class Market(Strict):
    """A market: the world's AI compute supply and demand around one lab."""

    name: Name = Field(description="Market name.")
    years: tuple[int, int] = Field(description="[first, last] year cleared (inclusive).")
    lab: Name = Field(description="The lab the answers are about (a key of `labs`).")
    rule: Literal["pro_rata", "price"] = Field(
        "pro_rata",
        description="After contracts: pro_rata (every buyer gets the same fraction of its "
        "demand) or price (highest bids first; equal bids pro rata).",
    )
    lifetime_years: int = Field(
        ge=1, le=20, description="Years an accelerator stays in service (shipped year included)."
    )
    pue: float = Field(ge=1, le=3, description="Facility W per IT W of AI data centres.")
    load_factor: float = Field(
        gt=0, le=1, description="Average draw of installed accelerators, share of their IT kW."
    )
    sources: dict[Name, Source] = Field(description="Sources by id.")
    families: dict[Name, Family] = Field(description="Accelerator families by name.")
    upstream: Upstream = Field(default_factory=Upstream, description="Packaging and memory.")
    regions: dict[Name, Region] = Field(description="Regions by name.")
    labs: dict[Name, Lab] = Field(description="Buyers by name.")
    contracts: list[Contract] = Field(default_factory=list, description="Priority contracts.")
    record: PublicRecord | None = Field(None, description="Public record to check against.")
    uncertainty: dict[str, Any] = Field(
        default_factory=dict,
        description="Key path of a number of this file (`regions.us.power_gw.growth_per_year`) "
        "-> distribution ({lognormal: {p50, p90}}, {normal: {mean, sd}}, {uniform: {low, "
        "high}}, {triangular: {low, mode, high}}), sampled by `gigawatt market --samples N`.",
    )

    _source: str = PrivateAttr(default="<string>")
    _raw: dict[str, Any] = PrivateAttr(default_factory=dict)
    _marks: Marks | None = PrivateAttr(default=None)

    def with_rule(self, rule: str) -> Market:
        """The same market cleared by another rule.

        Raises:
            InputError: the rule is not pro_rata or price.
        """
        if rule not in ("pro_rata", "price"):
            raise InputError(f"unknown rule '{rule}'; use pro_rata or price")
        other = self.model_copy(update={"rule": rule})
        other._source, other._marks, other._raw = self._source, self._marks, self._raw
        return other

    @property
    def marks(self) -> Marks:
        """Positions of the keys in the market's file (empty when built from data)."""
        return self._marks if self._marks is not None else Marks(self._source)

    def with_data(self, data: dict[str, Any]) -> Market:
        """Another market validated from edited data of this one, located in its file.

        Raises:
            ScenarioError: the data is not a valid market.
        """
        from pydantic import ValidationError

        from gigawatt.errors import ScenarioError
        from gigawatt.market.checks import reference_problems
        from gigawatt.scenario.errors_map import problems_from_validation

        try:
            other = Market.model_validate(data)
        except ValidationError as exc:
            raise ScenarioError(problems_from_validation(exc, data, self.marks, Market)) from None
        other._source, other._marks, other._raw = self._source, self._marks, data
        problems = reference_problems(other)
        if problems:
            raise ScenarioError(problems)
        return other

    @property
    def raw(self) -> dict[str, Any]:
        """The plain data the market was validated from (copy it before editing)."""
        return self._raw

    @property
    def year_list(self) -> list[int]:
        """Every year cleared, in order."""
        return list(range(self.years[0], self.years[1] + 1))

    @property
    def source(self) -> str:
        """File (or built-in name) the market was loaded from."""
        return self._source

    def locate(self, path: tuple[PathItem, ...]) -> Location:
        """Where a key path sits in the market's file (line 0 when not known)."""
        if self._marks is None:
            return Location(self._source, 0, 0, format_path(path))
        return self._marks.locate(path)

    def problem(self, path: tuple[PathItem, ...], message: str, hint: str) -> Problem:
        """A located problem at ``path``."""
        return Problem(self.locate(path), message, hint)
