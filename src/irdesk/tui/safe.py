"""User text is shown literally: no Rich markup, no terminal escape sequences.

Titles, notes, log lines and playbook text may contain ``[bold]``, ``[link=...]`` or raw
ANSI escapes (piped in from a tool with ``irdesk log``). Control characters and bidi
overrides are made visible by :mod:`irdesk.text` (the sanitiser every output uses); on top
of that, building :class:`rich.text.Text` from a plain string never interprets markup.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import App
from textual.notifications import SeverityLevel

from irdesk.text import single_line as _single_line
from irdesk.text import visible


def literal(text: object, style: str = "", *, single_line: bool = False) -> Text:
    """A Text that shows exactly what the user typed (made safe), never markup."""
    return Text(_single_line(text) if single_line else visible(text), style=style)


class LiteralToastsApp(App[None]):
    """The base of irdesk's apps (the desk, the player view): every toast shows its text
    literally.

    Toasts carry user text (titles, notes, journal and notify errors). Textual reads a
    toast message as markup by default, so ``[bold]`` was styled and a title such as
    ``[link=http://x]`` raised MarkupError when the toast was drawn, crashing the desk at
    the moment an escalation fired. irdesk never writes markup in a toast.
    """

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)
