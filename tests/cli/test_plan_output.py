"""What `gigawatt plan` prints, as a pipe 80 columns wide sees it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

GIGAWATT = str(Path(sys.executable).with_name("gigawatt"))
LONG = "a-very-long-provider-name-for-testing"
NARROW = f"""
name: narrow-lab
horizon: {{start: 2025-06, months: 20}}
accelerators:
  H100: {{peak_flops: 9.89e14, facility_watts: 1400}}
providers:
  cloud: {{kind: cloud}}
  {LONG}: {{kind: cloud}}
sites:
  s1:
    provider: cloud
    grid_gco2_per_kwh: 400
    offers: [{{accelerator: H100, pricing: on_demand, usd_per_hour: 2, available: 3000}}]
  s2:
    provider: {LONG}
    grid_gco2_per_kwh: 300
    offers: [{{accelerator: H100, pricing: on_demand, usd_per_hour: 3, available: 3000}}]
workloads:
  - {{name: api, kind: inference, demand_flops: {{2025-06: 1.0e18, growth_per_year: 3}},
     utilization: 0.5, revenue_usd_per_month: 1.0e8}}
"""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1"}
    return subprocess.run(
        [GIGAWATT, *args], capture_output=True, text=True, timeout=600, env=env, check=False
    )


def test_the_answer_fits_80_columns_and_keeps_names_whole(tmp_path: Path) -> None:
    f = tmp_path / "narrow.yaml"
    f.write_text(NARROW)
    out = run("plan", str(f))
    assert out.returncode == 0, out.stderr
    lines = [line.rstrip() for line in out.stdout.splitlines()]
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    answer = lines[lines.index("What the lab needs, and who supplies it") :]
    labels = [line.split("  ")[0] for line in answer]
    assert f"{LONG} share of MW" in labels  # never split inside the name
    # a small lab: units follow the size (MW, GWh, tCO2 or ktCO2, thousands of H100s)
    assert "MW installed (peak)" in labels
    assert "energy GWh" in labels
    assert "H100-equivalents k" in labels
    emissions = next(x for x in labels if x.startswith("emissions "))
    assert emissions in ("emissions ktCO2", "emissions tCO2")


def test_a_scenario_string_is_printed_as_text_not_markup(tmp_path: Path) -> None:
    f = tmp_path / "markup.yaml"
    f.write_text(NARROW.replace("name: narrow-lab", 'name: "[bold]x[/bold] lab"'))
    out = run("plan", str(f))
    assert out.returncode == 2
    assert "'[bold]x[/bold] lab' is not a valid name" in out.stderr
