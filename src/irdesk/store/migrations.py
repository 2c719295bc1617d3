"""The journal schema, created and evolved by numbered migrations (sqlite-utils Migrations).

Rules for adding a migration:

* append a new function at the end of :data:`STEPS` (never edit or reorder old ones; a
  journal in someone's hands already ran them);
* keep old readers working where possible: add columns/tables, don't repurpose them;
* bump nothing by hand: ``PRAGMA user_version`` is set to ``len(STEPS)`` in the same
  transaction, and an irdesk that finds a higher number refuses to write the journal.

``sqlite_utils`` is imported only when a journal actually needs migrating, so opening an
up-to-date journal (every ``irdesk`` command, every test) does not pay for the import.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from sqlite_utils import Database

MIGRATION_SET = "irdesk.journal"
#: ``PRAGMA application_id`` of an irdesk journal ("IRDK").
APPLICATION_ID = 0x4952444B


def m0001_journal(db: Database) -> None:
    """Incidents (a summary cache for listing) and entries (the truth, hash-chained)."""
    db.execute(
        """
        CREATE TABLE incidents (
            id               TEXT PRIMARY KEY,
            mode             TEXT NOT NULL CHECK (mode IN ('live', 'drill')),
            title            TEXT NOT NULL,
            severity         TEXT NOT NULL,
            status           TEXT NOT NULL,
            playbook_id      TEXT NOT NULL,
            playbook_version TEXT NOT NULL,
            playbook_sha256  TEXT NOT NULL,
            scenario_id      TEXT,
            scenario_sha256  TEXT,
            created_at       TEXT NOT NULL,
            updated_at       TEXT NOT NULL,
            closed_at        TEXT,
            last_seq         INTEGER NOT NULL,
            head_hash        TEXT NOT NULL,
            entry_count      INTEGER NOT NULL
        ) STRICT
        """
    )
    # WITHOUT ROWID: the table is clustered on (incident_id, seq), so reading an
    # incident's entries in order (paging, replay, verify) is a sequential scan.
    db.execute(
        """
        CREATE TABLE entries (
            incident_id     TEXT NOT NULL REFERENCES incidents (id),
            seq             INTEGER NOT NULL CHECK (seq >= 1),
            uid             TEXT NOT NULL UNIQUE,
            kind            TEXT NOT NULL,
            actor           TEXT NOT NULL,
            role            TEXT,
            occurred_at     TEXT NOT NULL,
            recorded_at     TEXT NOT NULL,
            backdate_reason TEXT,
            corrects        INTEGER,
            payload         TEXT NOT NULL,
            prev_hash       TEXT NOT NULL,
            hash            TEXT NOT NULL,
            PRIMARY KEY (incident_id, seq),
            FOREIGN KEY (incident_id, corrects) REFERENCES entries (incident_id, seq)
        ) STRICT, WITHOUT ROWID
        """
    )


def m0002_append_only(db: Database) -> None:
    """Refuse UPDATE and DELETE on entries, and edits of an incident's identity."""
    db.execute(
        """
        CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
        BEGIN
            SELECT RAISE(ABORT, 'journal entries are append-only: add a correction instead');
        END
        """
    )
    db.execute(
        """
        CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
        BEGIN
            SELECT RAISE(ABORT, 'journal entries are append-only: they cannot be deleted');
        END
        """
    )
    db.execute(
        """
        CREATE TRIGGER incidents_no_delete BEFORE DELETE ON incidents
        BEGIN
            SELECT RAISE(ABORT, 'incidents cannot be deleted from the journal');
        END
        """
    )
    db.execute(
        """
        CREATE TRIGGER incidents_identity_fixed
        BEFORE UPDATE OF id, mode, playbook_id, playbook_version, playbook_sha256,
                         scenario_id, scenario_sha256, created_at ON incidents
        BEGIN
            SELECT RAISE(ABORT, 'an incident''s identity and playbook cannot be changed');
        END
        """
    )


#: The numbered migrations, in order. ``PRAGMA user_version`` == how many have run.
STEPS: tuple[Callable[[Database], None], ...] = (m0001_journal, m0002_append_only)
SCHEMA_VERSION = len(STEPS)


def migrations():  # -> sqlite_utils.Migrations
    """The sqlite-utils migration set (built on demand: importing sqlite_utils is slow)."""
    from sqlite_utils import Migrations

    migs = Migrations(MIGRATION_SET)
    for step in STEPS:
        migs(name=step.__name__)(step)
    return migs


def apply(conn: sqlite3.Connection, *, stop_before: str | None = None) -> int:
    """Apply pending migrations on ``conn``, which must already be inside a write
    transaction (``BEGIN IMMEDIATE``): sqlite-utils then nests each step in a savepoint and
    the whole upgrade commits or rolls back as one. Returns the new schema version.
    """
    from sqlite_utils import Database

    assert conn.in_transaction, "apply() runs inside the caller's BEGIN IMMEDIATE"
    db = Database(conn, execute_plugins=False, recursive_triggers=False)
    migs = migrations()
    migs.apply(db, stop_before=stop_before)
    version = len(migs.applied(db))
    conn.execute(f"PRAGMA user_version = {int(version)}")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    return version
