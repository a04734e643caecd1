"""Response bodies of the dashboard's read endpoints (they document its OpenAPI schema)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = [
    "CapacitySummaryOut",
    "CapacitySummaryRow",
    "MeOut",
    "PlanChartOut",
    "PlanOut",
    "RecentOut",
]


class MeOut(BaseModel):
    """Who the token belongs to."""

    role: str = Field(description="team, provider or admin.")
    name: str
    provider: str | None = Field(None, description="The provider a provider token speaks for.")
    principal_id: int = Field(description="The principal (owner) id.")
    token_id: int | None = Field(None, description="The token's id (None: bootstrap admin).")
    scenario: str


class CapacitySummaryRow(BaseModel):
    """One site and accelerator type: capacity and bookings per slot (accelerators)."""

    provider: str
    site: str
    accelerator: str
    drained: bool
    capacity: list[int]
    booked: list[int]


class CapacitySummaryOut(BaseModel):
    """Capacity by site and provider over consecutive hour slots."""

    start: str
    end: str
    slots: list[str]
    rows: list[CapacitySummaryRow]


class RecentOut(BaseModel):
    """A placement with where it is held while an offer is pending."""

    id: int
    status: str
    team: str
    tags: list[str]
    accelerator: str | None = None
    count: int | None = None
    start: str
    end: str
    site: str | None = None
    provider: str | None = None
    fallback_site: str | None = Field(None, description="Holds it while an offer is pending.")
    offered_site: str | None = Field(None, description="The counterparty's site offered.")
    offer_id: int | None = None
    offer_deadline: str | None = None
    clause: str | None = Field(None, description="The clause that drove the decision.")
    reason: str | None = None
    created_at: str
    updated_at: str


class PlanChartOut(BaseModel):
    """One chart of the loaded plan, as the figure ``Plotly.newPlot`` takes."""

    id: str
    title: str
    caption: str
    notes: list[str]
    figure: dict[str, Any]


class PlanOut(BaseModel):
    """The loaded plan's charts, or how to load one."""

    loaded: bool
    directory: str | None = None
    title: str | None = None
    meta: list[str]
    summary: list[str]
    answer: dict[str, Any] | None = Field(
        None,
        description="What the lab needs per year and who supplies it: id, title, columns "
        "(the years), rows (label then one value per year), note.",
    )
    charts: list[PlanChartOut]
    hint: str | None = None
