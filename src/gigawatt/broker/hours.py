"""Hour slots: the broker's unit of time.

A slot is a whole UTC hour, numbered by hours since the Unix epoch (``1970-01-01T00Z``
is slot 0). A placement covers the half-open range ``[start, end)`` of slots. Times on
the wire are RFC 3339 instants in UTC on whole hours (``2026-01-01T00:00:00Z``; ``T`` and
``Z`` may be lower case, ``+00:00`` may stand for ``Z``, a fraction of zeros is allowed):
exactly :data:`WHOLE_HOUR_PATTERN`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from gigawatt.scenario.timeline import Month

__all__ = [
    "SECONDS_PER_HOUR",
    "WHOLE_HOUR_PATTERN",
    "hour_of",
    "iso_hour",
    "iso_seconds",
    "month_start_hour",
    "rfc3339_seconds",
]

SECONDS_PER_HOUR = 3600
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
WHOLE_HOUR_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:00:00(\.0+)?([Zz]|[+-]00:00)$"
_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def hour_of(text: str | datetime) -> int:
    """Slot number of an RFC 3339 UTC time on a whole hour (or of an aware datetime).

    Raises:
        ValueError: not an RFC 3339 time, not a date, not UTC, or not on a whole hour
            (the message says which).
    """
    if isinstance(text, str) and len(text) <= 40:
        return _hour_of_text(text)  # the same few hundred times arrive again and again
    return _hour_of(text)


@lru_cache(maxsize=8192)
def _hour_of_text(text: str) -> int:
    return _hour_of(text)  # a ValueError is raised each time, never cached


def _hour_of(text: str | datetime) -> int:
    if isinstance(text, datetime):
        moment = text
        offset = moment.utcoffset()
        if offset is None:
            raise ValueError(f"'{text}' has no time zone; times are UTC, end them with Z")
        if offset != timedelta(0):
            raise ValueError(f"'{text}' is not UTC; times are UTC, end them with Z")
        if moment.minute or moment.second or moment.microsecond:
            raise ValueError(f"'{text}' is not on a whole hour; slots are whole UTC hours")
    else:
        moment = _parse_rfc3339(text)
    return int((moment - _EPOCH).total_seconds()) // SECONDS_PER_HOUR


def rfc3339_seconds(text: str) -> float:
    """Epoch seconds of an RFC 3339 time (any offset, any fraction).

    Raises:
        ValueError: not an RFC 3339 time, or not a valid date and time.
    """
    found = _RFC3339.fullmatch(text) if isinstance(text, str) and len(text) <= 40 else None
    if found is None:
        raise ValueError(f"{text!r} is not an RFC 3339 time; write it as 2026-01-01T00:00:00Z")
    try:
        return datetime.fromisoformat(text.upper().replace("Z", "+00:00")).timestamp()
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid time: {exc}") from None


def _parse_rfc3339(text: str) -> datetime:
    """A whole UTC hour written in RFC 3339 (``ValueError`` saying what is wrong)."""
    found = _RFC3339.fullmatch(text) if isinstance(text, str) and len(text) <= 40 else None
    if found is None:
        raise ValueError(f"{text!r} is not an RFC 3339 time; write it as 2026-01-01T00:00:00Z")
    year, month, day, hour, minute, second = (int(g) for g in found.groups()[:6])
    fraction, zone = found.group(7), found.group(8)
    if zone not in ("Z", "z", "+00:00", "-00:00"):
        raise ValueError(f"{text!r} is not UTC; times are UTC, end them with Z")
    if minute or second or (fraction is not None and fraction.strip(".0")):
        raise ValueError(f"{text!r} is not on a whole hour; slots are whole UTC hours")
    try:
        return datetime(year, month, day, hour, tzinfo=UTC)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid time: {exc}") from None


@lru_cache(maxsize=8192)
def iso_hour(hour: int) -> str:
    """ISO 8601 UTC text of a slot, e.g. ``2026-01-01T00:00:00Z``."""
    return (_EPOCH + timedelta(hours=hour)).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_seconds(epoch_seconds: float) -> str:
    """ISO 8601 UTC text of a moment given in seconds since the epoch (millisecond precision)."""
    moment = _EPOCH + timedelta(seconds=epoch_seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def month_start_hour(month: Month) -> int:
    """Slot of the first hour of a calendar month."""
    moment = datetime(month.year, month.month, 1, tzinfo=UTC)
    return int((moment - _EPOCH).total_seconds()) // SECONDS_PER_HOUR
