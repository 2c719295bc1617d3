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
    from sqlite_utils import Database, Migrations

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


NO_UPDATE_TRIGGER = """
CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
BEGIN
    SELECT RAISE(ABORT, 'journal entries are append-only: add a correction instead');
END
"""

NO_DELETE_TRIGGER = """
CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
BEGIN
    SELECT RAISE(ABORT, 'journal entries are append-only: they cannot be deleted');
END
"""

INCIDENTS_NO_DELETE_TRIGGER = """
CREATE TRIGGER incidents_no_delete BEFORE DELETE ON incidents
BEGIN
    SELECT RAISE(ABORT, 'incidents cannot be deleted from the journal');
END
"""


def m0002_append_only(db: Database) -> None:
    """Refuse UPDATE and DELETE on entries, and edits of an incident's identity."""
    db.execute(NO_UPDATE_TRIGGER)
    db.execute(NO_DELETE_TRIGGER)
    db.execute(INCIDENTS_NO_DELETE_TRIGGER)
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


IDENTITY_TRIGGER = """
CREATE TRIGGER incidents_identity_fixed
BEFORE UPDATE OF id, mode, chain, playbook_id, playbook_version, playbook_sha256,
                 scenario_id, scenario_sha256, created_at ON incidents
BEGIN
    SELECT RAISE(ABORT, 'an incident''s identity and playbook cannot be changed');
END
"""

FOLLOWS_CHAIN_TRIGGER = """
CREATE TRIGGER incidents_follow_chain
BEFORE UPDATE OF title, severity, status, closed_at, last_seq, head_hash, entry_count,
                 updated_at ON incidents
WHEN NEW.last_seq IS NOT (SELECT max(seq) FROM entries WHERE incident_id = NEW.id)
  OR NEW.head_hash IS NOT (SELECT hash FROM entries WHERE incident_id = NEW.id
                                                      AND seq = NEW.last_seq)
  OR (NEW.last_seq = OLD.last_seq
      AND (NEW.title IS NOT OLD.title OR NEW.severity IS NOT OLD.severity
           OR NEW.status IS NOT OLD.status OR NEW.closed_at IS NOT OLD.closed_at
           OR NEW.entry_count IS NOT OLD.entry_count OR NEW.updated_at IS NOT OLD.updated_at))
BEGIN
    SELECT RAISE(ABORT, 'an incident record follows its chain: append an entry instead');
END
"""


def m0003_chains_and_runtime(db: Database) -> None:
    """Chains of findings and of the desk beside incidents; the record follows its chain;
    entries by kind; runtime state that is not part of the record.

    * ``incidents.chain``: ``incident`` (live incidents and drills, as before), ``finding``
      (one detection, FND-0001…, escalated like an incident) or ``desk`` (the journal's own
      chain, ``DESK``). Added as a column: SQLite cannot relax the ``mode`` CHECK in place.
    * ``incidents_follow_chain``: the record's head must be the chain's last entry, and its
      title, severity, status and dates change only with a new entry (verify checks what
      they say against the chain; this stops a plain ``UPDATE`` from hiding an incident).
    * ``entries_by_kind``: improvements, reviews and the record's summary are found by kind
      without reading every entry.
    * ``runtime``: scan checkpoints, watcher heartbeats: operational state, mutable, never
      part of the record and never shown as history.
    """
    db.execute(
        "ALTER TABLE incidents ADD COLUMN chain TEXT NOT NULL DEFAULT 'incident' "
        "CHECK (chain IN ('incident', 'finding', 'desk'))"
    )
    db.execute("DROP TRIGGER IF EXISTS incidents_identity_fixed")
    db.execute(IDENTITY_TRIGGER)
    db.execute(FOLLOWS_CHAIN_TRIGGER)
    db.execute("CREATE INDEX entries_by_kind ON entries (kind, incident_id, seq)")
    db.execute(
        """
        CREATE TABLE runtime (
            namespace  TEXT NOT NULL,
            key        TEXT NOT NULL,
            value      TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (namespace, key)
        ) STRICT
        """
    )


def m0004_open_incidents(db: Database) -> None:
    """The newest open (or closed) incidents of a chain without reading the others: the
    home screen shows a few of each, and a journal of 100,000 closed incidents with five
    open ones must not cost a scan of the 100,000. Query with ``chain = ? AND
    (status = 'closed') = ?`` (the expression as written here) and ``ORDER BY rowid``."""
    db.execute("CREATE INDEX incidents_by_closed ON incidents (chain, status = 'closed')")


#: The numbered migrations, in order. ``PRAGMA user_version`` == how many have run.
STEPS: tuple[Callable[[Database], None], ...] = (
    m0001_journal,
    m0002_append_only,
    m0003_chains_and_runtime,
    m0004_open_incidents,
)
SCHEMA_VERSION = len(STEPS)

#: The triggers an up-to-date journal has, by name: verify reports any that is missing,
#: altered or unknown, and a read-write open puts them back (with a note in the journal).
TRIGGERS: dict[str, str] = {
    "entries_no_update": NO_UPDATE_TRIGGER,
    "entries_no_delete": NO_DELETE_TRIGGER,
    "incidents_no_delete": INCIDENTS_NO_DELETE_TRIGGER,
    "incidents_identity_fixed": IDENTITY_TRIGGER,
    "incidents_follow_chain": FOLLOWS_CHAIN_TRIGGER,
}


def normal_sql(sql: str | None) -> str:
    """A trigger's SQL with whitespace collapsed (SQLite stores it as it was written)."""
    return " ".join((sql or "").split())


def trigger_changes(conn: sqlite3.Connection) -> dict[str, str]:
    """How the journal's triggers differ from :data:`TRIGGERS`: name -> ``missing``,
    ``altered`` or ``unknown`` (a trigger irdesk never made, which could rewrite what is
    appended). Empty when they are as they should be."""
    found = {
        name: sql
        for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
    }
    changes: dict[str, str] = {}
    for name, sql in TRIGGERS.items():
        if name not in found:
            changes[name] = "missing"
        elif normal_sql(found[name]) != normal_sql(sql):
            changes[name] = "altered"
    for name in found:
        if name not in TRIGGERS:
            changes[name] = "unknown"
    return changes


def restore_triggers(conn: sqlite3.Connection, changes: dict[str, str]) -> None:
    """Put the triggers back as :data:`TRIGGERS` says (inside the caller's transaction)."""
    for name, how in sorted(changes.items()):
        conn.execute(f'DROP TRIGGER IF EXISTS "{name.replace(chr(34), chr(34) * 2)}"')
        if how != "unknown":
            conn.execute(TRIGGERS[name])


def migrations() -> Migrations:
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
