"""The note dialog: a note for the timeline (one line or several), and whether it is for
the team only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Checkbox

from irdesk.tui.modals.prompts import NotePrompt

INTERNAL_LABEL = "Internal: for the team only, left out of reports"


class NoteDialog(NotePrompt):
    """Ask for a note; the checkbox (tab, then space) marks it internal, so a bridge PIN
    or a name stays on the team's screens and out of the management report.

    ``save(text, internal)`` records it; the dialog stays open until it is recorded.
    """

    hint = (
        "enter to add · ctrl+j new line (pasted lines are kept) · tab, space: internal · "
        "escape to cancel"
    )

    def __init__(self, save: Callable[[str, bool], Any]) -> None:
        super().__init__(
            "Note",
            "Add a note to the timeline",
            placeholder="what happened, what was decided",
            save=lambda text: save(text, self.internal),
        )

    def more(self) -> ComposeResult:
        yield Checkbox(INTERNAL_LABEL, id="note-internal", compact=True)

    @property
    def internal(self) -> bool:
        return self.query_one("#note-internal", Checkbox).value
