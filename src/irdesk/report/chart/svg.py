"""The step chart as an inline SVG (the HTML report)."""

from __future__ import annotations

import io

from irdesk.report.chart.scale import Scale
from irdesk.report.escape import h
from irdesk.report.format import span
from irdesk.report.model import Chart, Report

_COLORS = {
    "done": "#2b6cb0",
    "decided": "#6b46c1",
    "skipped": "#a0aec0",
    "active": "#2f855a",
    "over": "#c53030",
    "expected": "#cfe0f3",
    "milestone": "#b7791f",
    "grid": "#e2e8f0",
    "text": "#1a202c",
    "muted": "#4a5568",
}


def svg_chart(source: Chart | Report, width: int = 1040) -> str:
    """The step chart as an inline SVG (no external references). ``source``: a report's
    chart (or the report)."""
    chart = source.chart if isinstance(source, Report) else source
    label_w, right = 270, 64
    area = width - label_w - right
    row_h, bar_h, exp_h = 24, 10, 18
    if not chart.bars and not chart.milestones:
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="30" role="img" '
            'aria-label="no step was started"><text x="0" y="20" font-size="13">'
            "No step was started.</text></svg>"
        )
    scale = Scale(chart, label_w, area, 34)
    # milestone labels staggered in rows above the bars
    label_rows: list[list[tuple[float, float]]] = []
    placed: list[tuple[str, float, int]] = []
    for name, at in chart.milestones:
        x = scale.x(at)
        tw = 7.2 * len(name) + 10
        lx = x if x + tw <= width else x - tw  # near the right edge: left of its line
        for i, row in enumerate(label_rows):
            if all(lx + tw < a or lx > b for a, b in row):
                row.append((lx, lx + tw))
                placed.append((name, x, i))
                break
        else:
            label_rows.append([(lx, lx + tw)])
            placed.append((name, x, len(label_rows) - 1))
    top = 16 + 16 * max(1, len(label_rows))
    body_h = row_h * len(chart.bars)
    axis_y = top + body_h + 6
    legend_y = axis_y + 66
    items = [
        ("done", "step (done)"),
        ("decided", "decision"),
        ("skipped", "skipped"),
        ("active", "not finished"),
        ("over", "beyond expected time"),
        ("expected", "expected duration"),
    ]
    if any(not b.start_known for b in chart.bars):
        items.append(("dot", "done out of order"))
    items.append(("milestone", "milestone"))
    legend: list[tuple[str, str, float, float]] = []
    lx, ly = float(label_w), float(legend_y)
    for key, text in items:
        item_w = 26 + 6.6 * len(text)
        if lx + item_w > width and lx > label_w:
            lx, ly = float(label_w), ly + 18
        legend.append((key, text, lx, ly))
        lx += item_w
    height = int(ly) + 22
    out = io.StringIO()
    w = out.write
    w(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" font-family="system-ui, -apple-system, '
        f'Segoe UI, Roboto, Helvetica, Arial, sans-serif" font-size="12" '
        f'aria-label="Steps against their expected durations, with milestones">\n'
    )
    w(f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>\n')
    # grid and ticks
    for x, time_text, date_text in scale.axis(64):
        w(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{axis_y}" '
            f'stroke="{_COLORS["grid"]}" stroke-width="1"/>\n'
        )
        w(
            f'<text x="{x:.1f}" y="{axis_y + 16}" text-anchor="middle" '
            f'fill="{_COLORS["muted"]}">{h(time_text)}</text>\n'
        )
        if date_text:
            w(
                f'<text x="{x:.1f}" y="{axis_y + 30}" text-anchor="middle" font-size="10" '
                f'fill="{_COLORS["muted"]}">{h(date_text)}</text>\n'
            )
    w(
        f'<line x1="{label_w}" y1="{axis_y}" x2="{label_w + area}" y2="{axis_y}" '
        f'stroke="{_COLORS["muted"]}" stroke-width="1"/>\n'
    )
    # zebra rows and labels
    for i, bar in enumerate(chart.bars):
        y = top + i * row_h
        if i % 2 == 0:
            w(f'<rect x="0" y="{y}" width="{width}" height="{row_h}" fill="#f7fafc"/>\n')
        name = bar.title + (f" (visit {bar.visit})" if bar.visit > 1 else "")
        short = name if len(name) <= 40 else name[:39] + "…"
        w(
            f'<text x="{label_w - 8}" y="{y + row_h / 2 + 4:.1f}" text-anchor="end" '
            f'fill="{_COLORS["text"]}"><title>{h(name)}</title>{h(short)}</text>\n'
        )
    # bars
    for i, bar in enumerate(chart.bars):
        y = top + i * row_h
        x1, x2 = scale.x(bar.start), scale.x(bar.end)
        exp_end = bar.expected_end
        if bar.start_known:
            tip = (
                f"{bar.title}: {bar.status}, {chart.when(bar.start)} → "
                f"{chart.when(bar.end) if bar.finished else 'not finished'} "
                f"({span(bar.end - bar.start)}"
                + (f" of {span(bar.expected)} expected" if bar.expected else "")
                + ")"
            )
        else:
            tip = (
                f"{bar.title}: {bar.status} out of order at {chart.when(bar.end)} "
                "(start not recorded)"
            )
        if exp_end is not None and bar.status != "skipped":
            xe = scale.x(min(exp_end, chart.end))
            w(
                f'<rect x="{x1:.1f}" y="{y + (row_h - exp_h) / 2:.1f}" '
                f'width="{max(xe - x1, 1):.1f}" height="{exp_h}" rx="2" '
                f'fill="{_COLORS["expected"]}"/>\n'
            )
            if exp_end > chart.end:
                w(
                    f'<text x="{xe + (12 if not bar.finished else 3):.1f}" '
                    f'y="{y + row_h / 2 + 4:.1f}" '
                    f'fill="{_COLORS["muted"]}" font-size="10">→ {h(span(bar.expected))}</text>\n'
                )
        color = _COLORS.get(bar.status, _COLORS["done"])
        over = bar.overrun_from
        xo = scale.x(over) if over is not None else x2
        by = y + (row_h - bar_h) / 2
        w(f"<g><title>{h(tip)}</title>")
        if not bar.start_known:
            w(f'<circle cx="{x2:.1f}" cy="{by + bar_h / 2:.1f}" r="5" fill="{color}"/></g>\n')
            continue
        w(
            f'<rect x="{x1:.1f}" y="{by:.1f}" width="{max(xo - x1, 2):.1f}" height="{bar_h}" '
            f'fill="{color}"/>'
        )
        if over is not None:
            w(
                f'<rect x="{xo:.1f}" y="{by:.1f}" width="{max(x2 - xo, 1):.1f}" '
                f'height="{bar_h}" fill="{_COLORS["over"]}"/>'
            )
        if not bar.finished:
            w(
                f'<polygon points="{x2:.1f},{by - 2:.1f} {x2 + 7:.1f},{by + bar_h / 2:.1f} '
                f'{x2:.1f},{by + bar_h + 2:.1f}" fill="{color}"/>'
            )
        if bar.status == "decided":
            cy = by + bar_h / 2
            w(
                f'<polygon points="{x2:.1f},{cy - 7:.1f} {x2 + 7:.1f},{cy:.1f} {x2:.1f},'
                f'{cy + 7:.1f} {x2 - 7:.1f},{cy:.1f}" fill="{color}" stroke="#ffffff"/>'
            )
        if bar.status == "skipped":
            cy = by + bar_h / 2
            w(
                f'<path d="M{x2 - 5:.1f},{cy - 5:.1f} L{x2 + 5:.1f},{cy + 5:.1f} M{x2 - 5:.1f},'
                f'{cy + 5:.1f} L{x2 + 5:.1f},{cy - 5:.1f}" stroke="{_COLORS["muted"]}" '
                f'stroke-width="2"/>'
            )
        w("</g>\n")
    # breaks (compressed idle time)
    for seg in scale.breaks:
        mid = (seg.x0 + seg.x1) / 2
        w(
            f'<rect x="{seg.x0 + 4:.1f}" y="{top - 4}" width="{seg.x1 - seg.x0 - 8:.1f}" '
            f'height="{axis_y - top + 8}" fill="#ffffff" opacity="0.85"/>\n'
        )
        for dx in (-4, 4):
            xs = mid + dx
            w(
                f'<path d="M{xs - 3:.1f},{top - 4} L{xs + 3:.1f},{top + 4} '
                + " ".join(
                    f"L{xs - 3 if k % 2 else xs + 3:.1f},{top + 4 + 8 * k}"
                    for k in range(1, int((axis_y - top) / 8) + 1)
                )
                + f'" fill="none" stroke="{_COLORS["muted"]}" stroke-width="1"/>\n'
            )
        w(
            f'<text x="{mid:.1f}" y="{axis_y + 44}" text-anchor="middle" font-size="10" '
            f'fill="{_COLORS["muted"]}">{h(span(seg.t1 - seg.t0))}</text>\n'
        )
    # milestones
    for name, x, row in placed:
        ly = 14 + 16 * row
        w(
            f'<line x1="{x:.1f}" y1="{ly + 3}" x2="{x:.1f}" y2="{axis_y}" '
            f'stroke="{_COLORS["milestone"]}" stroke-width="1.5" stroke-dasharray="4 3"/>\n'
        )
        fits = x + 3 + 7.2 * len(name) <= width
        w(
            f'<text x="{x + 3 if fits else x - 3:.1f}" y="{ly}" '
            f'text-anchor="{"start" if fits else "end"}" fill="{_COLORS["milestone"]}" '
            f'font-weight="600">{h(name)}</text>\n'
        )
    # axis captions, bottom left
    w(
        f'<text x="{label_w - 30}" y="{axis_y + 16}" text-anchor="end" '
        f'fill="{_COLORS["muted"]}">{"time (UTC)" if chart.origin is None else "exercise time"}'
        "</text>\n"
    )
    if scale.breaks:
        w(
            f'<text x="{label_w - 8}" y="{axis_y + 44}" text-anchor="end" font-size="10" '
            f'fill="{_COLORS["muted"]}">compressed quiet stretches</text>\n'
        )
    # legend (laid out above, wrapped to the width)
    for key, text, lx, ly in legend:
        if key == "dot":
            w(f'<circle cx="{lx + 7}" cy="{ly - 4}" r="5" fill="{_COLORS["done"]}"/>')
        elif key == "milestone":
            w(
                f'<line x1="{lx + 7}" y1="{ly - 10}" x2="{lx + 7}" y2="{ly + 2}" '
                f'stroke="{_COLORS["milestone"]}" stroke-width="1.5" stroke-dasharray="4 3"/>'
            )
        else:
            w(f'<rect x="{lx}" y="{ly - 9}" width="14" height="10" fill="{_COLORS[key]}"/>')
        w(f'<text x="{lx + 18}" y="{ly}" fill="{_COLORS["muted"]}">{h(text)}</text>\n')
    w("</svg>")
    return out.getvalue()
