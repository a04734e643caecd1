"""Every site of the built-in scenarios has a sourced grid intensity (issue #14).

Read from the raw YAML (no gigawatt code): each site carries ``grid_gco2_per_kwh``,
its comment cites EPA eGRID2023, and the value is the cited lb/MWh rate converted to
g/kWh (1 lb/MWh = 0.45359237 g/kWh), or the megawatt-weighted mean of two cited rates.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

BUILTIN = Path(__file__).resolve().parents[2] / "src" / "gigawatt" / "scenario" / "builtin"
LB_PER_MWH = 0.45359237  # g/kWh per lb/MWh


@pytest.mark.parametrize("name", ["frontier-lab-2025.yaml", "frontier-lab-2025-10.yaml"])
def test_every_site_has_a_sourced_grid_intensity(name: str) -> None:
    text = (BUILTIN / name).read_text(encoding="utf-8")
    sites = yaml.safe_load(text)["sites"]
    lines = {m.group(1): m for m in re.finditer(r"^  ([a-z0-9-]+):", text, re.M)}
    for site, spec in sites.items():
        value = spec.get("grid_gco2_per_kwh")
        assert value and value > 0, f"{name}: {site} has no grid intensity"
        start = lines[site].end()
        block = text[start : text.find("\n  ", text.find("grid_gco2_per_kwh", start))]
        line = next(x for x in block.splitlines() if "grid_gco2_per_kwh" in x)
        assert "eGRID2023" in line, f"{name}: {site}: the intensity cites no source"
        rates = [float(r.replace(",", "")) for r in re.findall(r"([\d,]+\.\d) lb/MWh", line)]
        assert rates, f"{name}: {site}: no lb/MWh rate quoted"
        if len(rates) == 1:
            assert value == round(rates[0] * LB_PER_MWH), (site, value, rates)
        else:  # two regions weighted by their megawatts, quoted as "weighted A / B MW"
            weights = re.search(r"weighted ([\d,]+) / ([\d,]+) MW", line)
            assert weights, site
            a, b = (float(w.replace(",", "")) for w in weights.groups())
            mean = (rates[0] * a + rates[1] * b) / (a + b) * LB_PER_MWH
            assert value == round(mean), (site, value, mean)
