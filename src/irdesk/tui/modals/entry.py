"""One journal entry, whole: a long note, its times, who wrote it and every detail."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from irdesk.domain import describe
from irdesk.domain.clock import local_hms
from irdesk.domain.entry import Entry
from irdesk.tui.modals.dialog import Dialog
from irdesk.tui.safe import literal


def entry_text(entry: Entry) -> Text:
    """Everything an entry says, user text shown literally and whole."""
    text = Text()
    text.append(f"{describe.label(entry)}", style="bold")
    text.append(f"  entry {entry.seq} of {entry.incident_id}\n", style="dim")
    text.append("by        ")
    text.append_text(literal(entry.actor, "bold", single_line=True))
    if entry.role:
        text.append_text(literal(f" ({entry.role})", single_line=True))
    text.append(f"\nhappened  {entry.occurred_at:%Y-%m-%d} {local_hms(entry.occurred_at)}\n")
    if entry.backdated:
        text.append(f"journaled {entry.recorded_at:%Y-%m-%d} {local_hms(entry.recorded_at)}")
        text.append_text(literal(f"  (backdated: {entry.backdate_reason or 'no reason'})"))
        text.append("\n")
    if entry.corrects is not None:
        text.append(f"corrects  entry {entry.corrects}\n")
    text.append("\n")
    said = describe.describe(entry)
    text.append_text(literal(said))
    # what the sentence leaves out (an evidence note, a reason), each field whole
    for key, value in entry.payload.items():
        if key.endswith("_source") or value in (None, "", [], {}) or str(value) in said:
            continue
        text.append(f"\n{key}: ", style="dim")
        text.append_text(literal(value))
    return text


class EntryDetail(Dialog[None]):
    """Read one entry whole (enter on a timeline row); escape closes."""

    def __init__(self, entry: Entry) -> None:
        super().__init__(f"Entry {entry.seq}")
        self.entry = entry

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide"):
            yield Label(self.dialog_title, classes="dialog-title")
            with VerticalScroll(id="entry-body"):
                yield Static(entry_text(self.entry), id="entry-text")
            yield Static("escape to close · arrows scroll", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#entry-body").focus()
