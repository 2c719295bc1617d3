"""The note dialog: a note for the timeline (one line or several), whether it is for the
team only, and a file or URL it points to (a file is hashed when the note is recorded)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.widgets import Checkbox, Input

from irdesk.tui.modals.prompts import NotePrompt

INTERNAL_LABEL = "Internal: for the team only, left out of reports"


class NoteDialog(NotePrompt):
    """Ask for a note; the checkbox (tab, then space) marks it internal, so a bridge PIN
    or a name stays on the team's screens and out of the management report; the last field
    attaches a file (its SHA-256 recorded with the note) or a URL.

    ``save(text, internal, attach)`` records it; the dialog stays open until it is
    recorded (a file that cannot be read is said there, and nothing typed is lost).
    """

    hint = (
        "enter to add · ctrl+j new line (pasted lines are kept) · tab, space: internal · "
        "tab again: attach · escape to cancel"
    )

    def __init__(self, save: Callable[[str, bool, tuple[str, ...]], Any]) -> None:
        super().__init__(
            "Note",
            "Add a note to the timeline",
            placeholder="what happened, what was decided",
            save=lambda text: save(text, self.internal, self.attach),
        )

    def more(self) -> ComposeResult:
        yield Checkbox(INTERNAL_LABEL, id="note-internal", compact=True)
        yield Input(
            id="note-attach",
            compact=True,
            placeholder="attach (optional): a file path or a URL",
        )

    @property
    def attach(self) -> tuple[str, ...]:
        ref = self.query_one("#note-attach", Input).value.strip()
        return (ref,) if ref else ()

    @on(Input.Submitted, "#note-attach")
    def _attach_submitted(self) -> None:
        self.submitted()

    @property
    def internal(self) -> bool:
        return self.query_one("#note-internal", Checkbox).value
