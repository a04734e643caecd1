"""The base model of every market input: frozen, no unknown keys, finite numbers."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Name", "SourceIds", "Strict"]

Name = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")]
SourceIds = Annotated[list[Name], Field(min_length=1)]


class Strict(BaseModel):
    """Frozen, unknown keys refused, NaN and infinity refused."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )
