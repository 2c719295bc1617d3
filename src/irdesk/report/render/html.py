"""The report as one self-contained HTML page: the sections of
:mod:`irdesk.report.sections` laid out by a Jinja2 template
(``irdesk/report/templates/report.html.j2``) with its stylesheet inlined
(``irdesk/report/static/report.css``) and the chart an inline SVG. Both files are package
resources, shipped in the wheel.

The template autoescapes with the report's own HTML escape (:func:`~irdesk.report.escape.h`:
terminal control characters made visible, then ``& < > " '`` as entities), so every value
it shows is inert unless this module marks it safe: only the stylesheet, the SVG chart
(which escapes its own text), the timeline's rows and the report's own head (the
``|head`` filter: see :func:`~irdesk.report.escape.head`). Those rows are written by a plain
loop, in batches, because a template loop over 100,000 entries is several times slower;
the page is streamed, so a long timeline is never held in memory.

Jinja2 is imported on the first HTML report, not when irdesk starts.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from importlib import resources
from typing import TYPE_CHECKING, Any, TextIO

from irdesk.report.chart.svg import svg_chart
from irdesk.report.compose import build_sections
from irdesk.report.escape import h, head
from irdesk.report.format import NOT_RECORDED
from irdesk.report.model import Report
from irdesk.report.render.buffer import to_text
from irdesk.report.sections import Masthead, TimelineSection

if TYPE_CHECKING:
    import jinja2
    from markupsafe import Markup

TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"
ROWS_PER_BATCH = 500  # timeline rows the loop hands the template at a time


def write_html(report: Report, out: TextIO) -> None:
    sections = build_sections(report)
    masthead = sections[0]
    assert isinstance(masthead, Masthead)
    w = out.write
    for text in _template().generate(sections=sections, masthead_section=masthead):
        w(text)


def to_html(report: Report) -> str:
    return to_text(write_html, report)


@functools.cache
def _template() -> jinja2.Template:
    import jinja2
    from markupsafe import Markup

    def escape(value: Any) -> Markup:
        """Every ``{{ value }}``: made safe by :func:`h` unless already markup."""
        return value if hasattr(value, "__html__") else Markup(h(value))

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("irdesk.report", "templates"),
        autoescape=True,
        finalize=escape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    stylesheet = resources.files("irdesk.report") / "static" / STYLESHEET
    env.filters["head"] = lambda label: Markup(head(label, h))
    env.globals.update(
        css=Markup(stylesheet.read_text(encoding="utf-8")),
        svg=lambda chart: Markup(svg_chart(chart)),
        timeline_rows=lambda section: map(Markup, _timeline_rows(section)),
        not_recorded=NOT_RECORDED.capitalize(),
    )
    return env.get_template(TEMPLATE)


def _timeline_rows(s: TimelineSection, batch: int = ROWS_PER_BATCH) -> Iterator[str]:
    """The timeline's ``<tr>`` rows, escaped here, in batches of ``batch`` rows."""
    rows: list[str] = []
    add = rows.append
    for seq, occurred, recorded, who, label, what in s.rows(h):
        add(
            f'<tr><td class="num">{seq}</td><td class="t">{occurred}</td>'
            f'<td class="t">{recorded}</td><td>{who}</td><td>{label}</td>'
            f'<td class="u">{what}</td></tr>\n'
        )
        if len(rows) >= batch:
            yield "".join(rows)
            rows.clear()
    if rows:
        yield "".join(rows)
