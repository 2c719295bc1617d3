"""User text is shown literally: no Rich markup, no terminal escape sequences.

Titles, notes, log lines and playbook text may contain ``[bold]``, ``[link=...]`` or raw
ANSI escapes (piped in from a tool with ``irdesk log``). Building :class:`rich.text.Text`
from plain strings never interprets markup; control characters are replaced with visible
escapes so nothing reaches the terminal as a command.
"""

from __future__ import annotations

import re

from rich.text import Text

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return "␛" if code == 0x1B else f"\\x{code:02x}"


def clean(text: object, *, single_line: bool = False) -> str:
    """Control characters made visible (tabs and newlines kept unless single_line)."""
    value = _CONTROL.sub(_visible, str(text))
    if single_line:
        value = value.replace("\r", " ").replace("\n", " ⏎ ").replace("\t", " ")
    return value


def literal(text: object, style: str = "", *, single_line: bool = False) -> Text:
    """A Text that shows exactly what the user typed (made safe), never markup."""
    return Text(clean(text, single_line=single_line), style=style)
