"""Helpers for the journal store tests: declaring incidents, attacking journals, workers."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import irdesk
from irdesk.domain.clock import FixedClock
from irdesk.store import Journal
from irdesk.store.chain import entry_hash

REPO = Path(__file__).resolve().parents[1]
HAMMER = REPO / "benchmarks" / "hammer.py"
SRC = Path(irdesk.__file__).resolve().parents[1]
PLAYBOOK_SHA = "ab" * 32


def subprocess_env() -> dict[str, str]:
    """Environment for child Pythons: they import this checkout's irdesk."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH")) if p)
    return env


def python() -> str:
    return sys.executable


def declare(journal: Journal, *, mode: str = "live", actor: str = "alice", **extra: Any):
    args: dict[str, Any] = {
        "mode": mode,
        "title": "Payments API returning 500s",
        "severity": "SEV2",
        "playbook_id": "web-outage",
        "playbook_version": "1.2",
        "playbook_sha256": PLAYBOOK_SHA,
        "actor": actor,
        "role": "ic",
    }
    args.update(extra)
    return journal.create_incident(**args)


def journal_with_notes(path: Path, notes: int = 11, *, incidents: int = 1) -> list[str]:
    """A journal whose incidents each have entry 1 (declared) plus ``notes`` notes."""
    clock = FixedClock()
    ids = []
    with Journal.open(path, clock=clock) as journal:
        for _ in range(incidents):
            rec = declare(journal)
            ids.append(rec.id)
            for n in range(notes):
                clock.advance(1)
                journal.append(rec.id, "note.added", {"text": f"note {n + 2}"}, actor="bob")
    return ids


# ----------------------------------------------------------------------------- attacks
# Each attack works like someone with a raw sqlite3 connection would: drop the triggers,
# then change rows. They never use the store.


TRIGGERS = (
    "entries_no_update",
    "entries_no_delete",
    "incidents_no_delete",
    "incidents_identity_fixed",
    "incidents_follow_chain",
)


