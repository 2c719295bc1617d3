"""The chart's time axis: a scale that maps incident time to columns or pixels, compressing
long idle gaps, with tick labels at "nice" steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from irdesk.domain.clock import to_utc
from irdesk.report.model import Chart

_NICE_STEPS = tuple(
    timedelta(seconds=s)
    for s in (
        1,
        5,
        10,
        15,
        30,
        60,
        120,
        300,
        600,
        900,
        1800,
        3600,
        7200,
        10800,
        21600,
        43200,
        86400,
        172800,
        604800,
    )
)


@dataclass(frozen=True)
class Segment:
    t0: datetime
    t1: datetime
    x0: float
    x1: float
    gap: bool  # a compressed stretch where nothing happened

    def x(self, t: datetime) -> float:
        total = (self.t1 - self.t0).total_seconds()
        if total <= 0:
            return self.x0
        return self.x0 + (t - self.t0).total_seconds() / total * (self.x1 - self.x0)


class Scale:
    """Time → position, with long idle stretches compressed into a fixed-width break.

    A response measured in hours and a review finished days later would otherwise leave
    the response as a sliver; the breaks are drawn and labelled with the time they hide.
    """

    def __init__(
        self,
        chart: Chart,
        x0: float,
        width: float,
        break_width: float,
        min_gap: timedelta = timedelta(hours=1),
        share: float = 0.3,
        max_breaks: int = 6,
    ) -> None:
        self.x0, self.width = x0, width
        self.origin = chart.origin  # a drill's chart: ticks are T+ offsets from here
        start, end = chart.start, chart.end
        keys = sorted(
            {
                start,
                end,
                *(b.start for b in chart.bars),
                *(b.end for b in chart.bars),
                *(at for _, at in chart.milestones),
            }
        )
        total = (end - start).total_seconds() or 1.0
        # Compress the longest quiet stretches (no bar starts or ends, no milestone) while
        # each is long against what is left at scale.
        linear = total
        chosen: list[tuple[datetime, datetime]] = []
        for a, b in sorted(zip(keys, keys[1:], strict=False), key=lambda ab: ab[0] - ab[1]):
            g = (b - a).total_seconds()
            if len(chosen) >= max_breaks or b - a < min_gap or g <= share * (linear - g):
                break
            chosen.append((a, b))
            linear -= g
        pad = timedelta(seconds=max(linear * 0.04, 1.0))
        cuts = [(a + pad, b - pad) for a, b in sorted(chosen) if b - a > 3 * pad]
        usable = width - break_width * len(cuts)
        linear_s = total - sum((b - a).total_seconds() for a, b in cuts)
        self.k = usable / linear_s if linear_s > 0 else 0.0  # px per second
        self.segments: list[Segment] = []
        x, t = x0, start
        for a, b in cuts:
            nx = x + (a - t).total_seconds() * self.k
            self.segments.append(Segment(t, a, x, nx, False))
            self.segments.append(Segment(a, b, nx, nx + break_width, True))
            x, t = nx + break_width, b
        self.segments.append(Segment(t, end, x, x0 + width, False))

    @property
    def breaks(self) -> list[Segment]:
        return [s for s in self.segments if s.gap]

    def x(self, t: datetime) -> float:
        if t <= self.segments[0].t0:
            return self.segments[0].x0
        for seg in self.segments:
            if t <= seg.t1:
                return seg.x(t)
        return self.segments[-1].x1

    def axis(self, min_spacing: float) -> list[tuple[float, str, str]]:
        """(x, time label, date label or "") of the ticks: wall times, or in a drill
        exercise times (T+HH:MM, no dates)."""
        ticks = self.ticks(min_spacing)
        if self.origin is None:
            return tick_labels(ticks)
        origin = self.origin
        return [(x, exercise_label(t - origin, step), "") for x, t, step in ticks]

    def ticks(self, min_spacing: float) -> list[tuple[float, datetime, timedelta]]:
        """(x, time, step) of round times at least ``min_spacing`` apart, in linear parts."""
        step = _NICE_STEPS[-1]
        for candidate in _NICE_STEPS:
            if candidate.total_seconds() * self.k >= min_spacing:
                step = candidate
                break
        out: list[tuple[float, datetime, timedelta]] = []
        # a Monday (weeks line up too), or a drill's origin (round exercise times)
        epoch = self.origin or datetime(2000, 1, 3, tzinfo=UTC)
        s = step.total_seconds()
        for seg in self.segments:
            if seg.gap:
                continue
            n = math.ceil((seg.t0 - epoch).total_seconds() / s)
            t = epoch + timedelta(seconds=n * s)
            while t <= seg.t1:
                x = seg.x(t)
                if not out or x - out[-1][0] >= min_spacing * 0.9:
                    out.append((x, t, step))
                t += step
        return out


def tick_labels(ticks: list[tuple[float, datetime, timedelta]]) -> list[tuple[float, str, str]]:
    """(x, time label, date label or "") for ticks: the date under the first tick and
    wherever the day changes."""
    out = []
    last = None
    for x, t, step in ticks:
        day = to_utc(t).date()
        date_text = "" if day == last or step >= timedelta(days=1) else day.strftime("%d %b")
        last = day
        out.append((x, tick_label(t, step), date_text))
    return out


def exercise_label(offset: timedelta, step: timedelta) -> str:
    """An exercise-clock tick: ``T+1:05`` (hours and minutes), with seconds for fine steps."""
    total = int(offset.total_seconds())
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if step < timedelta(minutes=1):
        return f"T+{hours}:{minutes:02d}:{seconds:02d}"
    return f"T+{hours}:{minutes:02d}"


def tick_label(t: datetime, step: timedelta) -> str:
    t = to_utc(t)
    if step >= timedelta(days=1):
        return t.strftime("%d %b")
    if step < timedelta(minutes=1):
        return t.strftime("%H:%M:%S")
    return t.strftime("%H:%M")
