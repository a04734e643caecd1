"""The market view: every lab's demand against the world's chips, packaging, memory and power."""

from __future__ import annotations

import typing as _typing

from gigawatt.lazyexports import lazy_exports as _lazy_exports

if _typing.TYPE_CHECKING:
    from gigawatt.market.answers import analyze_market
    from gigawatt.market.load import (
        DEFAULT_MARKET,
        load_market,
        market_names,
        market_text,
        parse_market,
    )
    from gigawatt.market.result import MarketResult
    from gigawatt.market.schema import Market

__all__ = [
    "DEFAULT_MARKET",
    "Market",
    "MarketResult",
    "analyze_market",
    "load_market",
    "market_names",
    "market_text",
    "parse_market",
]

__getattr__, __dir__ = _lazy_exports(
    __name__,
    {
        "analyze_market": "gigawatt.market.answers",
        "MarketResult": "gigawatt.market.result",
        "market_text": "gigawatt.market.load",
        "DEFAULT_MARKET": "gigawatt.market.load",
        "load_market": "gigawatt.market.load",
        "market_names": "gigawatt.market.load",
        "parse_market": "gigawatt.market.load",
        "Market": "gigawatt.market.schema",
    },
)
