"""User text is shown literally: no Rich markup, no terminal escape sequences.

Titles, notes, log lines and playbook text may contain ``[bold]``, ``[link=...]`` or raw
ANSI escapes (piped in from a tool with ``irdesk log``). Control characters and bidi
overrides are made visible by :mod:`irdesk.text` (the sanitiser every output uses); on top
of that, building :class:`rich.text.Text` from a plain string never interprets markup.
"""

from __future__ import annotations

from rich.text import Text

from irdesk.text import single_line as _single_line
from irdesk.text import visible


def literal(text: object, style: str = "", *, single_line: bool = False) -> Text:
    """A Text that shows exactly what the user typed (made safe), never markup."""
    return Text(_single_line(text) if single_line else visible(text), style=style)
