"""FOCUS exports: the specification's required columns, allowed values and totals.

Required columns are those with Feature Level "Mandatory" in the FinOps FOCUS
specification (https://focus.finops.org): the Cost and Usage dataset of FOCUS 1.0,
1.1 and 1.2, plus the two provider columns FOCUS 1.3 adds (ServiceProviderName,
HostProviderName); and the Contract Commitment dataset introduced in FOCUS 1.3.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from report_support import Built

# FOCUS 1.0-1.2 Cost and Usage, Feature Level "Mandatory" (1.0 and 1.1 had the same
# list; 1.2 kept it; 1.3 deprecates ProviderName/PublisherName for the two below).
FOCUS_COST_MANDATORY_1_2 = {
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "ContractedCost",
    "EffectiveCost",
    "InvoiceIssuerName",
    "ListCost",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "ServiceCategory",
    "ServiceName",
}
# FOCUS 1.3 Cost and Usage: Mandatory columns added in 1.3.
FOCUS_COST_MANDATORY_1_3_NEW = {"ServiceProviderName", "HostProviderName"}
# Conditional columns whose condition holds for a plan (commitment discounts for
# reserved capacity, regions, resources, SKUs, usage measurement, contract commitments).
FOCUS_COST_CONDITIONAL_APPLICABLE = {
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountQuantity",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "CommitmentDiscountUnit",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractApplied",
    "PricingCategory",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "SkuId",
    "SkuPriceId",
}
# FOCUS 1.3 Contract Commitment dataset: every column is Mandatory.
FOCUS_COMMITMENT_MANDATORY_1_3 = {
    "BillingCurrency",
    "ContractCommitmentCategory",
    "ContractCommitmentCost",
    "ContractCommitmentDescription",
    "ContractCommitmentId",
    "ContractCommitmentPeriodEnd",
    "ContractCommitmentPeriodStart",
    "ContractCommitmentQuantity",
    "ContractCommitmentType",
    "ContractCommitmentUnit",
    "ContractId",
    "ContractPeriodEnd",
    "ContractPeriodStart",
}
# Columns the specification says MUST NOT be null.
COST_NOT_NULL = {
    "BilledCost",
    "BillingAccountId",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "ContractedCost",
    "EffectiveCost",
    "HostProviderName",
    "InvoiceIssuerName",
    "ListCost",
    "ProviderName",
    "PublisherName",
    "ServiceCategory",
    "ServiceName",
    "ServiceProviderName",
}
ISO_UTC = r"^\d{4}-\d{2}-01T00:00:00Z$"


@pytest.fixture(scope="module")
def cost(built: Built) -> pd.DataFrame:
    return pd.read_csv(built.export_dir / "focus_cost_and_usage.csv")


@pytest.fixture(scope="module")
def commitments(built: Built) -> pd.DataFrame:
    return pd.read_csv(built.export_dir / "focus_contract_commitments.csv")


def test_cost_has_the_required_columns(cost: pd.DataFrame) -> None:
    columns = set(cost.columns)
    assert columns >= FOCUS_COST_MANDATORY_1_2, FOCUS_COST_MANDATORY_1_2 - columns
    assert columns >= FOCUS_COST_MANDATORY_1_3_NEW
    assert columns >= FOCUS_COST_CONDITIONAL_APPLICABLE
    custom = [
        c for c in columns if c not in FOCUS_COST_MANDATORY_1_2 | FOCUS_COST_MANDATORY_1_3_NEW
    ]
    # Anything not in the spec's column library carries the x_ prefix.
    assert all(c[0].isupper() or c.startswith("x_") for c in custom)


def test_cost_values_follow_the_spec(cost: pd.DataFrame) -> None:
    assert len(cost) > 0
    for col in COST_NOT_NULL:
        assert cost[col].notna().all(), col
    assert set(cost["BillingCurrency"]) == {"USD"}
    assert set(cost["ChargeCategory"]) <= {"Usage", "Purchase", "Tax", "Credit", "Adjustment"}
    assert set(cost["ChargeFrequency"]) <= {"One-Time", "Recurring", "Usage-Based"}
    assert set(cost["PricingCategory"].dropna()) <= {"Standard", "Dynamic", "Committed", "Other"}
    assert cost["ChargeClass"].isna().all()  # no corrections in a plan
    for col in ("BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd"):
        assert cost[col].str.match(ISO_UTC).all(), col
    assert (cost["ChargePeriodEnd"] > cost["ChargePeriodStart"]).all()
    usage = cost[cost["ChargeCategory"].isin(["Usage", "Purchase"])]
    assert usage["PricingQuantity"].notna().all() and usage["PricingUnit"].notna().all()
    reserved = cost[cost["CommitmentDiscountId"].notna()]
    assert set(reserved["CommitmentDiscountStatus"]) <= {"Used", "Unused"}
    assert set(reserved["CommitmentDiscountCategory"]) == {"Usage"}


def test_cost_totals_match_the_plan(built: Built, cost: pd.DataFrame) -> None:
    spend = pd.read_parquet(built.plan_dir / "spend.parquet")
    assert cost["BilledCost"].sum() == pytest.approx(spend["usd"].sum(), rel=1e-9)
    assert cost["x_PresentValueCost"].sum() == pytest.approx(
        spend["usd_discounted"].sum(), rel=1e-9
    )
    # reserved rent is split into used and unused parts that add up
    rent = spend[(spend["pricing"] == "reserved") & (spend["kind"] == "rent")]["usd"].sum()
    assert cost[cost["CommitmentDiscountId"].notna()]["BilledCost"].sum() == pytest.approx(rent)
    by_provider = cost.groupby("ProviderName")["BilledCost"].sum()
    assert set(by_provider.index) == {"azure", "oci", "campus"}


def test_contract_applied_links_charges_to_the_min_spend(cost: pd.DataFrame) -> None:
    applied = cost[cost["ContractApplied"].notna()]
    assert len(applied) > 0
    for text, month, provider, usd in zip(
        applied["ContractApplied"],
        applied["ChargePeriodStart"],
        applied["ProviderName"],
        applied["BilledCost"],
        strict=True,
    ):
        elements = json.loads(text)["Elements"]
        assert provider == "azure" and month < "2026"
        assert elements[0]["ContractId"] == "ms"
        assert elements[0]["ContractCommitmentId"] == "ms[2]"
        assert elements[0]["ContractCommitmentAppliedCost"] == pytest.approx(usd, abs=0.01)
    shortfall = cost[cost["x_GigawattKind"] == "min_spend_shortfall"]
    assert len(shortfall) == 1
    # FOCUS 1.3: the unused part of a commitment names it as its ResourceId
    assert shortfall["ResourceId"].iloc[0] == "ms[2]"


def test_commitments_have_the_required_columns(commitments: pd.DataFrame) -> None:
    columns = set(commitments.columns)
    assert columns >= FOCUS_COMMITMENT_MANDATORY_1_3, FOCUS_COMMITMENT_MANDATORY_1_3 - columns
    assert set(commitments["ContractCommitmentCategory"]) == {"Spend", "Usage"}
    for col in ("ContractCommitmentId", "ContractId", "ContractCommitmentType"):
        assert commitments[col].notna().all()
    for col in ("ContractCommitmentPeriodStart", "ContractPeriodEnd"):
        assert commitments[col].str.match(ISO_UTC).all()
    # a usage commitment has a quantity and unit; a spend commitment a cost
    usage = commitments[commitments["ContractCommitmentCategory"] == "Usage"]
    assert usage["ContractCommitmentQuantity"].notna().all()
    assert set(usage["ContractCommitmentUnit"]) == {"Accelerator-Hours"}


def test_min_spend_commitment_and_shortfall(built: Built, commitments: pd.DataFrame) -> None:
    row = commitments[commitments["ContractCommitmentId"] == "ms[2]"].iloc[0]
    assert row["ContractCommitmentCost"] == pytest.approx(6.0e7)
    assert row["ContractCommitmentPeriodStart"] == "2025-01-01T00:00:00Z"
    assert row["ContractCommitmentPeriodEnd"] == "2026-01-01T00:00:00Z"
    spend = pd.read_parquet(built.plan_dir / "spend.parquet")
    paid = spend[spend["kind"] == "min_spend_shortfall"]["usd"].sum()
    assert row["x_ShortfallInHorizon"] == pytest.approx(paid)
    # take-or-pay: what was spent plus the shortfall is at least the commitment
    assert row["x_SpentInHorizon"] + row["x_ShortfallInHorizon"] >= 6.0e7 * (1 - 1e-6)


def test_reservations_match_capacity(built: Built, commitments: pd.DataFrame) -> None:
    cap = pd.read_parquet(built.plan_dir / "capacity.parquet")
    new = cap[(cap["pricing"] == "reserved") & (cap["new"] > 1e-6)]
    usage = commitments[commitments["ContractCommitmentCategory"] == "Usage"]
    assert len(usage) == len(new)
    # each reservation: accelerators x hours of its 6-month term x $2/h
    assert list(usage["ContractCommitmentCost"]) == pytest.approx(
        list(usage["ContractCommitmentQuantity"] * 2.0)
    )


def test_no_focus_commitments_without_a_scenario(tmp_path: Path, bare_plan_dir: Path) -> None:
    from gigawatt.report import load_results, write_focus

    results = load_results(bare_plan_dir)  # its source, tiny.yaml, does not exist
    written = write_focus(results, tmp_path)
    assert [p.name for p in written] == ["focus_cost_and_usage.csv"]
