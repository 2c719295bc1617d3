"""One timeline row per journal entry (the runner, the drill and replay screens)."""

from __future__ import annotations

from rich.text import Text

from irdesk.domain import describe
from irdesk.domain.clock import local_hms
from irdesk.domain.entry import Entry
from irdesk.tui.safe import literal


def timeline_line(entry: Entry) -> Text:
    """One timeline row; user text goes through ``literal`` so it is shown as typed."""
    line = Text()
    line.append(local_hms(entry.occurred_at), style="bold")
    line.append(" ")
    line.append_text(literal(f"{entry.actor[:12]:<12}", single_line=True))
    line.append(f" {describe.label(entry):<10} ", style="italic")
    style = "bold red" if entry.kind == "escalation.fired" else ""
    line.append_text(literal(describe.describe(entry), style, single_line=True))
    if entry.backdated:
        line.append(f"  (recorded {local_hms(entry.recorded_at)})", style="dim")
    return line
