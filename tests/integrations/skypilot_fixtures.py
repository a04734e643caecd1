"""Helpers of the SkyPilot integration tests (a unique name: other test folders have a
``conftest`` module too)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
SCENARIO = str(HERE / "scenario.yaml")


def placement(**over: Any) -> dict[str, Any]:
    """A placed placement as ``gigawatt broker place --json`` prints it."""
    base: dict[str, Any] = {
        "id": 12,
        "status": "placed",
        "team": "lab",
        "tags": ["api"],
        "accelerator": "H100",
        "count": 16,
        "start": "2026-01-01T00:00:00Z",
        "end": "2026-01-01T02:00:00Z",
        "single_site": True,
        "site": "azure-east",
        "provider": "azure",
        "offer": "azure-east/H100/reserved",
        "offer_id": None,
        "clause": None,
        "reason": "cheapest site with room",
        "created_at": "2026-01-01T00:00:00Z",
    }
    base.update(over)
    return base
