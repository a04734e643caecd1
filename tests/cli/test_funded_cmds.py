"""``gigawatt plan --funded`` and ``gigawatt clauses --funded`` through the console script.

The scenario is tests/plan/test_funded.py's funding-cap case (its optimum worked by hand
there: objective $3.4M, $1.2M of revenue lost to a $600k credit line at 0%), with an
equity round of $0 whose limit the clauses command prices.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

GIGAWATT = str(Path(sys.executable).with_name("gigawatt"))

CAPPED = """
name: capped
horizon: {start: 2025-01, months: 3}
accelerators:
  X: {peak_flops: 1.0e15, facility_watts: 1000}
providers:
  own: {kind: owned}
sites:
  s:
    provider: own
    offers:
      - {accelerator: X, pricing: build, capex_usd: 3000, opex_usd_per_hour: 0,
         lifetime_months: 3, available: 1000}
workloads:
  - {name: api, kind: inference, demand_flops: 5.0e17, utilization: 0.5,
     revenue_usd_per_month: 1.5e6}
finance:
  cash_usd: 0
  debt:
    - {name: bank, limit_usd: 6.0e5, rate_per_year: 0.0, tenor_months: 12}
  equity:
    - {name: closed, month: 2025-01, usd: 0, pre_money_usd: 1.0e7, return_per_year: 9}
"""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GIGAWATT, *args], capture_output=True, text=True, timeout=600, check=False
    )


def test_plan_funded_answers_the_board(tmp_path: Path) -> None:
    f = tmp_path / "capped.yaml"
    f.write_text(CAPPED)
    out = run("plan", str(f), "--funded", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["funded"] is True
    assert data["objective_usd"] == pytest.approx(3.4e6, rel=1e-6)
    assert data["objective_unfunded_usd"] == pytest.approx(3.0e6, rel=1e-6)
    assert data["lost_revenue_to_funding_usd"] == pytest.approx(1.2e6, rel=1e-6)
    assert data["financing_cost_usd"] == pytest.approx(0.0, abs=1e-6)
    assert set(data["funding_needed_by_year"]) == {"2025"}
    assert data["min_cash_usd"] >= -1e-3
    text = run("plan", str(f), "--funded")
    assert text.returncode == 0, text.stderr
    assert "revenue lost to the funding limits" in " ".join(text.stdout.split())


def test_clauses_funded_prices_each_limit(tmp_path: Path) -> None:
    f = tmp_path / "capped.yaml"
    f.write_text(CAPPED)
    out = run("clauses", str(f), "--funded", "--json")
    assert out.returncode == 0, out.stderr
    limits = {(r["kind"], r["instrument"]): r for r in json.loads(out.stdout)["financing_limits"]}
    # objective = 4.0M - limit: one more dollar of credit is worth $1
    assert limits[("debt_limit", "bank")]["value_usd_per_usd"] == pytest.approx(1.0, rel=1e-6)
    # a dollar of equity in January acts as a dollar of credit ($1) and costs
    # (1 + 9)^(2/12) - 1 (its excess value at the horizon end, two months later)
    value = 1.0 - (10 ** (1 / 6) - 1.0)
    assert limits[("equity_limit", "closed")]["value_usd_per_usd"] == pytest.approx(value, rel=1e-6)


def test_funded_without_finance_is_a_clear_error(tmp_path: Path) -> None:
    f = tmp_path / "nofinance.yaml"
    f.write_text(CAPPED.split("finance:")[0])
    out = run("plan", str(f), "--funded")
    assert out.returncode != 0
    assert "finance:" in out.stderr + out.stdout
    assert "Traceback" not in out.stderr


def test_every_cash_the_user_sees_is_the_cash_recomputed_from_the_raw_tables(
    tmp_path: Path,
) -> None:
    # Cash has one definition (money in the bank: a build's capex paid on delivery).
    # Recompute it from the plan's raw CSV tables and the scenario's numbers, then check
    # the JSON summary, the year figures and the printed "lowest cash" line against it.
    # The accrual view (capex $1,000 a month for 3 months) would end January $2,000 an
    # accelerator richer, so none of these could pass on it.
    f = tmp_path / "capped.yaml"
    f.write_text(CAPPED)
    out = run("plan", str(f), "--funded", "--json", "--out", str(tmp_path / "o"), "--csv")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    cap = pd.read_csv(tmp_path / "o" / "capacity.csv").groupby("month")["new"].sum()
    short = pd.read_csv(tmp_path / "o" / "shortfall.csv").set_index("month")
    fin = pd.read_csv(tmp_path / "o" / "financing.csv")
    months = ["2025-01", "2025-02", "2025-03"]
    paid = cap.reindex(months, fill_value=0.0) * 3000.0  # capex on delivery, no opex/power
    revenue = short["served_fraction"].reindex(months) * 1.5e6
    flow = fin["drawn_usd"] - fin["repaid_usd"] - fin["interest_usd"] - fin["fees_usd"]
    financing = flow.groupby(fin["month"]).sum().reindex(months, fill_value=0.0)
    cash = (revenue - paid + financing).cumsum()  # no cash at the start
    assert paid.iloc[0] > 1.0e5  # the plan builds in January
    low_month = str(cash.idxmin())
    assert data["min_cash_usd"] == pytest.approx(float(cash.min()), abs=1e-2)
    assert data["min_cash_month"] == low_month
    totals = data["figures"]["totals"]
    assert totals["min_cash_usd"] == pytest.approx(float(cash.min()), abs=1e-2)
    year = data["figures"]["by_year"][0]
    assert year["cash_usd"] == pytest.approx(float(cash.iloc[-1]), rel=1e-9)
    assert year["min_cash_usd"] == pytest.approx(float(cash.min()), abs=1e-2)
    text = " ".join(run("plan", str(f), "--funded").stdout.split())
    assert f"lowest cash $0 in {low_month}" in text
