"""Number formatting for people: money in $B/$M, counts in k/M, percentages."""

from __future__ import annotations

import math

__all__ = ["count", "money_unit", "pct", "power", "power_unit", "usd", "year_of"]


def usd(value: float, *, signed: bool = False) -> str:
    """Money with a sensible unit: ``$1.2T``, ``$350B``, ``$12.5M``, ``$900``."""
    if not math.isfinite(value):
        return "n/a"
    sign = "-" if value < 0 else ("+" if signed and value > 0 else "")
    v = abs(value)
    for unit, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if v >= scale:
            digits = 1 if v / scale < 100 else 0
            return f"{sign}${v / scale:,.{digits}f}{unit}"
    return f"{sign}${v:,.0f}"


def count(value: float) -> str:
    """A count with a unit: ``1.9M``, ``250k``, ``12``."""
    if not math.isfinite(value):
        return "n/a"
    v = abs(value)
    sign = "-" if value < 0 else ""
    for unit, scale in (("M", 1e6), ("k", 1e3)):
        if v >= scale:
            digits = 1 if v / scale < 100 else 0
            return f"{sign}{v / scale:,.{digits}f}{unit}"
    return f"{sign}{v:,.0f}"


def pct(value: float, digits: int = 0) -> str:
    """A fraction as a percentage: ``0.634 -> '63%'``; never ``-0%``.

    A value that rounds to zero at ``digits`` decimals prints as zero without a sign
    (solver noise such as -1e-9 MW makes a share a hair below zero).
    """
    if not math.isfinite(value):
        return "n/a"
    text = f"{value * 100:.{digits}f}"
    if text.lstrip("-") == f"{0:.{digits}f}":
        text = text.lstrip("-")
    return f"{text}%"


def year_of(month: str) -> int:
    """Year of a ``YYYY-MM`` label."""
    return int(month[:4])


def money_unit(largest: float) -> tuple[float, str]:
    """A scale and label for money axes whose largest magnitude is ``largest`` USD."""
    v = abs(largest) if math.isfinite(largest) else 0.0
    if v >= 1e9:
        return 1e9, "$B"
    if v >= 1e6:
        return 1e6, "$M"
    return 1e3, "$k"


def power_unit(largest_mw: float) -> tuple[float, str]:
    """A scale (MW per unit) and label for power: GW from 1 GW up, else MW."""
    return (1e3, "GW") if abs(largest_mw) >= 1e3 else (1.0, "MW")


def power(mw: float) -> str:
    """Power with a sensible unit: ``15.2 GW``, ``12.6 MW``."""
    scale, unit = power_unit(mw)
    return f"{mw / scale:,.1f} {unit}"
