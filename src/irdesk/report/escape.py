"""User text made inert for Markdown and HTML, on top of :func:`irdesk.text.visible`
(terminal control characters shown literally, in every format).

Inert also towards ``irdesk verify --expect-file``, which takes every
``INC-0001@57:<hash>`` in a report as a head to check: the ``@`` of anything in user text
that reads like a head (a note "call the CISO@14:00", a head quoted from elsewhere) is
written as an escape that reads back as ``@`` (``\\@`` in Markdown, ``&#64;`` in HTML,
``\\u0040`` in JSON; in the Markdown chart, a code block without escapes, a full-width
``＠``), so the only heads in a report's file are the one it states.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from irdesk.store.records import HEAD_PATTERN
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


def not_a_head(text: str, at: str) -> str:
    """``text`` with the ``@`` of every head-like run written as ``at``."""
    if "@" not in text:
        return text
    return HEAD_PATTERN.sub(lambda m: m.group(0).replace("@", at, 1), text)


def md(text: object) -> str:
    """User text as inert inline Markdown: one line (newlines become ``<br>``), every
    character Markdown or HTML could act on escaped."""
    value = "" if text is None else str(text)
    if not _MD_PLAIN.search(value):  # nothing else to escape (the common case, fast)
        return value if "@" not in value else not_a_head(value, "\\@")
    value = visible(value).strip("\n")
    value = _MD_SPECIAL.sub(r"\\\1", value)
    lines = [_MD_LINE_START.sub(_md_line_start, line) for line in value.split("\n")]
    return not_a_head("<br>".join(lines), "\\@")


def h(text: object) -> str:
    """User text as inert HTML (text or attribute value)."""
    value = html.escape(visible(text), quote=True)
    return value if "@" not in value else not_a_head(value, "&#64;")


def head(label: str, escape: Callable[[object], str]) -> str:
    """The report's own head (``INC-0001@57:<hash>``) for a format whose escape is
    ``escape`` (:func:`md`, :func:`h`): as it is, to stay findable, when it is a head (letters,
    digits, ``-@:``: nothing Markdown or HTML act on); anything else is escaped."""
    return label if HEAD_PATTERN.fullmatch(label) else escape(label)
