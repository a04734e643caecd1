"""Hour slots: the broker's unit of time.

A slot is a whole UTC hour, numbered by hours since the Unix epoch (``1970-01-01T00Z``
is slot 0). A placement covers the half-open range ``[start, end)`` of slots. Times on
the wire are ISO 8601 in UTC on whole hours (``2026-01-01T00:00:00Z``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

from gigawatt.scenario.timeline import Month

__all__ = ["SECONDS_PER_HOUR", "hour_of", "iso_hour", "iso_seconds", "month_start_hour"]

SECONDS_PER_HOUR = 3600
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def hour_of(text: str | datetime) -> int:
    """Slot number of an ISO 8601 UTC time on a whole hour.

    Raises:
        ValueError: not a time, not UTC, or not on a whole hour (the message says which).
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
    else:
        if not isinstance(text, str) or len(text) > 40:
            raise ValueError("expected an ISO 8601 UTC time such as 2026-01-01T00:00:00Z")
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError:
            raise ValueError(
                f"'{text}' is not an ISO 8601 time; write it as 2026-01-01T00:00:00Z"
            ) from None
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError(f"'{text}' has no time zone; times are UTC, end them with Z")
    if offset != timedelta(0):
        raise ValueError(f"'{text}' is not UTC; times are UTC, end them with Z")
    if moment.minute or moment.second or moment.microsecond:
        raise ValueError(f"'{text}' is not on a whole hour; slots are whole UTC hours")
    return int((moment - _EPOCH).total_seconds()) // SECONDS_PER_HOUR


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
