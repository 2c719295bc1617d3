"""The timeline: one row per journal entry, in the order things happened.

Rows are built by :func:`timeline_line` (one place: marks such as corrections go there);
:class:`Timeline` holds the entries it shows, sorted by their recorded time
(:func:`irdesk.domain.timeline.time_order`), filtered by an
:class:`~irdesk.domain.timeline.EntryFilter`, and opens an entry whole on enter.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence

from rich.text import Text
from textual import on
from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from irdesk.domain import describe
from irdesk.domain.clock import local_hms
from irdesk.domain.entry import Entry
from irdesk.domain.timeline import EntryFilter, time_order
from irdesk.text import single_line
from irdesk.tui.safe import literal

#: rows a live timeline keeps (older ones are in the journal, the report and replay)
TIMELINE_LINES = 300
#: lines of a long entry (a multi-line note) shown in its row; enter reads it whole
ROW_LINES = 4
#: where the description starts: time, actor, label
INDENT = " " * (8 + 1 + 12 + 1 + 10 + 1)

#: what is said beside an entry, by seq (``IncidentState.asides``): its clash with an
#: earlier action, its corrections; each (text, alarming)
Asides = Callable[[int], Sequence[tuple[str, bool]]]


def _no_asides(seq: int) -> Sequence[tuple[str, bool]]:
    return ()


def timeline_line(entry: Entry, asides: Sequence[tuple[str, bool]] = ()) -> Text:
    """One timeline row; user text goes through ``literal`` so it is shown as typed. A
    multi-line note shows its first lines, indented under the first; a backdated entry
    says when it was journaled; what is known about it since (a clash, a correction) is
    said beside it."""
    line = Text()
    line.append(local_hms(entry.occurred_at), style="bold")
    line.append(" ")
    line.append_text(literal(f"{entry.actor[:12]:<12}", single_line=True))
    line.append(f" {describe.label(entry):<10} ", style="italic")
    style = "bold red" if entry.kind == "escalation.fired" else ""
    lines = describe.describe(entry).split("\n")
    line.append_text(literal(lines[0], style, single_line=True))
    if entry.backdated:
        line.append(f"  (journaled {local_hms(entry.recorded_at)})", style="dim")
    for text, alarming in asides:
        line.append_text(
            literal(f"  {text}", "bold red" if alarming else "yellow", single_line=True)
        )
    for more in lines[1:ROW_LINES]:
        line.append("\n" + INDENT)
        line.append_text(literal(more, style, single_line=True))
    if len(lines) > ROW_LINES:
        line.append(
            f"\n{INDENT}… {len(lines) - ROW_LINES} more lines (enter reads it whole)", style="dim"
        )
    return line


class Timeline(OptionList):
    """Journal entries as timeline rows: what happened, who did it, when; newest at the
    bottom. Enter (or a click) on a row reads the entry whole."""

    DEFAULT_CSS = """
    Timeline {
        border: round $secondary;
    }
    """

    def __init__(self, *, title: str = "Timeline", id: str | None = None) -> None:
        super().__init__(id=id)
        self.title = title
        self.entries: list[Entry] = []  # shown, in time order
        self.filter = EntryFilter()
        self._current: int | None = None  # replay: the entry at the cursor
        self.asides: Asides = _no_asides  # what the rows say beside their entries
        self._said: dict[int, tuple[tuple[str, bool], ...]] = {}  # by seq, as drawn

    def on_mount(self) -> None:
        self._show_title()

    # ----------------------------------------------------------------- content
    def show(self, entries: Iterable[Entry], asides: Asides | None = None) -> None:
        """Only these entries (those the filter keeps; the newest ``TIMELINE_LINES``)."""
        self.asides = asides or self.asides
        kept = (e for e in entries if self.filter.matches(e))
        newest = heapq.nlargest(TIMELINE_LINES, kept, key=time_order)
        self._fill(sorted(newest, key=time_order), follow=True)

    def add(self, entries: Iterable[Entry], asides: Asides | None = None) -> None:
        """Entries journaled since: each goes where its time puts it. Rows already shown
        are drawn again only where what is said beside them changed (a new entry may
        correct or clash with one of them); the rest stay as drawn, so a tick costs its
        own row, not the whole timeline."""
        self.asides = asides or self.asides
        shown = self.entries
        seqs = {e.seq for e in shown}  # one read twice (opening, then polling) is shown once
        new = sorted(
            (e for e in entries if e.seq not in seqs and self.filter.matches(e)), key=time_order
        )
        if not new:
            return
        follow = self.is_vertical_scroll_end or not self.has_focus
        merged = [*shown, *new]
        dropped = max(0, len(merged) - TIMELINE_LINES)
        if dropped >= len(shown) or time_order(new[0]) < time_order(shown[-1]):
            # nothing shown stays, or one goes between rows (a backdated entry): draw anew
            self._fill(sorted(merged, key=time_order)[-TIMELINE_LINES:], follow=follow)
            return
        keep = self.highlighted_entry
        for entry in shown[:dropped]:
            self.remove_option_at_index(0)
            del self._said[entry.seq]
        self.entries = merged[dropped:]
        for index, entry in enumerate(shown[dropped:]):
            said = tuple(self.asides(entry.seq))
            if said != self._said[entry.seq]:
                self._said[entry.seq] = said
                self.replace_option_prompt_at_index(index, timeline_line(entry, said))
        self.add_options(self._row(e) for e in new)
        self._place(keep, follow=follow)

    def set_filter(self, chosen: EntryFilter, entries: Iterable[Entry]) -> None:
        """Filter by ``chosen`` (an empty one shows everything) over ``entries``."""
        self.filter = chosen
        self.show(entries)
        self._show_title()

    def show_around(
        self,
        entries: Iterable[Entry],
        current: int,
        *,
        before: int,
        asides: Asides | None = None,
    ) -> None:
        """A window of entries with entry ``current`` highlighted and kept in view
        (replay; ``before`` is how many entries the window holds ahead of it)."""
        self.asides = asides or self.asides
        del before  # the highlighted row is scrolled into view
        self._current = current
        self._fill(sorted(entries, key=time_order), follow=False)
        for index, entry in enumerate(self.entries):
            if entry.seq == current:
                self.highlighted = index

    def _fill(self, entries: list[Entry], *, follow: bool) -> None:
        """Draw ``entries`` anew; the cursor stays on its entry where that is still shown
        (read before the entries change: the same index may now be another entry)."""
        keep = self.highlighted_entry
        self.entries = entries
        self.clear_options()
        self._said.clear()
        self.add_options(self._row(e) for e in self.entries)
        self._place(keep, follow=follow)

    def _row(self, entry: Entry) -> Option:
        """The option of one entry, remembering what its row says beside it."""
        said = self._said[entry.seq] = tuple(self.asides(entry.seq))
        return Option(timeline_line(entry, said), id=str(entry.seq))

    def _place(self, keep: Entry | None, *, follow: bool) -> None:
        """After the rows changed: the focused timeline keeps its cursor on the entry it
        was on; else the cursor is gone and the timeline follows the newest row when
        ``follow``."""
        if keep is not None and self.has_focus:
            seqs = [e.seq for e in self.entries]
            if keep.seq in seqs:
                self.highlighted = seqs.index(keep.seq)
                self.scroll_to_highlight()
                return
        self.highlighted = None
        if follow:
            self.scroll_end(animate=False, immediate=True)

    def _show_title(self) -> None:
        title = self.title
        if not self.filter.empty:
            title += f" · {self.filter.summary()} ({len(self.entries)} shown; / changes)"
        self.border_title = Content(single_line(title))  # Content: never read as markup

    def enter(self) -> None:
        """Focus the timeline on its newest row (the one a person looks for first)."""
        self.focus()
        if self.highlighted is None and self.entries:
            self.highlighted = len(self.entries) - 1

    @property
    def highlighted_entry(self) -> Entry | None:
        if self.highlighted is None or not 0 <= self.highlighted < len(self.entries):
            return None
        return self.entries[self.highlighted]

    # ----------------------------------------------------------------- reading
    @on(OptionList.OptionSelected)
    def _read(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        entry = self.highlighted_entry
        if entry is not None:
            from irdesk.tui.modals.entry import EntryDetail

            self.app.push_screen(EntryDetail(entry))
