"""Prompts: a line of text, a choice among options, yes or no."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from irdesk.tui.modals.dialog import CANCEL, Dialog, T, error_line
from irdesk.tui.safe import literal
from irdesk.tui.widgets.names import NameInput


class TextPrompt(Dialog[str]):
    """Ask for one line of text (a note, a reason, an evidence note)."""

    def __init__(
        self,
        title: str,
        label: str,
        *,
        placeholder: str = "",
        initial: str = "",
        required: bool = True,
        suggestions: Sequence[str] = (),
        save: Callable[[str], Any] | None = None,
    ) -> None:
        super().__init__(title, save=save)
        self.label = label
        self.placeholder = placeholder
        self.initial = initial
        self.required = required
        self.suggestions = list(suggestions)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(literal(self.dialog_title), classes="dialog-title")
            yield Label(literal(self.label))
            yield NameInput(
                self.suggestions,
                compact=True,
                value=self.initial,
                placeholder=self.placeholder,
                id="prompt-input",
            )
            yield from self.more()
            yield error_line()
            yield Static(self.hint, classes="dialog-hint")

    #: the line under the dialog saying which keys do what
    hint = "enter to confirm · escape to cancel"

    def more(self) -> ComposeResult:
        """Widgets a prompt that asks for more than the line shows under it (none here)."""
        return iter(())

    @on(Input.Submitted, "#prompt-input")
    def submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if self.required and not value:
            self.show_error("this cannot be empty")
            return
        self.finish(value)


class NoteArea(TextArea):
    """A note's text: enter saves (as in every other prompt), ctrl+j or shift+enter starts
    a new line, and pasted lines are kept."""

    @dataclass
    class Submitted(Message):
        area: NoteArea

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.post_message(self.Submitted(self))
            return
        if event.key in ("ctrl+j", "shift+enter"):
            event.stop()
            event.prevent_default()
            self.insert("\n")
            return
        await super()._on_key(event)

    def _on_paste(self, event: events.Paste) -> None:
        # TextArea's own handler (called next, Textual calls each class's) inserts it;
        # stopped here so that the screen does not hand the paste on a second time
        event.stop()


class NotePrompt(Dialog[str]):
    """A note of one line or several (the timeline shows them, enter on it reads it all).
    A refused note keeps the dialog open with what was typed."""

    keep_on_refusal = True

    def __init__(
        self,
        title: str,
        label: str,
        *,
        placeholder: str = "",
        save: Callable[[str], Any] | None = None,
    ) -> None:
        super().__init__(title, save=save)
        self.label = label
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide"):
            yield Label(literal(self.dialog_title), classes="dialog-title")
            yield Label(literal(self.label))
            yield NoteArea(
                id="note-text",
                placeholder=self.placeholder,
                soft_wrap=True,
                show_line_numbers=False,
                compact=True,
            )
            yield from self.more()
            yield error_line()
            yield Static(self.hint, classes="dialog-hint")

    hint = "enter to save · ctrl+j new line (pasted lines are kept) · escape to cancel"

    def more(self) -> ComposeResult:
        """What a kind of note asks besides its text (nothing here)."""
        return iter(())

    def on_mount(self) -> None:
        self.query_one("#note-text", NoteArea).focus()

    @on(NoteArea.Submitted)
    def submitted(self) -> None:
        value = self.query_one("#note-text", NoteArea).text.strip()
        if not value:
            self.show_error("this cannot be empty")
            return
        self.finish(value)


class ChoicePrompt(Dialog[T], Generic[T]):
    """Pick one of several options (decision options, severities, roles...)."""

    def __init__(
        self, title: str, options: Sequence[tuple[str, T]], *, note: str = "", highlighted: int = 0
    ) -> None:
        super().__init__(title)
        self.options = list(options)
        self.note = note
        self.highlighted = highlighted

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(literal(self.dialog_title), classes="dialog-title")
            if self.note:
                yield Static(literal(self.note), classes="dialog-note")
            yield OptionList(
                *[
                    Option(literal(f"{i + 1}. {label}" if i < 9 else label), id=str(i))
                    for i, (label, _) in enumerate(self.options)
                ],
                id="choice-list",
            )
            yield Static("enter or 1-9 to choose · escape to cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        choices = self.query_one("#choice-list", OptionList)
        if self.options:
            choices.highlighted = min(self.highlighted, len(self.options) - 1)

    @on(OptionList.OptionSelected, "#choice-list")
    def selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.options[int(event.option.id)][1])

    def on_key(self, event) -> None:  # noqa: ANN001
        if event.character and event.character.isdigit():
            index = int(event.character) - 1
            if 0 <= index < len(self.options):
                event.stop()
                self.dismiss(self.options[index][1])


class ConfirmPrompt(Dialog[bool]):
    BINDINGS = [
        CANCEL,
        Binding("y", "yes", "Yes", id="modal.yes"),
        Binding("n", "cancel", "No", id="modal.no"),
    ]

    def __init__(self, title: str, message: str, yes: str = "Yes") -> None:
        super().__init__(title)
        self.message = message
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(literal(self.dialog_title), classes="dialog-title")
            yield Static(literal(self.message))
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.yes, id="yes", variant="primary")
                yield Button("Cancel", id="no")

    def action_yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")
