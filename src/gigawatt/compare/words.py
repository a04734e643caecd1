"""Money and shares in words, as the comparison prints them."""

from __future__ import annotations

import math

__all__ = ["MONEY_METRICS", "money", "percent"]

#: The money columns of ``by_year`` and how the findings name them.
MONEY_METRICS = {
    "spend_usd": "spend",
    "cash_usd": "cash at year end",
    "lost_revenue_usd": "lost revenue (present value)",
    "revenue_share_usd": "revenue share paid",
    "min_spend_shortfall_usd": "minimum-spend shortfall paid",
}


def money(usd: float) -> str:
    """USD as billions with one decimal: ``$21.3B``, ``-$4.0B``."""
    sign = "-" if usd < -0.05e9 else ""
    return f"{sign}${abs(usd) / 1e9:,.1f}B"


def percent(share: float) -> str:
    """A share as a whole percentage (``27%``), ``n/a`` when undefined."""
    if not math.isfinite(share):
        return "n/a"
    text = f"{share:.0%}"
    return "0%" if text == "-0%" else text
