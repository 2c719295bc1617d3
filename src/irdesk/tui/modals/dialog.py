"""The dialogs' base: a modal with a title, escape to cancel, an error line, and (for a
dialog that records what it collects) a write that keeps the dialog open until the
journal committed it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static

from irdesk.errors import IrdeskError
from irdesk.tui.safe import literal
from irdesk.tui.writes import PATIENCE, PatientWrite, kept_for_retry, waiting_message

T = TypeVar("T")

CANCEL = Binding("escape", "cancel", "Cancel", id="modal.cancel")
#: a modal screen hides the app's keys: ctrl+q must still quit with a dialog open
QUIT = Binding("ctrl+q", "quit", "Quit", id="modal.quit", show=False)


class Dialog(ModalScreen[T], Generic[T]):
    """A modal with a title; escape cancels (dismisses None).

    With ``save``, the dialog records its result itself (:meth:`finish`): it is dismissed
    with the result only once ``save(result)`` has returned, that is once the journal
    committed it. While the journal is locked by another process the dialog says it is
    waiting and tries again; when the write fails it says why and keeps everything typed,
    and enter tries again. A refusal (the action makes no sense now: somebody else did it
    first, the incident was closed meanwhile) keeps the dialog open with its reason when
    the person typed something in it (what they typed is never thrown away: they can
    change it, or copy it and leave with escape); a dialog with nothing typed in it closes
    and the refusal is shown as every other refusal is.
    """

    BINDINGS = [CANCEL, QUIT]
    #: what the person can do while a write waits, and after it failed
    WHILE_WAITING = "What you typed stays here until it is recorded; escape gives up."
    AFTER_FAILURE = "What you typed is kept: enter tries again, escape cancels."

    def __init__(self, title: str, *, save: Callable[[T], Any] | None = None) -> None:
        super().__init__()
        self.dialog_title = title
        self.save = save
        self._write: PatientWrite | None = None

    def finish(self, result: T) -> None:
        """Done: record ``result`` (with ``save``), then dismiss with it."""
        if self.save is None:
            self.dismiss(result)
            return
        if self._write is not None and self._write.running:
            return  # already trying; enter again changes nothing
        save = self.save

        def recorded(_: object) -> None:
            self.dismiss(result)

        self._write = PatientWrite(
            self,
            lambda: save(result),
            done=recorded,
            failed=self._not_recorded,
            waiting=lambda waited: self.show_error(
                waiting_message(waited, self.WHILE_WAITING), waiting=True
            ),
            patience=getattr(self.app, "write_patience", PATIENCE),
        )
        self._write.start()

    #: a refusal keeps the dialog open with its reason even when nothing was typed in it
    #: (a note: the person will want to say it differently)
    keep_on_refusal = False

    def _not_recorded(self, error: IrdeskError) -> None:
        if kept_for_retry(error):
            self.show_error(f"Not recorded: {error.message}. {self.AFTER_FAILURE}")
        elif self.keep_on_refusal or self.typed:
            self.show_error(f"Not recorded: {error.message}")
        else:
            self.dismiss(None)
            self.app.show_error(error, title="not recorded")  # type: ignore[attr-defined]

    def on_mount(self) -> None:
        self._as_opened = self._typed_values()

    def _typed_values(self) -> list[str]:
        from textual.widgets import Input, TextArea

        return [w.value for w in self.query(Input)] + [w.text for w in self.query(TextArea)]

    @property
    def typed(self) -> bool:
        """Whether the person typed something here that is not recorded yet."""
        return self._typed_values() != getattr(self, "_as_opened", [])

    def action_quit(self) -> None:
        """ctrl+q: quit irdesk, first asking when what was typed here would be lost. The
        question is a dialog of its own, so the keys that follow never reach this one."""
        if not self.typed:
            self.app.exit()
            return
        from irdesk.tui.modals.prompts import ConfirmPrompt

        def answered(quit_now: bool | None) -> None:
            if quit_now:
                self.app.exit()

        self.app.push_screen(
            ConfirmPrompt(
                "Quit irdesk?",
                f"{self.dialog_title}: what you typed is not recorded and will be lost.",
                yes="Quit",
            ),
            answered,
        )

    def action_cancel(self) -> None:
        if self._write is not None:
            self._write.cancel()
        self.dismiss(None)

    def show_error(self, message: str, *, waiting: bool = False) -> None:
        error = self.query_one("#dialog-error", Static)
        error.update(literal(message))
        error.set_class(waiting, "-waiting")
        error.display = True


def error_line() -> Static:
    line = Static("", id="dialog-error", classes="dialog-error")
    line.display = False
    return line
