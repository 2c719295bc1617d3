"""A renderer's output as one string (the TUI's report view, the tests)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TextIO

from irdesk.report.model import Report


def to_text(writer: Callable[[Report, TextIO], None], report: Report) -> str:
    buf = io.StringIO()
    writer(report, buf)
    return buf.getvalue()
