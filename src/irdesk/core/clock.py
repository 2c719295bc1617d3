"""Injected clocks, so timers, SLAs and escalations are testable in milliseconds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


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
