"""BEGIN IMMEDIATE retries BUSY results that skip SQLite's own busy handler."""

from __future__ import annotations

import sqlite3
import time

import pytest

from irdesk.store import Journal, JournalLocked


class FlakyConnection:
    """A connection whose first ``busy`` BEGINs fail as SQLite does during WAL recovery."""

    def __init__(self, conn: sqlite3.Connection, busy: int) -> None:
        self._conn = conn
        self.busy = busy
        self.begins = 0

    def execute(self, sql: str, *args):  # noqa: ANN002, ANN201
        if sql == "BEGIN IMMEDIATE":
            self.begins += 1
            if self.busy:
                self.busy -= 1
                raise sqlite3.OperationalError("database is locked")
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._conn, name)


def _declare(journal: Journal) -> str:
    return journal.create_incident(
        mode="live",
        title="t",
        severity="SEV2",
        playbook_id="p",
        playbook_version="1",
        playbook_sha256="0" * 64,
        actor="ada",
    ).id


def test_a_transient_busy_is_retried_and_the_write_lands(tmp_path):
    journal = Journal.open(tmp_path / "j.db", timeout=5)
    incident = _declare(journal)
    flaky = FlakyConnection(journal._conn, busy=3)
    journal._conn = flaky
    entry = journal.append(incident, "note", {"text": "after recovery"}, actor="ada")
    assert flaky.begins == 4 and entry.seq == 2
    journal._conn = flaky._conn
    assert journal.get_entry(incident, 2).payload == {"text": "after recovery"}


def test_busy_for_longer_than_the_timeout_is_reported_as_locked(tmp_path):
    journal = Journal.open(tmp_path / "j.db", timeout=0.3)
    incident = _declare(journal)
    flaky = FlakyConnection(journal._conn, busy=10_000)
    journal._conn = flaky
    started = time.monotonic()
    with pytest.raises(JournalLocked, match="locked by another process"):
        journal.append(incident, "note", {"text": "never"}, actor="ada")
    assert time.monotonic() - started >= 0.3  # it really waited, then said so
    assert flaky.begins > 2
    journal._conn = flaky._conn
    assert journal.last_seq(incident) == 1
