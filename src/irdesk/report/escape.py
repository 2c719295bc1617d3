"""User text made inert for Markdown and HTML, on top of :func:`irdesk.text.visible`
(terminal control characters shown literally, in every format).
"""

from __future__ import annotations

import html
import re

from irdesk.text import INVISIBLE, visible

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~]|&(?=#?\w+;))")
_MD_LINE_START = re.compile(r"^(\s*)(?:([-+=])|(\d+)([.)]))")


def _md_line_start(m: re.Match[str]) -> str:
    """``- x`` → ``\\- x``; ``1. x`` → ``1\\. x`` (no list, heading underline or rule)."""
    if m.group(2):
        return f"{m.group(1)}\\{m.group(2)}"
    return f"{m.group(1)}{m.group(3)}\\{m.group(4)}"


# What md() has to act on: Markdown's specials, line breaks, and what visible() replaces.
_MD_PLAIN = re.compile(r"[\\`*_\[\]<>#|~&\n\r" + INVISIBLE + r"]|^\s*(?:[-+=]|\d+[.)])")


def md(text: object) -> str:
    """User text as inert inline Markdown: one line (newlines become ``<br>``), every
    character Markdown or HTML could act on escaped."""
    value = "" if text is None else str(text)
    if not _MD_PLAIN.search(value):
        return value  # nothing to escape (the common case, fast)
    value = visible(value).strip("\n")
    value = _MD_SPECIAL.sub(r"\\\1", value)
    lines = [_MD_LINE_START.sub(_md_line_start, line) for line in value.split("\n")]
    return "<br>".join(lines)


def h(text: object) -> str:
    """User text as inert HTML (text or attribute value)."""
    return html.escape(visible(text), quote=True)
