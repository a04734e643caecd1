"""Defaults of the frontier-run conversion, readable without numpy (for ``--help``)."""

from __future__ import annotations

__all__ = ["DEFAULT_FACILITY_OVERHEAD", "DEFAULT_PUE", "EPOCH_TRAINING_DURATION_S"]

EPOCH_TRAINING_DURATION_S: float = 1.56e7
"""Epoch AI's median training duration for a 2030 frontier run, seconds (~6 months)."""

DEFAULT_FACILITY_OVERHEAD: float = 2.0
"""All-in facility watts per watt of chip TDP (Epoch GPU-clusters power estimates)."""

DEFAULT_PUE: float = 1.2
"""Facility watts per IT watt of the conversion (the built-in scenarios' hyperscale PUE).

Of the all-in ``DEFAULT_FACILITY_OVERHEAD``, the PUE is this and the server and network
share of the IT watts the rest (2.0 / 1.2 = 1.67 IT watts per chip watt)."""
