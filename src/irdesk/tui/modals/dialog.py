"""The dialogs' base: a modal with a title, escape to cancel, an error line."""

from __future__ import annotations

from typing import Generic, TypeVar

from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static

from irdesk.tui.safe import literal

T = TypeVar("T")

CANCEL = Binding("escape", "cancel", "Cancel", id="modal.cancel")


class Dialog(ModalScreen[T], Generic[T]):
    """A modal with a title; escape cancels (dismisses None)."""

    BINDINGS = [CANCEL]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.dialog_title = title

    def action_cancel(self) -> None:
        self.dismiss(None)

    def show_error(self, message: str) -> None:
        error = self.query_one("#dialog-error", Static)
        error.update(literal(message))
        error.display = True


def error_line() -> Static:
    line = Static("", id="dialog-error", classes="dialog-error")
    line.display = False
    return line
