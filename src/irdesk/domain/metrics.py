"""Incident metrics: time to detect, acknowledge, contain and resolve, measured between
milestones (a missing milestone leaves the metric unmeasured, never guessed). In a drill
they are measured on the exercise clock, like everything else in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from irdesk.domain.fold import IncidentState


#: A time recorded more than this after it occurred counts as backdated.
BACKDATE_TOLERANCE = timedelta(seconds=1)

#: Each metric: key, label, and the milestones it is measured from and to.
METRICS: tuple[tuple[str, str, str, str], ...] = (
    ("time_to_detect", "Time to detect", "started", "detected"),
    ("time_to_acknowledge", "Time to acknowledge", "declared", "acknowledged"),
    ("time_to_contain", "Time to contain", "detected", "contained"),
    ("time_to_resolve", "Time to resolve", "detected", "resolved"),
)


@dataclass(frozen=True)
class Measure:
    """One metric of one incident: the time between two milestones, if both are recorded."""

    key: str  # time_to_detect | time_to_acknowledge | time_to_contain | time_to_resolve
    label: str
    start: str  # milestone names
    end: str
    value: timedelta | None  # None: a milestone is missing
    missing: tuple[str, ...]
    backdated: tuple[str, ...]  # milestones (of the two) recorded later than they occurred


def measure(state: IncidentState) -> tuple[Measure, ...]:
    """Every metric of :data:`METRICS`, from the incident's milestones (the latest record
    of each)."""
    rows = []
    for key, text, start, end in METRICS:
        a, b = state.milestones.get(start), state.milestones.get(end)
        missing = tuple(m for m, found in ((start, a), (end, b)) if found is None)
        # in a drill, on the exercise clock (pauses do not count, speed does)
        value = (
            state.timer_time(b.at) - state.timer_time(a.at)
            if a is not None and b is not None
            else None
        )
        backdated = tuple(
            m.name
            for m in (a, b)
            if m is not None and abs(m.recorded_at - m.at) > BACKDATE_TOLERANCE
        )
        rows.append(Measure(key, text, start, end, value, missing, backdated))
    return tuple(rows)