def attacker(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    for name in TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    return conn


def damage_ticks(
    path: Path, incident_id: str, damages: Sequence[tuple[str, str | dict[str, Any]]]
) -> list[int]:
    """Damage the incident's first check.ticked entries, one (column, value) each, as raw
    SQL would (a dict is merged into the entry's own payload); their seqs."""
    conn = attacker(path)
    seqs = [
        seq
        for (seq,) in conn.execute(
            "SELECT seq FROM entries WHERE incident_id = ? AND kind = 'check.ticked' "
            "ORDER BY seq LIMIT ?",
            (incident_id, len(damages)),
        )
    ]
    for seq, (column, value) in zip(seqs, damages, strict=True):
        if isinstance(value, dict):
            (text,) = conn.execute(
                "SELECT payload FROM entries WHERE incident_id = ? AND seq = ?",
                (incident_id, seq),
            ).fetchone()
            value = json.dumps({**json.loads(text), **value})
        conn.execute(
            f"UPDATE entries SET {column} = ? WHERE incident_id = ? AND seq = ?",
            (value, incident_id, seq),
        )
    conn.close()
    return seqs


def cover_tracks(conn: sqlite3.Connection) -> None:
    """A careful attacker puts the triggers back after the attack (verify then has only
    the chains to go by)."""
    from irdesk.store import migrations

    for name, sql in migrations.TRIGGERS.items():
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        conn.execute(sql)


def cut_short(path: Path, incident_id: str, keep: int) -> None:
    """Entries after ``keep`` removed and the incident record moved back to match, the
    triggers restored: the chain and the record look whole, only an outside copy of a
    head can tell."""
    conn = attacker(path)
    conn.execute("DELETE FROM entries WHERE incident_id = ? AND seq > ?", (incident_id, keep))
    conn.execute(
        "UPDATE incidents SET last_seq = :keep, entry_count = :keep, "
        "head_hash = (SELECT hash FROM entries WHERE incident_id = :id AND seq = :keep), "
        "updated_at = (SELECT recorded_at FROM entries WHERE incident_id = :id AND seq = :keep) "
        "WHERE id = :id",
        {"id": incident_id, "keep": keep},
    )
    cover_tracks(conn)
    conn.close()


def chain_problems(report) -> list:  # noqa: ANN001
    """The report's problems with incidents, after checking that the only other problems
    are the triggers the attacker dropped (verify names those too, last)."""
    schema = [p for p in report.problems if p.how == "schema"]
    assert [p.message.split()[2] for p in schema] == sorted(TRIGGERS), schema
    assert report.problems[len(report.problems) - len(schema) :] == schema
    return [p for p in report.problems if p.how != "schema"]


COLUMNS = (
    "incident_id, seq, uid, kind, actor, role, occurred_at, recorded_at, backdate_reason, "
    "corrects, payload, prev_hash, hash"
)


def row(conn: sqlite3.Connection, incident_id: str, seq: int) -> tuple:
    return conn.execute(
        f"SELECT {COLUMNS} FROM entries WHERE incident_id = ? AND seq = ?", (incident_id, seq)
    ).fetchone()


def swap(conn: sqlite3.Connection, incident_id: str, a: int, b: int) -> None:
    """Exchange two entries' positions (each keeps its contents and hash)."""
    conn.execute("BEGIN")
    move = "UPDATE entries SET seq = ? WHERE incident_id = ? AND seq = ?"
    conn.execute(move, (999_999, incident_id, a))
    conn.execute(move, (a, incident_id, b))
    conn.execute(move, (b, incident_id, 999_999))
    conn.execute("COMMIT")


def forge_insert(conn: sqlite3.Connection, incident_id: str, at: int) -> str:
    """Push entries at..end up by one and put a well-formed forged entry at ``at``,
    linked to entry at-1 with a correctly computed hash. Returns the forged hash."""
    last = conn.execute(
        "SELECT max(seq) FROM entries WHERE incident_id = ?", (incident_id,)
    ).fetchone()[0]
    conn.execute("BEGIN")
    for seq in range(last, at - 1, -1):
        conn.execute(
            "UPDATE entries SET seq = seq + 1 WHERE incident_id = ? AND seq = ?",
            (incident_id, seq),
        )
    prev = row(conn, incident_id, at - 1)
    forged = _forged(incident_id, at, prev[12], prev[7])
    conn.execute(f"INSERT INTO entries ({COLUMNS}) VALUES ({','.join('?' * 13)})", forged)
    conn.execute("COMMIT")
    return forged[12]


def forge_append(conn: sqlite3.Connection, incident_id: str, *, fix_record: bool) -> int:
    """A forged entry after the last one; optionally also moving the incident record's
    head to it (then only an outside copy of the head hash can tell)."""
    last = row(
        conn,
        incident_id,
        conn.execute(
            "SELECT max(seq) FROM entries WHERE incident_id = ?", (incident_id,)
        ).fetchone()[0],
    )
    forged = _forged(incident_id, last[1] + 1, last[12], last[7])
    conn.execute(f"INSERT INTO entries ({COLUMNS}) VALUES ({','.join('?' * 13)})", forged)
    if fix_record:
        conn.execute(
            "UPDATE incidents SET last_seq = ?, head_hash = ?, entry_count = ?, updated_at = ? "
            "WHERE id = ?",
            (forged[1], forged[12], forged[1], forged[7], incident_id),
        )
    return forged[1]


def _forged(incident_id: str, seq: int, prev_hash: str, when: str) -> tuple:
    payload = '{"text":"all systems normal, no action needed"}'
    uid = f"forged-{seq}"
    h = entry_hash(
        incident_id,
        seq,
        uid,
        "note.added",
        "mallory",
        None,
        when,
        when,
        None,
        None,
        payload,
        prev_hash,
    )
    return (
        incident_id,
        seq,
        uid,
        "note.added",
        "mallory",
        None,
        when,
        when,
        None,
        None,
        payload,
        prev_hash,
        h,
    )


# ----------------------------------------------------------------------------- work
# Costs that must not grow with the journal are tested by counting work, never by timing:
# SQLite's virtual-machine steps on a connection, and lines of Python run.


@contextmanager
def sqlite_work(journal: Journal) -> Iterator[list[int]]:
    """Count, in thousands, the SQLite virtual-machine steps the journal's connection runs
    inside the block (``count[0]`` afterwards): the same on every machine."""
    count = [0]

    def step() -> int:
        count[0] += 1
        return 0  # go on

    journal._conn.set_progress_handler(step, 1000)
    try:
        yield count
    finally:
        journal._conn.set_progress_handler(None, 0)


def python_lines(fn: Callable[[], object]) -> int:
    """How many lines of Python ``fn()`` runs (every frame traced)."""
    count = 0

    def tracer(frame, event, arg):  # noqa: ANN001, ANN202
        nonlocal count
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        fn()
    finally:
        sys.settrace(None)
    return count


def queries(journal: Journal, fn: Callable[[], object]) -> list[str]:
    """The SQL statements ``fn()`` runs on the journal's connection."""
    seen: list[str] = []
    journal._conn.set_trace_callback(seen.append)
    try:
        fn()
    finally:
        journal._conn.set_trace_callback(None)
    return seen


def plan(journal: Journal, sql: str) -> str:
    """SQLite's query plan for a statement as run (with its values inlined), one line."""
    rows = journal._conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
    return "; ".join(row[-1] for row in rows)
