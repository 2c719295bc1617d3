"""Search and filter the timeline: by kind, by who acted, by text."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from irdesk.domain.timeline import EntryFilter
from irdesk.tui.modals.dialog import Dialog


class TimelineFilterDialog(Dialog[EntryFilter]):
    """Choose what the timeline shows; "Show all" (or everything left empty) clears it."""

    def __init__(self, kinds: Sequence[str], actors: Sequence[str], current: EntryFilter) -> None:
        super().__init__("Search the timeline")
        self.kinds = list(kinds)
        self.actors = list(actors)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.dialog_title, classes="dialog-title")
            yield Label("Text (in what an entry says or who wrote it)")
            yield Input(compact=True, id="filter-text", value=self.current.text)
            yield Label("Kind")
            yield Select(
                [(k, k) for k in self.kinds],
                compact=True,
                id="filter-kind",
                prompt="any kind",
                value=self.current.kind or Select.NULL,
            )
            yield Label("Who")
            yield Select(
                [(a, a) for a in self.actors],
                compact=True,
                id="filter-actor",
                prompt="anybody",
                value=self.current.actor or Select.NULL,
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Filter", id="filter", variant="primary")
                yield Button("Show all", id="all")
            yield Static("enter to filter · escape to cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#filter-text", Input).focus()

    @on(Button.Pressed, "#all")
    def show_all(self) -> None:
        self.dismiss(EntryFilter())

    @on(Input.Submitted)
    @on(Button.Pressed, "#filter")
    def submit(self) -> None:
        kind = self.query_one("#filter-kind", Select).value
        actor = self.query_one("#filter-actor", Select).value
        self.dismiss(
            EntryFilter(
                kind="" if kind is Select.NULL else str(kind),
                actor="" if actor is Select.NULL else str(actor),
                text=self.query_one("#filter-text", Input).value.strip(),
            )
        )
