"""Who is at the keyboard: asked on first use, and whenever the person switches (``u``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from irdesk.errors import IrdeskError
from irdesk.tui.modals.dialog import Dialog, error_line
from irdesk.tui.safe import literal
from irdesk.tui.widgets.names import NameInput

#: roster names listed under the field (all of them are suggested as you type)
NAMES_LISTED = 8


class WhoDialog(Dialog[str]):
    """Ask who is acting: the roster's names are suggested, any name may be typed.

    ``check`` returns the name as it will be recorded, or raises an IrdeskError saying
    why it cannot be one (shown in the dialog, which stays open)."""

    def __init__(
        self,
        names: Sequence[str],
        *,
        current: str = "",
        first_use: bool = False,
        check: Callable[[str], str] = str.strip,
    ) -> None:
        super().__init__("Who is at the keyboard?")
        self.check = check
        self.names = list(names)
        self.current = current
        self.first_use = first_use

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.dialog_title, classes="dialog-title")
            why = (
                "Everything you do here is journaled under your name (and your roles), "
                "and the report credits it to you."
            )
            if self.first_use:
                why += f" Until you say, entries name the login ({self.current})."
            yield Static(literal(why), classes="dialog-note")
            yield NameInput(
                self.names,
                compact=True,
                id="who-name",
                value="" if self.first_use else self.current,
                placeholder="your name, as the team knows you",
            )
            if self.names:
                listed = ", ".join(self.names[:NAMES_LISTED])
                more = len(self.names) - NAMES_LISTED
                listed += f" and {more} more" if more > 0 else ""
                yield Static(literal(f"On the roster: {listed}"), classes="dialog-note")
            yield error_line()
            yield Static(
                "enter to confirm (a suggested name is taken) · escape to cancel",
                classes="dialog-hint",
            )

    @on(Input.Submitted, "#who-name")
    def submitted(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        if not name:
            self.show_error("type your name (a roster name is suggested as you type)")
            return
        try:
            name = self.check(name)
        except IrdeskError as error:
            self.show_error(error.message)
            return
        self.dismiss(name)
