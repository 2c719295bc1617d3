"""Injected clocks, so timers, SLAs and escalations are testable in milliseconds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from irdesk.errors import IrdeskError


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that only moves when told to (tests, snapshots, benchmarks)."""

    current: datetime = field(default_factory=lambda: datetime(2026, 11, 23, 9, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta | float) -> datetime:
        if not isinstance(delta, timedelta):
            delta = timedelta(seconds=delta)
        self.current = self.current + delta
        return self.current

    def set(self, when: datetime) -> None:
        self.current = when


def to_utc(when: datetime) -> datetime:
    """Normalise a datetime to aware UTC (naive values are taken as local time)."""
    if when.tzinfo is None:
        when = when.astimezone()
    return when.astimezone(UTC)


def format_ts(when: datetime) -> str:
    """Canonical timestamp: ISO 8601, UTC, millisecond precision, trailing Z."""
    when = to_utc(when)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def parse_ts(text: str) -> datetime:
    """Inverse of format_ts (also accepts any ISO 8601 form with an offset)."""
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    value = datetime.fromisoformat(text)
    return to_utc(value)


class WhenError(IrdeskError, ValueError):
    pass


def parse_when(
    text: str, now: datetime, *, within: tuple[datetime, datetime] | None = None
) -> datetime:
    """A time a person types: ``09:12``, ``09:12:30``, ``2026-11-23 09:12``, ``-15m``, ``15m ago``.

    Clock times are local and mean the most recent such moment (``23:50`` typed at 00:10
    is yesterday), or, given ``within`` (a span such as the length of an incident being
    replayed), that clock time on the span's day (the first one, of several) it falls on
    or nearest to. Relative times count back from ``now``. Result is aware UTC. Raises
    :class:`WhenError` with a message for people.
    """
    from irdesk.domain.durations import DurationError, parse_duration

    raw = text.strip()
    if not raw:
        raise WhenError("enter a time, e.g. 09:12, -15m or 2026-11-23 09:12")
    relative = None
    if raw.startswith("-"):
        relative = raw[1:]
    elif raw.endswith(" ago"):
        relative = raw[:-4].strip()
    if relative is not None:
        try:
            return to_utc(now) - parse_duration(relative.strip())
        except DurationError as exc:
            raise WhenError(str(exc)) from None
    local_now = to_utc(now).astimezone()
    for fmt in ("%H:%M", "%H:%M:%S"):
        try:
            parsed = datetime.strptime(raw, fmt)
        except ValueError:
            continue
        if within is not None:
            return _clock_time_within(parsed, within)
        candidate = local_now.replace(
            hour=parsed.hour, minute=parsed.minute, second=parsed.second, microsecond=0
        )
        if candidate > local_now:
            candidate -= timedelta(days=1)
        return to_utc(candidate)
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise WhenError(
            f"cannot read {raw!r} as a time; use 09:12, -15m, 15m ago or 2026-11-23 09:12"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=local_now.tzinfo)
    return to_utc(value)


def _clock_time_within(parsed: datetime, within: tuple[datetime, datetime]) -> datetime:
    """A local clock time on the day of the span it falls in (the first such day), else
    the nearest one to the span."""
    start, end = (to_utc(w).astimezone() for w in within)
    day = start.replace(hour=parsed.hour, minute=parsed.minute, second=parsed.second, microsecond=0)
    candidates = []
    while day.date() <= end.date() + timedelta(days=1):
        candidates.append(day)
        day += timedelta(days=1)
    candidates.insert(0, candidates[0] - timedelta(days=1))
    start_s = start.replace(microsecond=0)
    for candidate in candidates:
        if start_s <= candidate <= end:
            return to_utc(candidate)

    def distance(c: datetime) -> timedelta:
        return start_s - c if c < start_s else c - end

    return to_utc(min(candidates, key=distance))


def local_date(when: datetime) -> date:
    """The local calendar day of a moment (rotas and time away are counted in local days)."""
    return to_utc(when).astimezone().date()


def local_hms(when: datetime) -> str:
    """HH:MM:SS in local time, for screens."""
    return to_utc(when).astimezone().strftime("%H:%M:%S")


def local_when(when: datetime, now: datetime) -> str:
    """HH:MM:SS today, otherwise 'Nov 22 14:05' (local time), for lists of past events."""
    local, today = to_utc(when).astimezone(), to_utc(now).astimezone()
    if local.date() == today.date():
        return local.strftime("%H:%M:%S")
    if local.year == today.year:
        return local.strftime("%b %d %H:%M")
    return local.strftime("%Y-%m-%d %H:%M")
