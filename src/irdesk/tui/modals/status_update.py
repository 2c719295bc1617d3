"""A status update composed from the incident's state: read it, select and copy it, or
write it to a file; issuing it (either way) journals it and restarts the update reminder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static, TextArea

from irdesk.tui.modals.dialog import Dialog, error_line
from irdesk.tui.safe import literal


@dataclass(frozen=True)
class UpdateRequest:
    text: str
    path: Path | None  # the file it is written to; None: issued as shown (copied)


class StatusUpdateDialog(Dialog[UpdateRequest]):
    """The composed update in a read-only text area (select it to copy), a file to write
    it to, and Issue (journal it as sent) or Write (to the file, then journal it)."""

    DEFAULT_CSS = """
    StatusUpdateDialog #update-text {
        height: 16;
    }
    """

    def __init__(self, text: str, *, save: Callable[[UpdateRequest], Any] | None = None) -> None:
        super().__init__("Status update", save=save)
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide"):
            yield Label(literal(self.dialog_title), classes="dialog-title")
            yield TextArea(self.text, read_only=True, id="update-text", soft_wrap=True)
            yield Label("Write to file (optional)")
            yield Input(compact=True, id="update-path", placeholder="e.g. update-0930.txt")
            yield error_line()
            with Horizontal(classes="dialog-buttons"):
                yield Button("Issue", id="update-issue", variant="primary")
                yield Button("Write", id="update-write")
                yield Button("Close", id="update-close")
            yield Static(
                "select the text to copy it · Issue journals it as sent · escape closes",
                classes="dialog-hint",
            )

    @on(Button.Pressed, "#update-close")
    def closed(self) -> None:
        self.action_cancel()

    @on(Button.Pressed, "#update-issue")
    def issued(self) -> None:
        self.finish(UpdateRequest(self.text, None))

    @on(Input.Submitted, "#update-path")
    @on(Button.Pressed, "#update-write")
    def write(self) -> None:
        raw = self.query_one("#update-path", Input).value.strip()
        if not raw:
            self.show_error("name the file to write it to")
            self.query_one("#update-path", Input).focus()
            return
        self.finish(UpdateRequest(self.text, Path(raw).expanduser()))
