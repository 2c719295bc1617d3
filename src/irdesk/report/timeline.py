"""The report's timeline, one row per entry, spooled: kept in memory while small, in a
temporary file beyond that, so a 100k-entry incident never holds 100k rows in memory.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from datetime import datetime
from typing import NamedTuple

from irdesk.domain.clock import format_ts
from irdesk.domain.describe import describe, label
from irdesk.domain.entry import Entry
from irdesk.domain.metrics import BACKDATE_TOLERANCE
from irdesk.text import visible

SPOOL_IN_MEMORY = 2 * 1024 * 1024  # bytes of timeline kept in memory before spilling to disk


class TimelineRow(NamedTuple):
    seq: int
    occurred_at: str  # format_ts (UTC, ms)
    recorded_at: str | None  # only when it differs from occurred_at by more than a second
    actor: str
    role: str | None
    kind: str
    label: str
    text: str  # user text already made visible (see :func:`visible`)
    backdate_reason: str | None
    corrects: int | None


def _ts(when: datetime) -> str:
    """format_ts, fast for the aware-UTC datetimes the store returns."""
    text = when.isoformat(timespec="milliseconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else format_ts(when)


_SEP, _NL = "\x1f", "\x1e"  # visible() turns both into text, so they cannot occur in a field


def _field(value: object) -> str:
    """One spooled field: made visible, newlines folded (None → empty)."""
    if value is None:
        return ""
    text = visible(value)
    return text.replace("\n", _NL) if "\n" in text else text


class Timeline:
    """The report's timeline rows, spooled (in memory while small, then a temp file).

    One line per row, fields separated by a control character that :func:`visible` has
    removed from every field. Iterate it as often as needed (not from two threads at once).
    """

    def __init__(self, limit: int = SPOOL_IN_MEMORY) -> None:
        self._spool = tempfile.SpooledTemporaryFile(
            max_size=limit, mode="w+", encoding="utf-8", newline="\n"
        )
        self.count = 0
        self.corrected_by: dict[int, list[int]] = {}  # seq → seqs of entries correcting it
        self._words: dict[tuple[str, str | None, str, bool], str] = {}

    def add(self, entry: Entry) -> None:
        occurred = _ts(entry.occurred_at)
        recorded = ""
        if abs(entry.recorded_at - entry.occurred_at) > BACKDATE_TOLERANCE:
            recorded = _ts(entry.recorded_at)
        f = _field
        words = self._words  # actors, roles, kinds and labels repeat: made visible once
        head = (entry.actor, entry.role, entry.kind, entry.damage is not None)
        fixed = words.get(head)
        if fixed is None:
            fixed = words[head] = _SEP.join(
                (f(entry.actor), f(entry.role), f(entry.kind), f(label(entry)))
            )
        self._spool.write(
            _SEP.join(
                (
                    str(entry.seq),
                    occurred,
                    recorded,
                    fixed,
                    f(describe(entry)),
                    f(entry.backdate_reason),
                    "" if entry.corrects is None else str(entry.corrects),
                )
            )
            + "\n"
        )
        self.count += 1
        if entry.corrects is not None:
            self.corrected_by.setdefault(entry.corrects, []).append(entry.seq)

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[TimelineRow]:
        self._spool.flush()
        self._spool.seek(0)
        for line in self._spool:
            (seq, occurred, recorded, actor, role, kind, text_label, text, reason, corrects) = line[
                :-1
            ].split(_SEP)
            if _NL in text:
                text = text.replace(_NL, "\n")
            if _NL in reason:
                reason = reason.replace(_NL, "\n")
            yield TimelineRow(
                int(seq),
                occurred,
                recorded or None,
                actor,
                role or None,
                kind,
                text_label,
                text,
                reason or None,
                int(corrects) if corrects else None,
            )
        self._spool.seek(0, io.SEEK_END)

    def close(self) -> None:
        self._spool.close()
