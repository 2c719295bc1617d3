"""The one base of every error irdesk reports to a person.

An :class:`IrdeskError` carries a message a person can act on (``str()`` of the error is
that message, whatever other base a family keeps). The command line prints it once, in its
group, as ``irdesk: <message>`` with a non-zero exit; the Textual app shows it once, as a
notification. Anything else that escapes is a bug, and is allowed to look like one.

A leaf module: it imports nothing from irdesk.
"""

from __future__ import annotations


class IrdeskError(Exception):
    """Something a person can fix or should know; ``message`` says what, in plain words.

    Families that existing code catches by a built-in base keep it as a second base
    (``class NotFound(IrdeskError, LookupError)``), so ``except LookupError`` still works.
    """

    def __str__(self) -> str:
        # Defined here so a KeyError-based family does not show its message in quotes.
        return str(self.args[0]) if self.args else ""

    @property
    def message(self) -> str:
        return str(self)


class ActionError(IrdeskError, ValueError):
    """An action that makes no sense in the current state (the message is for people).
    Defined here, not with the incident domain, so that checking a name (who acts) does
    not load that domain before home's first frame."""
