"""The timeline's order and its filter: what every timeline view shows, in what order.

Entries are shown in the order things happened (their recorded time, ``occurred_at``),
not the order they were journaled: a milestone backdated to 09:12 sits at 09:12, with the
time it was journaled shown beside it. Equal times keep journal order (``seq``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from irdesk.domain import describe
from irdesk.domain.entry import Entry


def time_order(entry: Entry) -> tuple[datetime, int]:
    """The key that sorts entries as they happened."""
    return (entry.occurred_at, entry.seq)


@dataclass(frozen=True)
class EntryFilter:
    """Which entries a timeline shows: of a kind (its label, as the timeline names it), by
    an actor, holding a text (case-insensitive, in what the row says or who wrote it).
    Empty fields match everything."""

    kind: str = ""
    actor: str = ""
    text: str = ""

    @property
    def empty(self) -> bool:
        return not (self.kind or self.actor or self.text.strip())

    def matches(self, entry: Entry) -> bool:
        if self.kind and describe.label(entry) != self.kind:
            return False
        if self.actor and entry.actor != self.actor:
            return False
        needle = self.text.strip().casefold()
        if needle:
            haystack = f"{describe.describe(entry)}\n{entry.actor}\n{entry.backdate_reason or ''}"
            return needle in haystack.casefold()
        return True

    def summary(self) -> str:
        """The filter in a few words, for the timeline's title."""
        parts = []
        if self.kind:
            parts.append(f"kind {self.kind}")
        if self.actor:
            parts.append(f"by {self.actor}")
        if self.text.strip():
            parts.append(f'"{self.text.strip()}"')
        return ", ".join(parts)
