"""The step chart as text (the terminal's report view, the Markdown report)."""

from __future__ import annotations

from datetime import datetime

from irdesk.report.chart.scale import Scale
from irdesk.report.format import span
from irdesk.report.model import Chart, Report
from irdesk.text import visible

_FULL, _OVER, _EXPECTED, _EMPTY = "█", "▓", "░", " "


def text_chart(source: Chart | Report, width: int = 100) -> list[str]:
    """The step chart as plain lines (no markup) ``width`` columns wide: one row per step
    visit, ``█`` its actual duration, ``▓`` time beyond its expected duration, ``░`` the
    rest of its expected duration, ``◆`` a decision, ``×`` a skip, ``│`` milestones;
    ``≈`` marks a compressed stretch of idle time. ``source``: a report's chart (or the
    report)."""
    chart = source.chart if isinstance(source, Report) else source
    width = max(width, 40)
    label_w = min(32, max(12, width // 3))
    area = width - label_w - 1
    if not chart.bars and not chart.milestones:
        return ["(no step was started)"]
    scale = Scale(chart, 0, area - 1, 3)

    def col(t: datetime) -> int:
        return min(area - 1, max(0, int(scale.x(t))))

    mcols = [(name, col(at)) for name, at in chart.milestones]
    lines: list[str] = []
    # milestone labels, staggered over as many lines as needed; near the right edge a
    # label ends at its mark ("name▼") instead of starting there
    rows: list[list[tuple[int, str]]] = []
    for name, c in mcols:
        text = "▼" + name
        start = c
        if c + len(text) > area:
            text = name + "▼"
            start = max(0, c - len(name))
        for row in rows:
            if all(start > oc + len(ot) or start + len(text) < oc for oc, ot in row):
                row.append((start, text))
                break
        else:
            rows.append([(start, text)])
    for row in rows:
        buf = [" "] * area
        for c, text in row:
            for i, ch in enumerate(text):
                if c + i < area:
                    buf[c + i] = ch
        lines.append(" " * (label_w + 1) + "".join(buf).rstrip())
    gap_cols = {c for seg in scale.breaks for c in range(int(seg.x0), int(seg.x1) + 1)}
    for bar in chart.bars:
        buf = [_EMPTY] * area
        for _name, c in mcols:
            buf[c] = "│"
        a, b = col(bar.start), col(bar.end)
        exp_end = bar.expected_end
        if not bar.start_known:
            a = b
        if exp_end is not None and bar.status != "skipped":
            for c in range(a, col(min(exp_end, chart.end)) + 1):
                buf[c] = _EXPECTED
        over = bar.overrun_from
        for c in range(a, b + 1):
            buf[c] = _OVER if over is not None and c > col(over) else _FULL
        if bar.status == "skipped":
            buf[b] = "×"
        elif bar.status == "decided":
            buf[b] = "◆"
        elif not bar.start_known:
            buf[b] = "●"
        for c in gap_cols:
            if 0 <= c < area and buf[c] in (_FULL, _OVER, _EXPECTED):
                buf[c] = "≈"
        name = visible(bar.title).replace("\n", " ").replace("\t", " ")
        if bar.visit > 1:
            name += f" ({bar.visit})"
        if len(name) > label_w:
            name = name[: label_w - 1] + "…"
        lines.append(f"{name:<{label_w}} " + "".join(buf).rstrip())
    # the axis: tick marks, times, and the date wherever the day changes
    axis = ["─"] * area
    times = [" "] * area
    dates = [" "] * area
    for seg in scale.breaks:
        for c in range(int(seg.x0), min(area, int(seg.x1) + 1)):
            axis[c] = "≈"
    for x, time_text, date_text in scale.axis(12):
        c = min(area - 1, int(x))
        free = times[max(0, c - 1) : c + len(time_text) + 1]
        if c + len(time_text) > len(times) or any(ch != " " for ch in free):
            continue
        if axis[c] != "≈":
            axis[c] = "┬"
        times[c : c + len(time_text)] = list(time_text)
        if date_text and all(ch == " " for ch in dates[max(0, c - 1) : c + len(date_text) + 1]):
            dates[c : c + len(date_text)] = list(date_text)
    pad = " " * (label_w + 1)
    lines.append(pad + "".join(axis))
    lines.append(pad + "".join(times).rstrip())
    if any(ch != " " for ch in dates):
        lines.append(pad + "".join(dates).rstrip())
    hidden = [span(seg.t1 - seg.t0) for seg in scale.breaks]
    legend = (
        f"{_FULL} actual  {_OVER} over expected  {_EXPECTED} expected  ◆ decision  "
        "× skipped  │ milestone"
    )
    if any(not b.start_known for b in chart.bars):
        legend += "  ● done out of order"
    if hidden:
        legend += f"  ≈ quiet stretch not to scale ({', '.join(hidden)})"
    clock = "exercise time: pauses left out" if chart.origin is not None else "times UTC"
    lines.extend(_wrap(legend + f"  ({clock})", width))
    return lines


def _wrap(text: str, width: int) -> list[str]:
    """Words of ``text`` in lines of at most ``width`` columns (pairs of spaces kept)."""
    out: list[str] = []
    line = ""
    for word in text.split("  "):
        candidate = f"{line}  {word}" if line else word
        if len(candidate) <= width or not line:
            line = candidate
        else:
            out.append(line)
            line = word
    if line:
        out.append(line)
    return [part[:width] for part in out]
