"""Month figures of :mod:`gigawatt.plan.figures` on a capacity table written by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from gigawatt.plan.figures import installed_in_month, suppliers

CAPACITY = pd.DataFrame(
    {
        "offer": ["a/0", "b/0", "a/0", "b/0"],
        "provider": ["azure", "oci", "azure", "oci"],
        "month": ["2025-11", "2025-11", "2025-12", "2025-12"],
        "installed": [1000.0, 0.0, 1000.0, 500.0],
        "used": [800.0, 0.0, 1000.0, 0.4],
        "installed_mw": [2.1, 0.0, 2.1, 0.9],
    }
)


def test_installed_in_month_sums_every_offer() -> None:
    # 2025-12: 1000 + 500 accelerators; 2.1 + 0.9 = 3.0 MW = 0.003 GW; a year of it:
    # 0.003 GW x 8,766 h = 26.298 GWh = 0.026298 TWh.
    got = installed_in_month({"capacity": CAPACITY}, "2025-12")
    assert got["accelerators"] == pytest.approx(1500.0)
    assert got["gw"] == pytest.approx(0.003)
    assert got["twh_per_year"] == pytest.approx(0.026298)
    assert installed_in_month({"capacity": CAPACITY}, "2026-01")["gw"] == 0.0


def test_suppliers_are_providers_with_an_accelerator_in_use() -> None:
    # oci's 0.4 accelerators in use in 2025-12 are below half of one: not a supplier.
    assert suppliers({"capacity": CAPACITY}, "2025") == ["azure"]
    assert suppliers({"capacity": CAPACITY}, "2026") == []
