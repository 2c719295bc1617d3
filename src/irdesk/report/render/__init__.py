"""The report's renderers: Markdown, HTML and JSON, each writing to a text stream."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from irdesk.report.model import Report
from irdesk.report.render.html import write_html
from irdesk.report.render.json import write_json
from irdesk.report.render.markdown import write_markdown

FORMATS: tuple[str, ...] = ("md", "html", "json")
WRITERS: dict[str, Callable[[Report, TextIO], None]] = {
    "md": write_markdown,
    "html": write_html,
    "json": write_json,
}


def render(report: Report, fmt: str, out: TextIO) -> None:
    try:
        writer = WRITERS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}; one of: {', '.join(FORMATS)}") from None
    writer(report, out)
