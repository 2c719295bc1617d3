"""How the report writes times, durations and counts: UTC to the second, durations like
``1h 05m``, a missing measure as "not recorded", never a guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from irdesk.domain.clock import format_ts, to_utc

TIME_NOTE = (
    "All times are UTC, 24-hour clock, to the second (the journal keeps "
    "milliseconds; the JSON export carries them)."
)
NOT_RECORDED = "not recorded"


def utc(when: datetime | None) -> str:
    """``2026-11-23 09:05:00`` (UTC), or an empty string."""
    if when is None:
        return ""
    return to_utc(when).strftime("%Y-%m-%d %H:%M:%S")


def utc_minute(when: datetime | None) -> str:
    return "" if when is None else to_utc(when).strftime("%Y-%m-%d %H:%M")


def iso(when: datetime | None) -> str | None:
    return None if when is None else format_ts(when)


def span(value: timedelta | None) -> str:
    """A duration for people: ``45s``, ``12m 05s``, ``1h 05m``, ``2d 03h``."""
    if value is None:
        return NOT_RECORDED
    total = int(value.total_seconds())
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        text = f"{days}d {hours:02d}h" if hours else f"{days}d"
    elif hours:
        text = f"{hours}h {minutes:02d}m" if minutes else f"{hours}h"
    elif minutes:
        text = f"{minutes}m {seconds:02d}s" if seconds else f"{minutes}m"
    else:
        text = f"{seconds}s"
    return sign + text


def exercise_clock(value: timedelta | None) -> str:
    """An exercise-clock reading: ``T+00:12:30``."""
    if value is None:
        return ""
    total = int(value.total_seconds())
    sign = "-" if total < 0 else "+"
    total = abs(total)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"T{sign}{hours:02d}:{minutes:02d}:{seconds:02d}"


def seconds(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds(), 3)


def join_words(words: Sequence[str], conjunction: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"
