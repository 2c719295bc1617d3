"""Durations are text with units (``90s``, ``15m``, ``1h30m``, ``1d``); bare numbers fail."""

from __future__ import annotations

import math
import re
from datetime import timedelta

from irdesk.errors import IrdeskError

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
# A playbook timer longer than a year is a typo, not a plan (and keeps timedelta in range).
MAX_DURATION = timedelta(days=366)


class DurationError(IrdeskError, ValueError):
    pass


def parse_duration(text: object) -> timedelta:
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        raise DurationError(f"expected a duration such as 15m or 1h30m, got {type_name(text)}")
    if isinstance(text, float) and not math.isfinite(text):
        raise DurationError(f"{text} is not a duration; write e.g. 15m or 1h30m")
    if isinstance(text, int | float):
        raise DurationError(
            f"a bare number ({text}) is not a duration: units matter; write e.g. "
            f'"{int(text)}m" or "{int(text)}s"'
        )
    raw = text.strip()
    match = _DURATION.match(raw)
    if not raw or not match:
        raise DurationError(
            f"{text!r} is not a duration; expected digits with units d, h, m, s in that "
            "order, e.g. 90s, 15m, 1h30m, 1d"
        )
    days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    try:
        value = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    except OverflowError:
        value = MAX_DURATION * 2
    if value > MAX_DURATION:
        raise DurationError(f"{text!r} is longer than {MAX_DURATION.days} days")
    return value


def format_duration(value: timedelta) -> str:
    """The inverse of parse_duration, compact: 1h30m, 45s, 0m."""
    total = int(value.total_seconds())
    if total == 0:
        return "0m"
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{n}{u}" for n, u in ((days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")) if n]
    return sign + "".join(parts)


def format_clock(value: timedelta) -> str:
    """HH:MM:SS (with a sign for negative values), for elapsed times and countdowns."""
    total = int(value.total_seconds())
    sign = "-" if total < 0 else ""
    total = abs(total)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}:{seconds:02d}"


def type_name(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({'true' if value else 'false'})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
