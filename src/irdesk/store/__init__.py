"""irdesk.store: the journal, an append-only, tamper-evident, crash-safe SQLite file.

    from irdesk.store import Journal
    with Journal.open(path) as j:
        rec = j.create_incident(mode="live", title=..., severity=..., playbook_id=...,
                                playbook_version=..., playbook_sha256=..., actor="alice")
        j.append(rec.id, "note.added", {"text": "..."}, actor="alice")
        report = j.verify()

Imports no textual and no rich (and not even sqlite_utils until a journal needs migrating).
"""

from irdesk.store.chain import GENESIS_HASH, canonical_json, encode_entry, entry_hash
from irdesk.store.errors import (
    JournalCorrupt,
    JournalError,
    JournalFull,
    JournalLocked,
    JournalNewerSchema,
    JournalNotFound,
    JournalReadOnly,
    UnknownIncident,
)
from irdesk.store.journal import Journal
from irdesk.store.migrations import SCHEMA_VERSION
from irdesk.store.records import (
    DELETED,
    DESK_ID,
    EDITED,
    INSERTED,
    METADATA,
    REORDERED,
    SCHEMA,
    SEAL,
    TRUNCATED,
    Expectation,
    Head,
    IncidentRecord,
    Problem,
    VerifyReport,
)

__all__ = [
    "DELETED",
    "DESK_ID",
    "EDITED",
    "GENESIS_HASH",
    "INSERTED",
    "METADATA",
    "REORDERED",
    "SCHEMA",
    "SEAL",
    "SCHEMA_VERSION",
    "TRUNCATED",
    "Expectation",
    "Head",
    "IncidentRecord",
    "Journal",
    "JournalCorrupt",
    "JournalError",
    "JournalFull",
    "JournalLocked",
    "JournalNewerSchema",
    "JournalNotFound",
    "JournalReadOnly",
    "UnknownIncident",
    "Problem",
    "VerifyReport",
    "canonical_json",
    "encode_entry",
    "entry_hash",
]
