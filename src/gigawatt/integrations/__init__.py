"""Bridges from gigawatt to other tools; each needs its optional extra, loaded on use.

* :mod:`gigawatt.integrations.skypilot`: SkyPilot task files from broker placements and an
  admin policy that applies a scenario's clauses to SkyPilot requests
  (``pip install 'gigawatt[skypilot]'``).
"""

from __future__ import annotations

__all__: list[str] = []
