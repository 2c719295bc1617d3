"""The timeline: one row per journal entry, newest at the bottom."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from rich.text import Text
from textual.widgets import RichLog

from irdesk.domain import describe
from irdesk.domain.clock import local_hms
from irdesk.domain.entry import Entry
from irdesk.tui.safe import literal

#: rows a live timeline keeps (older ones are in the journal, the report and replay)
TIMELINE_LINES = 300

#: what is said beside an entry, by seq (``IncidentState.asides``): its clash with an
#: earlier action, its corrections; each (text, alarming)
Asides = Callable[[int], Sequence[tuple[str, bool]]]


def _no_asides(seq: int) -> Sequence[tuple[str, bool]]:
    return ()


def timeline_line(entry: Entry, asides: Sequence[tuple[str, bool]] = ()) -> Text:
    """One timeline row; user text goes through ``literal`` so it is shown as typed. What
    is known about it since (a clash, a correction) is said beside it."""
    line = Text()
    line.append(local_hms(entry.occurred_at), style="bold")
    line.append(" ")
    line.append_text(literal(f"{entry.actor[:12]:<12}", single_line=True))
    line.append(f" {describe.label(entry):<10} ", style="italic")
    style = "bold red" if entry.kind == "escalation.fired" else ""
    line.append_text(literal(describe.describe(entry), style, single_line=True))
    if entry.backdated:
        line.append(f"  (recorded {local_hms(entry.recorded_at)})", style="dim")
    for text, alarming in asides:
        line.append_text(
            literal(f"  {text}", "bold red" if alarming else "yellow", single_line=True)
        )
    return line


class Timeline(RichLog):
    """Journal entries as timeline rows: what just happened, who did it, when."""

    DEFAULT_CSS = """
    Timeline {
        border: round $secondary;
    }
    """

    def __init__(self, *, title: str = "Timeline", id: str | None = None) -> None:
        super().__init__(id=id, max_lines=TIMELINE_LINES, wrap=False, markup=False)
        self.title = title

    def on_mount(self) -> None:
        self.border_title = self.title

    def show(self, entries: Iterable[Entry], asides: Asides = _no_asides) -> None:
        """Only these entries (the newest ``TIMELINE_LINES`` are kept)."""
        self.clear()
        self.add(entries, asides)

    def add(self, entries: Iterable[Entry], asides: Asides = _no_asides) -> None:
        for entry in entries:
            self.write(timeline_line(entry, asides(entry.seq)))

    def show_around(
        self,
        entries: Iterable[Entry],
        current: int,
        *,
        before: int,
        asides: Asides = _no_asides,
    ) -> None:
        """A window of entries with entry ``current`` highlighted and kept in view;
        ``before`` is how many entries the window holds ahead of it (at most)."""
        self.clear()
        for entry in entries:
            line = timeline_line(entry, asides(entry.seq))
            if entry.seq == current:
                line.stylize("reverse")
            self.write(line)
        self.scroll_to(y=max(0, min(before, current - 1) - 2), animate=False)
