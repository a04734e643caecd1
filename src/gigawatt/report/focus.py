"""Spend and commitments in the FinOps FOCUS format (FOCUS 1.3, with 1.0-1.2 columns kept).

Two datasets, as CSV:

* **Cost and Usage** (``focus_cost_and_usage.csv``): one row per plan spend line
  (provider, offer, kind, month), reserved rent split into its used and unused parts.
  Every Mandatory column of FOCUS 1.0-1.3 is present, including ProviderName and
  PublisherName (deprecated in 1.3 in favour of ServiceProviderName and
  HostProviderName, kept so that 1.x tools read the file), plus the Conditional
  columns that apply (commitment discounts, regions, resources, SKUs, units,
  ContractApplied). gigawatt's own columns carry the ``x_`` prefix.
* **Contract Commitment** (``focus_contract_commitments.csv``, FOCUS 1.3): one row
  per min-spend clause and per reservation (see :mod:`gigawatt.report.commitments`).

Costs are nominal USD of the month; a plan's present values are in ``x_PresentValueCost``.
Charge periods are calendar months in UTC, end exclusive. The plan is a forecast of
charges, not an invoice, so invoice columns are left out.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gigawatt.report.data import ResultSet, records

__all__ = [
    "FOCUS_COMMITMENT_COLUMNS",
    "FOCUS_COST_COLUMNS",
    "FOCUS_VERSION",
    "focus_commitments",
    "focus_cost_and_usage",
    "month_start",
    "write_focus",
]

FOCUS_VERSION = "1.3"

FOCUS_COST_COLUMNS = (
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingAccountType",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
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
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "HostProviderName",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "ServiceProviderName",
    "ServiceSubcategory",
    "SkuId",
    "SkuMeter",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "Tags",
    "x_GigawattKind",
    "x_GigawattPricing",
    "x_PresentValueCost",
)

FOCUS_COMMITMENT_COLUMNS = (
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
    "InvoiceIssuerName",
    "ServiceProviderName",
    "x_CostInHorizon",
    "x_SpentInHorizon",
    "x_ShortfallInHorizon",
)

_UNIT_HOURS = "Accelerator-Hours"


def month_start(month: str, offset: int = 0) -> str:
    """ISO 8601 UTC start of a ``YYYY-MM`` month, ``offset`` months later."""
    year, mon = int(month[:4]), int(month[5:7]) - 1 + offset
    year, mon = year + mon // 12, mon % 12 + 1
    return f"{year:04d}-{mon:02d}-01T00:00:00Z"


def _hours(months: pd.Series) -> np.ndarray:
    start = pd.to_datetime(months, format="%Y-%m")
    end = start + pd.offsets.MonthBegin(1)
    return np.asarray((end - start).dt.total_seconds() / 3600.0, dtype=float)


def _lines(results: ResultSet) -> pd.DataFrame:
    """Spend lines with quantities: reserved rent split into used and unused parts."""
    spend = results.table("spend")
    if spend.empty:
        return spend.assign(status=pd.Series(dtype=object), quantity=pd.Series(dtype=float))
    cap = results.table("capacity")
    cols = ["offer", "month", "accelerator", "installed", "used", "installed_mw"]
    lines = spend.merge(cap[cols], on=["offer", "month"], how="left") if len(cap) else spend
    for col in cols[2:]:
        if col not in lines:
            lines[col] = np.nan
    lines["accelerator"] = lines["accelerator"].fillna("")
    hours = _hours(lines["month"])
    installed = lines["installed"].fillna(0.0).to_numpy()
    used = lines["used"].fillna(0.0).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        mw_each = np.where(installed > 0, lines["installed_mw"].fillna(0.0) / installed, 0.0)
        used_share = np.where(installed > 0, np.clip(used / installed, 0.0, 1.0), 1.0)
    kind = lines["kind"].to_numpy()
    quantity = np.where(
        kind == "capex",
        installed,
        np.where(
            kind == "electricity",
            used * mw_each * hours,
            np.where(kind == "min_spend_shortfall", lines["usd"], installed * hours),
        ),
    )
    consumed = np.where(kind == "electricity", quantity, used * hours)
    lines = lines.assign(status="", quantity=quantity, consumed=consumed, share=used_share)
    reserved = (lines["kind"] == "rent") & (lines["pricing"] == "reserved")
    used_part = lines[reserved].copy()
    unused_part = lines[reserved].copy()
    parts = (
        (used_part, used_part["share"], "Used"),
        (unused_part, 1 - unused_part["share"], "Unused"),
    )
    for part, share, status in parts:
        for col in ("usd", "usd_discounted", "quantity", "consumed"):
            part[col] = part[col] * share
        part["status"] = status
    unused_part["consumed"] = 0.0
    out = pd.concat([lines[~reserved], used_part, unused_part[unused_part["usd"] > 1e-6]])
    return out.sort_values(["month", "provider", "offer", "kind", "status"]).reset_index(drop=True)


def _spend_terms(commitments: pd.DataFrame | None) -> list[dict[str, Any]]:
    if commitments is None or commitments.empty:
        return []
    return records(commitments[commitments["category"] == "Spend"])


def _applied(row: dict[str, Any], spend_terms: list[dict[str, Any]]) -> str | None:
    elements = [
        {
            "ContractId": str(c["contract_id"]),
            "ContractCommitmentId": str(c["commitment_id"]),
            "ContractCommitmentAppliedCost": round(float(row["usd"]), 2),
        }
        for c in spend_terms
        if c["provider"] == row["provider"]
        and str(c["start"]) <= row["month"] <= str(c["end"])
        and (row["kind"] != "min_spend_shortfall" or row["offer"] == c["commitment_id"])
    ]
    return json.dumps({"Elements": elements}) if elements else None


_KINDS = {
    # kind -> (ChargeCategory, ChargeFrequency, ServiceCategory, ServiceSubcategory, unit)
    "rent": ("Usage", "Usage-Based", "Compute", "Other (Compute)", _UNIT_HOURS),
    "capex": ("Purchase", "Recurring", "Compute", "Other (Compute)", "Accelerator-Months"),
    "opex": ("Usage", "Recurring", "Compute", "Other (Compute)", _UNIT_HOURS),
    "electricity": ("Usage", "Usage-Based", "Other", "Other (Other)", "MWh"),
    "min_spend_shortfall": ("Usage", "One-Time", "Other", "Other (Other)", "USD"),
}
_PRICING = {"on_demand": "Standard", "reserved": "Committed", "build": "Standard"}
_RESOURCE_TYPE = {"min_spend_shortfall": "Contract commitment", "electricity": "Electricity"}


def _describe(row: dict[str, Any]) -> str:
    acc = f"{row['accelerator']} " if row["accelerator"] else ""
    if row["kind"] == "min_spend_shortfall":
        return f"Minimum-spend shortfall paid under {row['offer']} (take-or-pay)"
    if row["kind"] == "rent":
        what = (
            "reserved, unused part"
            if row["status"] == "Unused"
            else row["pricing"].replace("_", "-")
        )
        return f"{acc}accelerator rent at {row['site']} ({what})"
    if row["kind"] == "capex":
        return f"{acc}capital cost at {row['site']}, straight-line over the lifetime"
    if row["kind"] == "opex":
        return f"{acc}operating cost at {row['site']}"
    return f"Electricity for {acc}accelerators at {row['site']}"


def focus_cost_and_usage(results: ResultSet) -> pd.DataFrame:
    """The plan's spend as a FOCUS Cost and Usage dataset (see the module docstring)."""
    rows = []
    terms = _spend_terms(results.commitments)
    for r in records(_lines(results)):
        category, frequency, service_cat, service_sub, unit = _KINDS.get(
            str(r["kind"]), ("Usage", "Usage-Based", "Other", "Other (Other)", "Units")
        )
        usd, quantity = float(r["usd"]), float(r["quantity"])
        reserved = r["kind"] == "rent" and r["pricing"] == "reserved"
        unit_price = usd / quantity if quantity > 0 and r["kind"] != "min_spend_shortfall" else None
        is_usage = r["kind"] in ("rent", "opex", "electricity")
        resource = str(r["offer"]) if r["offer"] else None
        rows.append(
            {
                "BilledCost": usd,
                "BillingAccountId": r["provider"],
                "BillingAccountName": r["provider"],
                "BillingAccountType": "Provider account",
                "BillingCurrency": "USD",
                "BillingPeriodEnd": month_start(r["month"], 1),
                "BillingPeriodStart": month_start(r["month"]),
                "ChargeCategory": category,
                "ChargeClass": None,
                "ChargeDescription": _describe(r),
                "ChargeFrequency": frequency,
                "ChargePeriodEnd": month_start(r["month"], 1),
                "ChargePeriodStart": month_start(r["month"]),
                "CommitmentDiscountCategory": "Usage" if reserved else None,
                "CommitmentDiscountId": resource if reserved else None,
                "CommitmentDiscountName": f"{r['offer']} reservations" if reserved else None,
                "CommitmentDiscountQuantity": quantity if reserved else None,
                "CommitmentDiscountStatus": r["status"] if reserved else None,
                "CommitmentDiscountType": "Reserved capacity" if reserved else None,
                "CommitmentDiscountUnit": _UNIT_HOURS if reserved else None,
                "ConsumedQuantity": float(r["consumed"]) if is_usage else None,
                "ConsumedUnit": unit if is_usage else None,
                "ContractApplied": _applied(r, terms),
                "ContractedCost": usd,
                "ContractedUnitPrice": unit_price,
                "EffectiveCost": usd,
                "HostProviderName": r["provider"],
                "InvoiceIssuerName": r["provider"],
                "ListCost": usd,
                "ListUnitPrice": unit_price,
                "PricingCategory": _PRICING.get(str(r["pricing"]), "Committed"),
                "PricingQuantity": quantity,
                "PricingUnit": unit,
                "ProviderName": r["provider"],
                "PublisherName": r["provider"],
                "RegionId": r["site"] or None,
                "RegionName": r["site"] or None,
                "ResourceId": resource,
                "ResourceName": resource,
                "ResourceType": _RESOURCE_TYPE.get(str(r["kind"]), "Accelerator capacity"),
                "ServiceCategory": service_cat,
                "ServiceName": f"{r['accelerator']} accelerators"
                if r["accelerator"]
                else "Contract commitments",
                "ServiceProviderName": r["provider"],
                "ServiceSubcategory": service_sub,
                "SkuId": f"{r['offer']}/{r['kind']}" if r["offer"] else None,
                "SkuMeter": str(r["kind"]),
                "SkuPriceId": f"{r['offer']}/{r['kind']}" if r["offer"] else None,
                "SubAccountId": r["site"] or None,
                "SubAccountName": r["site"] or None,
                "Tags": json.dumps({"pricing": str(r["pricing"]), "kind": str(r["kind"])}),
                "x_GigawattKind": str(r["kind"]),
                "x_GigawattPricing": str(r["pricing"]),
                "x_PresentValueCost": float(r["usd_discounted"]),
            }
        )
    return pd.DataFrame(rows, columns=list(FOCUS_COST_COLUMNS))


