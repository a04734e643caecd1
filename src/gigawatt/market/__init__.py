"""The market view: every lab's demand against the world's chips, packaging, memory and power."""

from __future__ import annotations

import typing as _typing

from gigawatt.lazyexports import lazy_exports as _lazy_exports

if _typing.TYPE_CHECKING:
    from gigawatt.market.load import DEFAULT_MARKET, load_market, market_names, parse_market
    from gigawatt.market.schema import Market

__all__ = ["DEFAULT_MARKET", "Market", "load_market", "market_names", "parse_market"]

__getattr__, __dir__ = _lazy_exports(
    __name__,
    {
        "DEFAULT_MARKET": "gigawatt.market.load",
        "load_market": "gigawatt.market.load",
        "market_names": "gigawatt.market.load",
        "parse_market": "gigawatt.market.load",
        "Market": "gigawatt.market.schema",
    },
)
