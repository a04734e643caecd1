"""Request and response bodies of the broker API (they make its OpenAPI schema)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from gigawatt.broker.hours import WHOLE_HOUR_PATTERN, hour_of

MAX_TTL_SECONDS = 10 * 366 * 86400  # the longest a token may live (ten years)

__all__ = [
    "MAX_COUNT",
    "MAX_FLOPS",
    "MAX_TTL_SECONDS",
    "MIN_UTILIZATION",
    "AuditOut",
    "CapacityRow",
    "DrainOut",
    "ErrorBody",
    "ErrorOut",
    "HealthOut",
    "HourTime",
    "Name",
    "OfferOut",
    "PlacementIn",
    "PlacementOut",
    "TokenIn",
    "TokenInfoOut",
    "TokenOut",
]

Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
HourTime = Annotated[
    str,
    Field(
        min_length=1,
        max_length=40,
        description="RFC 3339 time in UTC on a whole hour (Z or +00:00).",
        examples=["2026-01-01T00:00:00Z"],
        json_schema_extra={"format": "date-time", "pattern": WHOLE_HOUR_PATTERN},
    ),
]
MAX_COUNT = 100_000_000
MAX_FLOPS = 1e30
MIN_UTILIZATION = 0.01


def _not_null(value: object) -> object:
    if value is None:
        raise ValueError("null is not a value here; leave the field out instead")
    return value


def _instant_text(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError("write an RFC 3339 instant as a string, e.g. 2030-01-01T00:00:00Z")
    return value


# An instant in a JSON body: a string only (no Unix seconds), parsed to an aware datetime
# (strict models would refuse the string itself).
Instant = Annotated[AwareDatetime, BeforeValidator(_instant_text), Field(strict=False)]

# Optional in the body, but never null: one form per request, and the schema says so.
NotNull = BeforeValidator(_not_null)
PlacementStatus = Literal["placed", "offered", "rejected", "released", "displaced"]
OfferStatus = Literal["pending", "accepted", "declined", "expired", "withdrawn", "cancelled"]


class _In(BaseModel):
    # Strict: a JSON string or boolean is never turned into a number (nor a number into a
    # boolean); infinities and NaN are refused.
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


def _placement_schema(schema: dict[str, Any]) -> None:
    """State in the OpenAPI what the validators check: no nulls, count xor flops."""
    for name in ("accelerator", "count", "flops"):
        prop = schema["properties"][name]
        (kept,) = [v for v in prop.pop("anyOf") if v.get("type") != "null"]
        prop.update(kept)
        prop.pop("default", None)
    schema["oneOf"] = [
        {"required": ["count", "accelerator"], "not": {"required": ["flops"]}},
        {"required": ["flops"], "not": {"required": ["count"]}},
    ]


class PlacementIn(_In):
    """A placement request: count accelerators of one type, or FLOP/s, over [start, end).

    Give exactly one of ``count`` (with ``accelerator``) or ``flops``. ``start`` may not
    lie before the current UTC hour unless an admin back-fills (``backfill: true``).
    """

    model_config = ConfigDict(json_schema_extra=_placement_schema)

    tags: list[Name] = Field(
        default_factory=list, max_length=16, description="Workload tags the clauses match."
    )
    accelerator: Annotated[Name | None, NotNull] = Field(
        None, description="Accelerator type; required with count, optional with flops."
    )
    count: Annotated[int | None, NotNull] = Field(
        None, ge=1, le=MAX_COUNT, description="Accelerators (exactly one of count or flops)."
    )
    flops: Annotated[float | None, NotNull] = Field(
        None,
        gt=0,
        le=MAX_FLOPS,
        description="FLOP/s to deliver, instead of count (exactly one of count or flops); "
        f"the count it implies may not exceed {MAX_COUNT:,}.",
    )
    utilization: float = Field(
        0.35,
        ge=MIN_UTILIZATION,
        le=1,
        description="Fraction of peak delivered, to turn flops into a count.",
    )
    start: HourTime
    end: HourTime
    single_site: bool = Field(
        True, description="One site only (every placement uses one site; see the docs)."
    )
    backfill: bool = Field(
        False,
        description="Admin only: allow a start before the current hour (a back-filled record).",
    )

    @field_validator("start", "end")
    @classmethod
    def _whole_hour(cls, value: str) -> str:
        hour_of(value)
        return value

    @model_validator(mode="after")
    def _amount(self) -> PlacementIn:
        if (self.count is None) == (self.flops is None):
            raise ValueError("give exactly one of count (accelerators) or flops (FLOP/s)")
        if self.count is not None and self.accelerator is None:
            raise ValueError("count needs an accelerator type")
        if hour_of(self.end) <= hour_of(self.start):
            raise ValueError("end must be after start")
        return self


class PlacementOut(BaseModel):
    """A placement as the broker answers it."""

    id: int
    status: PlacementStatus
    site: str | None = None
    provider: str | None = None
    offer: str | None = Field(None, description="Offer key site/index while placed.")
    accelerator: str | None = None
    count: int | None = None
    start: str
    end: str
    offer_id: int | None = None
    offer_deadline: str | None = None
    offered_site: str | None = None
    clause: str | None = Field(None, description="The clause that drove the decision.")
    reason: str | None = None
    team: str | None = None
    tags: list[str] | None = None
    single_site: bool | None = None
    created_at: str | None = None


class OfferOut(BaseModel):
    """A right-of-first-refusal offer to a counterparty."""

    id: int
    placement_id: int
    provider: str
    site: str
    count: int
    start: str
    end: str
    status: OfferStatus
    clause: str
    deadline: str
    answered_at: str | None = None
    answered_by: str | None = None


class CapacityRow(BaseModel):
    """Capacity and bookings of one offer in one hour slot."""

    site: str
    provider: str
    accelerator: str
    offer: str
    slot: str
    capacity: int
    booked: int


class AuditOut(BaseModel):
    """One decision of the audit log."""

    id: int
    at: str
    actor: str = Field(description="Display name of who decided.")
    actor_id: int | None = Field(None, description="Principal id of who decided.")
    token_id: int | None = Field(
        None, description="Token used (empty: the bootstrap admin token, or system)."
    )
    action: str
    placement_id: int | None = None
    offer_id: int | None = None
    site: str | None = None
    clause: str | None = None
    detail: dict[str, Any]


class DrainOut(BaseModel):
    """What draining a site did."""

    site: str
    newly_drained: bool
    replaced: list[PlacementOut]
    displaced: list[PlacementOut]


class TokenIn(_In):
    """A token to create: for the principal of this role and name (made if new)."""

    role: Literal["team", "provider", "admin"]
    name: Name = Field(description="Team, provider-token or admin name (not admin/system).")
    provider: Name | None = Field(None, description="The provider a provider token speaks for.")
    ttl_seconds: int | None = Field(
        None, ge=1, le=MAX_TTL_SECONDS, description="Expire this many seconds from now."
    )
    expires_at: Instant | None = Field(
        None, description="Expire at this RFC 3339 instant (not with ttl_seconds)."
    )


class TokenInfoOut(BaseModel):
    """A token without its secret."""

    id: int
    principal_id: int = Field(description="The owner: placements belong to it.")
    role: str
    name: str
    provider: str | None = None
    state: Literal["active", "expired", "revoked"]
    created_at: str
    expires_at: str | None = None
    revoked_at: str | None = None


class TokenOut(TokenInfoOut):
    """A new token: the secret is shown once, only its digest is kept."""

    token: str


class HealthOut(BaseModel):
    """Liveness and what the server serves (``cause`` says why it is unavailable)."""

    status: Literal["ok", "unavailable"]
    scenario: str
    database: str
    cause: str | None = None


class ErrorBody(BaseModel):
    """What went wrong."""

    code: str
    message: str
    field: str | None = None


class ErrorOut(BaseModel):
    """Every 4xx answer."""

    error: ErrorBody