def focus_commitments(commitments: pd.DataFrame) -> pd.DataFrame:
    """Commitments as a FOCUS 1.3 Contract Commitment dataset."""
    frame = pd.DataFrame(
        {
            "BillingCurrency": "USD",
            "ContractCommitmentCategory": commitments["category"],
            "ContractCommitmentCost": commitments["cost_usd"],
            "ContractCommitmentDescription": commitments["description"],
            "ContractCommitmentId": commitments["commitment_id"],
            "ContractCommitmentPeriodEnd": [month_start(str(m), 1) for m in commitments["end"]],
            "ContractCommitmentPeriodStart": [month_start(str(m)) for m in commitments["start"]],
            "ContractCommitmentQuantity": commitments["quantity"],
            "ContractCommitmentType": commitments["type"],
            "ContractCommitmentUnit": commitments["unit"],
            "ContractId": commitments["contract_id"],
            "ContractPeriodEnd": [month_start(str(m), 1) for m in commitments["contract_end"]],
            "ContractPeriodStart": [month_start(str(m)) for m in commitments["contract_start"]],
            "InvoiceIssuerName": commitments["provider"],
            "ServiceProviderName": commitments["provider"],
            "x_CostInHorizon": commitments["cost_in_horizon_usd"],
            "x_SpentInHorizon": commitments["spent_usd"],
            "x_ShortfallInHorizon": commitments["shortfall_usd"],
        },
        columns=list(FOCUS_COMMITMENT_COLUMNS),
    )
    return frame


def write_focus(results: ResultSet, directory: str | Path) -> list[Path]:
    """Write the FOCUS CSV files of a plan; the commitments file only when known.

    Returns:
        The files written (none for a forecast, which has no charges).
    """
    if results.kind != "plan":
        return []
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    cost = out / "focus_cost_and_usage.csv"
    focus_cost_and_usage(results).to_csv(cost, index=False)
    written = [cost]
    if results.commitments is not None:
        commit = out / "focus_contract_commitments.csv"
        focus_commitments(results.commitments).to_csv(commit, index=False)
        written.append(commit)
    return written
