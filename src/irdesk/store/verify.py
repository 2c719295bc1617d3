"""Recompute every hash chain and name the first broken entry of each incident.

How it works
------------
Everything is read inside one read transaction (a WAL snapshot), so appends by other
processes while verify runs cannot look like tampering. Each incident's entries are split
into ranges of seq numbers; a range is scanned with a plain cursor and every entry's hash is
recomputed from its columns (:mod:`irdesk.store.chain`) and compared, and its ``prev_hash``
compared with the previous entry's hash. Ranges are stitched together afterwards, so large
journals can be checked by several processes at once (``workers``); entries appended after
the snapshot are outside every range.

The first anomaly of an incident (a gap in the sequence, a hash that does not match the
contents, or a link that does not match the previous entry) is then *diagnosed* by looking
at where the entry's contents came from: an entry whose contents still hash correctly with
a different seq is a genuine entry at the wrong position, which tells a swap (reordered)
from removed entries (deleted) from forged ones pushed in before it (inserted). See
:func:`_diagnose` for the rules.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from irdesk.store import migrations, scan, summary
from irdesk.store.chain import GENESIS_HASH, _q, _sha256
from irdesk.store.errors import UnknownIncident
from irdesk.store.records import (
    DELETED,
    EDITED,
    INSERTED,
    METADATA,
    REORDERED,
    SCHEMA,
    TRUNCATED,
    Head,
    Problem,
    VerifyReport,
)

Progress = Callable[[int, int], None]

#: seq numbers per range (one task for a worker process, one progress tick).
CHUNK = 50_000
#: below this many entries, verify in-process (starting workers costs more than it saves).
PARALLEL_MIN = 50_000
#: how far to look for the original position of a moved entry when its link is gone.
_SEARCH_WINDOW = 64

_COLUMNS = (
    "seq, uid, kind, actor, role, occurred_at, recorded_at, backdate_reason, corrects, "
    "payload, prev_hash, hash"
)
_MIN_SQL = "SELECT min(seq) FROM entries WHERE incident_id = ?"
_MAX_SQL = "SELECT max(seq) FROM entries WHERE incident_id = ?"
_ROW_SQL = f"SELECT {_COLUMNS} FROM entries WHERE incident_id = ? AND seq = ?"
_BY_HASH_SQL = f"SELECT {_COLUMNS} FROM entries WHERE incident_id = ? AND hash = ? LIMIT 1"
_BY_PREV_SQL = f"SELECT {_COLUMNS} FROM entries WHERE incident_id = ? AND prev_hash = ?"
_LAST_SQL = f"SELECT {_COLUMNS} FROM entries WHERE incident_id = ? ORDER BY seq DESC LIMIT 1"

#: Record fields fixed at declaration and repeated in entry 1's payload.
IDENTITY_FIELDS = (
    "mode",
    "playbook_id",
    "playbook_version",
    "playbook_sha256",
    "scenario_id",
    "scenario_sha256",
)
DECLARED_KIND = "incident.declared"


_Row = tuple[Any, ...]  # a row as sqlite3 returns it (its values are whatever was stored)


class Anomaly(NamedTuple):
    seq: int
    what: str  # "gap" | "hash" | "link"
    expected: int | None = None  # for gaps: the seq that should have come


class RangeResult(NamedTuple):
    incident_id: str
    lo: int
    scanned: int  # entries in the range (not 'count', which would hide tuple.count)
    first_seq: int | None
    first_prev: str | None
    last_seq: int | None
    last_hash: str | None
    anomaly: Anomaly | None
    #: the rows of this range that change the incident record: (seq, kind, payload, rec)
    summary: list[tuple[int, str, str, str]] = []


# --------------------------------------------------------------------------- hot loop


def scan_range(conn: sqlite3.Connection, incident_id: str, lo: int, hi: int) -> RangeResult:
    """Check the entries of one incident with lo <= seq <= hi, in this process (the hot
    loop is :func:`irdesk.store.scan.scan`, which worker processes run too)."""
    return _result(
        scan.scan(
            conn, incident_id, lo, hi, summary.KINDS, summary.MARK_KINDS, summary.CLOSING_MARK
        )
    )


def _result(fields: list[Any]) -> RangeResult:
    """A RangeResult from what :func:`irdesk.store.scan.scan` returns (or a worker sent)."""
    (iid, lo, scanned, first_seq, first_prev, last_seq, last_hash, anomaly, rows) = fields
    return RangeResult(
        iid,
        lo,
        scanned,
        first_seq,
        first_prev,
        last_seq,
        last_hash,
        Anomaly(*anomaly) if anomaly is not None else None,
        [tuple(row) for row in rows],
    )


# --------------------------------------------------------------------------- workers
# A worker is irdesk/store/scan.py run as a script by a bare interpreter (no site, no
# irdesk: ready in ~15 ms), fed JSON on stdin, answering a JSON line per range. Not
# multiprocessing: its "spawn" re-imports the caller's __main__ (an unguarded script would
# run again in every worker) and "fork" is unsafe in a threaded TUI. Workers are started
# before the plan is made, so that their start-up overlaps it.


class _Workers:
    """Worker processes, started at once and given their ranges once they are planned."""

    def __init__(self, count: int) -> None:
        import subprocess
        import sys

        self.procs: list[subprocess.Popen[bytes]] = []
        try:
            for _ in range(count):
                self.procs.append(
                    subprocess.Popen(
                        [sys.executable, "-I", "-S", scan.__file__],
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL,
                    )
                )
        except OSError:
            self.close()

    def run(
        self, uri: str, tasks: list[tuple[str, int, int]], tick: Callable[[RangeResult], None]
    ) -> list[RangeResult] | None:
        """Scan ``tasks`` in the workers; None if that did not work out (the caller then
        scans in-process, which also reports any error properly)."""
        import json
        import queue
        import subprocess
        import threading

        if not self.procs:
            return None
        # the longest ranges first, dealt round: the shares come out about even
        order = sorted(tasks, key=lambda t: t[2] - t[1], reverse=True)
        busy = [(proc, order[i :: len(self.procs)]) for i, proc in enumerate(self.procs)]
        lines: queue.Queue[bytes | None] = queue.Queue()

        def pump(proc: subprocess.Popen[bytes]) -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.put(line)
            lines.put(None)

        try:
            running = 0
            for proc, share in busy:
                job = {
                    "uri": uri,
                    "picked": sorted(summary.KINDS),
                    "marks": sorted(summary.MARK_KINDS),
                    "closing": summary.CLOSING_MARK,
                    "tasks": share,
                }
                assert proc.stdin is not None
                proc.stdin.write(json.dumps(job).encode())
                proc.stdin.close()
                threading.Thread(target=pump, args=(proc,), daemon=True).start()
                running += 1
            results: list[RangeResult] = []
            while running:
                line = lines.get()
                if line is None:
                    running -= 1
                    continue
                result = _result(json.loads(line))
                results.append(result)
                tick(result)
            if any(proc.wait() != 0 for proc in self.procs) or len(results) != len(tasks):
                return None
            return results
        except (OSError, ValueError):
            return None
        finally:
            self.close()

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    stream.close()
        self.procs = []


# --------------------------------------------------------------------------- driver


def _entry_incidents(conn: sqlite3.Connection) -> list[str]:
    """Distinct incident ids in the entries table, by skip-scanning the primary key."""
    ids: list[str] = []
    row = conn.execute("SELECT incident_id FROM entries ORDER BY incident_id LIMIT 1").fetchone()
    while row is not None:
        ids.append(row[0])
        row = conn.execute(
            "SELECT incident_id FROM entries WHERE incident_id > ? ORDER BY incident_id LIMIT 1",
            (row[0],),
        ).fetchone()
    return ids


def verify_journal(
    conn: sqlite3.Connection,
    *,
    incident_id: str | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    worker_uri: str | None = None,
) -> VerifyReport:
    """Verify the chains of every incident (or one) on ``conn``.

    ``workers``: None chooses (several processes for big journals when ``worker_uri`` is
    given), 1 forces one process. Raises UnknownIncident for an unknown ``incident_id``.
    sqlite3 errors propagate (the Journal translates them).
    """
    started = time.perf_counter()
    own_txn = not conn.in_transaction
    if own_txn:
        conn.execute("BEGIN")  # one snapshot for the whole check
    try:
        return _verify(conn, incident_id, progress, workers, worker_uri, started)
    finally:
        if own_txn and conn.in_transaction:
            conn.execute("ROLLBACK")


def _verify(
    conn: sqlite3.Connection,
    incident_id: str | None,
    progress: Progress | None,
    workers: int | None,
    worker_uri: str | None,
    started: float,
) -> VerifyReport:
    record_cols = (
        "id, mode, playbook_id, playbook_version, playbook_sha256, scenario_id, "
        "scenario_sha256, created_at, updated_at, last_seq, head_hash, entry_count, "
        "title, severity, status, closed_at, chain"
    )
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    if version < 3:  # an older journal, read-only: no chains but incidents yet
        record_cols = record_cols.replace("chain", "'incident'")
    if incident_id is None:
        records = {
            r[0]: r for r in conn.execute(f"SELECT {record_cols} FROM incidents ORDER BY rowid")
        }
        with_entries = _entry_incidents(conn)
        ids = list(records) + sorted(set(with_entries) - set(records))
    else:
        row = conn.execute(
            f"SELECT {record_cols} FROM incidents WHERE id = ?", (incident_id,)
        ).fetchone()
        records = {incident_id: row} if row else {}
        has_entries = conn.execute(
            "SELECT 1 FROM entries WHERE incident_id = ? LIMIT 1", (incident_id,)
        ).fetchone()
        if row is None and has_entries is None:
            raise UnknownIncident(incident_id, "the journal")
        ids = [incident_id]

    # Workers start now, while the plan is made: the records say how long the chains are
    # (a record that lies about it only makes this guess wrong; the plan below decides).
    if workers is None:
        expected = sum(r[11] for r in records.values() if r is not None and type(r[11]) is int)
        workers = min(os.cpu_count() or 1, 4) if expected >= PARALLEL_MIN else 1
    pool = _Workers(workers) if workers > 1 and worker_uri is not None else None
    try:
        return _check_all(conn, ids, records, progress, pool, worker_uri, started)
    finally:
        if pool is not None:
            pool.close()


def _check_all(
    conn: sqlite3.Connection,
    ids: list[str],
    records: dict[str, _Row],
    progress: Progress | None,
    pool: _Workers | None,
    worker_uri: str | None,
    started: float,
) -> VerifyReport:
    # Plan: ranges of seq numbers per incident, as they stand in this snapshot, small
    # enough for the workers to share them evenly and at most CHUNK long.
    spans: list[tuple[str, int, int]] = []
    whole: list[tuple[str, int, int]] = []  # chains read in one range, whatever they hold
    total = 0
    for iid in ids:
        (lo,) = conn.execute(_MIN_SQL, (iid,)).fetchone()
        if lo is None:
            continue
        (hi,) = conn.execute(_MAX_SQL, (iid,)).fetchone()
        if not isinstance(lo, int) or not isinstance(hi, int):  # a rebuilt, non-STRICT table
            whole.append((iid, -(2**63), 2**63 - 1))
            continue
        total += hi - lo + 1
        spans.append((iid, lo, hi))
    size = min(CHUNK, max(1000, -(-total // (4 * (len(pool.procs) if pool else 1)))))
    tasks = [
        (iid, start, min(start + size - 1, hi))
        for iid, lo, hi in spans
        for start in range(lo, hi + 1, size)
    ] + whole

    done = 0

    def tick(result: RangeResult) -> None:
        nonlocal done
        done += result.scanned
        if progress is not None:
            progress(min(done, total), total)

    if progress is not None:
        progress(0, total)
    results: list[RangeResult] | None = None
    if pool is not None and worker_uri is not None and len(tasks) > 1:
        results = pool.run(worker_uri, tasks, tick)
        if results is not None:
            done = sum(r.scanned for r in results)
    if results is None:
        done = 0
        results = []
        for task in tasks:
            result = scan_range(conn, *task)
            results.append(result)
            tick(result)

    by_incident: dict[str, list[RangeResult]] = {}
    for result in results:
        by_incident.setdefault(result.incident_id, []).append(result)

    report = VerifyReport(ok=True, checked=0, incidents=len(ids))
    for iid in ids:
        ranges = sorted(by_incident.get(iid, []), key=lambda r: r.lo)
        report.checked += sum(r.scanned for r in ranges)
        _check_incident(conn, iid, records.get(iid), ranges, report)
    report.problems.extend(_check_triggers(conn))
    report.ok = not report.problems
    report.seconds = time.perf_counter() - started
    return report


def _stitch(ranges: Iterable[RangeResult]) -> tuple[Anomaly | None, int, str]:
    """Join range results in seq order: the first anomaly, last seq and last hash."""
    exp, prev = 1, GENESIS_HASH
    for r in ranges:
        first = r.first_seq
        if r.scanned == 0 or first is None:
            continue  # an empty range (first_seq is None exactly when it is)
        if first != exp:
            return Anomaly(first, "gap", exp), exp - 1, prev
        if r.anomaly is not None and r.anomaly.seq == first and r.anomaly.what == "hash":
            return r.anomaly, exp - 1, prev
        if r.first_prev != prev:
            return Anomaly(first, "link"), exp - 1, prev
        if r.anomaly is not None:
            return r.anomaly, exp - 1, prev
        # a range scanned to its end without an anomaly has its last entry
        assert r.last_seq is not None and r.last_hash is not None
        exp, prev = r.last_seq + 1, r.last_hash
    return None, exp - 1, prev


def _check_triggers(conn: sqlite3.Connection) -> list[Problem]:
    """The journal's protections: its triggers, as the current schema defines them."""
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    if version != migrations.SCHEMA_VERSION:
        return []  # an older journal's triggers are put right when it is upgraded
    said = {
        "missing": "was dropped",
        "altered": "was altered",
        "unknown": "was added by something other than irdesk",
    }
    return [
        Problem(
            "",
            None,
            SCHEMA,
            f"journal trigger {name} {said[how]}: "
            + (
                "it could rewrite what is appended"
                if how == "unknown"
                else "the journal was opened for changes outside irdesk"
            ),
        )
        for name, how in sorted(migrations.trigger_changes(conn).items())
    ]


def _check_incident(
    conn: sqlite3.Connection,
    iid: str,
    record: _Row | None,
    ranges: list[RangeResult],
    report: VerifyReport,
) -> None:
    problems = report.problems
    last_row = conn.execute(_LAST_SQL, (iid,)).fetchone()
    if last_row is not None:
        report.heads[iid] = Head(last_row[0], last_row[11])
    if record is None:
        count = sum(r.scanned for r in ranges)
        problems.append(
            Problem(
                iid,
                None,
                METADATA,
                f"{iid} has {count:,} entries but no incident record (the record was deleted)",
            )
        )
    if last_row is None:
        problems.append(
            Problem(
                iid,
                1,
                DELETED,
                f"{iid} has no entries: its declaration (entry 1) and any later entries "
                "were deleted",
            )
        )
        return
    anomaly, last_seq, last_hash = _stitch(ranges)
    tail = None
    if anomaly is not None:
        problems.append(_diagnose(conn, iid, anomaly))
    elif record is not None:
        tail = _check_tail(conn, iid, record, last_seq, last_hash)
        if tail is not None:
            problems.append(tail)
    if record is not None and not (anomaly is not None and anomaly.seq == 1):
        # The record's counters and summary are only compared with a chain that is whole.
        whole = anomaly is None and tail is None
        meta = _check_record(conn, iid, record, last_seq if whole else None, last_row)
        if meta is None and whole:
            meta = _check_summary(iid, record, ranges)
        if meta is not None:
            problems.append(meta)


def _span(first: int, last: int) -> str:
    return f"entry {first} was" if first == last else f"entries {first}–{last} were"


def _hash_at(conn: sqlite3.Connection, iid: str, seq: int) -> str | None:
    row = conn.execute(_ROW_SQL, (iid, seq)).fetchone()
    return row[11] if row is not None else None


def _check_tail(
    conn: sqlite3.Connection, iid: str, record: _Row, last_seq: int, last_hash: str
) -> Problem | None:
    """A whole chain against the head its record holds. Where the record's own head still
    names the chain's last entry, it is the record that was changed, and said so."""
    recorded_last, recorded_head = record[9], record[10]
    if recorded_last == last_seq and recorded_head == last_hash:
        return None
    if recorded_head == last_hash:
        return Problem(
            iid,
            None,
            METADATA,
            f"{iid} incident record was changed: last_seq is {recorded_last} but its own "
            f"head hash is entry {last_seq}'s, the end of an intact chain",
        )
    if recorded_last > last_seq:
        return Problem(
            iid,
            last_seq + 1,
            TRUNCATED,
            f"{iid} {_span(last_seq + 1, recorded_last)} removed from the end: the incident "
            f"record says the chain ends at entry {recorded_last}, the journal stops at "
            f"{last_seq}",
        )
    if recorded_last < last_seq and _hash_at(conn, iid, recorded_last) == recorded_head:
        return Problem(
            iid,
            recorded_last + 1,
            INSERTED,
            f"{iid} {_span(recorded_last + 1, last_seq)} inserted after the recorded end of "
            f"the chain (the incident record ends at entry {recorded_last})",
        )
    if recorded_last < last_seq:
        return Problem(
            iid,
            None,
            METADATA,
            f"{iid} incident record was changed: its head (entry {recorded_last}, hash "
            f"{str(recorded_head)[:12]}…) matches no entry of the chain, which ends at "
            f"{last_seq}",
        )
    return Problem(
        iid,
        None,
        METADATA,
        f"{iid} incident record was changed, or entry {last_seq} was rewritten with a "
        f"recomputed hash: the record's head hash {str(recorded_head)[:12]}… is not entry "
        f"{last_seq}'s ({last_hash[:12]}…); a head noted elsewhere tells which "
        f"(irdesk verify --expect {iid}@{last_seq}:<hash>)",
    )


def _check_summary(iid: str, record: _Row, ranges: list[RangeResult]) -> Problem | None:
    """Title, severity, status and closed_at must be what the chain says."""
    rows = [row for r in ranges for row in r.summary]
    derived = summary.fold(rows)
    if derived is None:
        return None  # an unreadable payload is reported where it is read
    stored = dict(zip(summary.FIELDS, record[12:16], strict=True))
    for name in summary.FIELDS:
        if name in derived and derived[name] != stored[name]:
            return Problem(
                iid,
                None,
                METADATA,
                f"{iid} incident record was changed: {name} is {stored[name]!r} in the "
                f"record but {derived[name]!r} in its chain",
            )
    return None


def _check_record(
    conn: sqlite3.Connection, iid: str, record: _Row, last_seq: int | None, last_row: _Row
) -> Problem | None:
    """The incident record must still match its declaration (entry 1) and its chain."""
    import json

    genesis = conn.execute(_ROW_SQL, (iid, 1)).fetchone()
    if genesis is None:
        return None  # reported as a deleted entry already
    chain = record[16]
    expected_kind = summary.GENESIS_KINDS.get(chain, DECLARED_KIND)
    if genesis[2] != expected_kind:
        return Problem(
            iid,
            1,
            METADATA,
            f"{iid} entry 1 is not the {chain}'s opening entry (kind {genesis[2]!r})",
        )
    try:
        declared = json.loads(genesis[9])
    except ValueError:
        declared = None
    if not isinstance(declared, dict):
        return Problem(iid, 1, METADATA, f"{iid} entry 1 has no readable declaration")
    if declared.get("chain", "incident") != chain:
        return Problem(
            iid,
            None,
            METADATA,
            f"{iid} incident record was changed: chain is {chain!r} in the record but "
            f"{declared.get('chain', 'incident')!r} in its declaration (entry 1)",
        )
    for index, name in enumerate(IDENTITY_FIELDS, start=1):
        if declared.get(name) != record[index]:
            return Problem(
                iid,
                None,
                METADATA,
                f"{iid} incident record was changed: {name} is {record[index]!r} in the "
                f"record but {declared.get(name)!r} in its declaration (entry 1)",
            )
    if record[7] != genesis[6]:
        return Problem(
            iid,
            None,
            METADATA,
            f"{iid} incident record was changed: created_at is {record[7]} but the "
            f"declaration was recorded at {genesis[6]}",
        )
    if last_seq is not None:
        if record[11] != last_seq:
            return Problem(
                iid,
                None,
                METADATA,
                f"{iid} incident record was changed: it counts {record[11]} entries, "
                f"the chain has {last_seq}",
            )
        if record[8] != last_row[6]:
            return Problem(
                iid,
                None,
                METADATA,
                f"{iid} incident record was changed: updated_at is {record[8]} but the "
                f"last entry was recorded at {last_row[6]}",
            )
    return None


# --------------------------------------------------------------------------- diagnosis


def _hash_as(iid: str, row: _Row, seq: int) -> str | None:
    """The hash the row's contents would have at position ``seq`` (None if unencodable)."""
    _, uid, kind, actor, role, occ, rec, br, cor, pl, ph, _h = row
    try:
        body = (
            f"[{_q(iid)},{seq:d},{_q(uid)},{_q(kind)},{_q(actor)},"
            f"{'null' if role is None else _q(role)},{_q(occ)},{_q(rec)},"
            f"{'null' if br is None else _q(br)},"
            f"{'null' if cor is None else format(cor, 'd')},{pl},{_q(ph)}]"
        )
        return _sha256(body.encode()).hexdigest()
    except (TypeError, ValueError):
        return None


def _original_seq(conn: sqlite3.Connection, iid: str, row: _Row, depth: int = 0) -> int | None:
    """The position a row's contents were hashed for, if they are genuine; else None.

    Follows the row's prev_hash to its predecessor (whose own original position is found
    the same way), then falls back to trying nearby positions (for entries renumbered after
    a deletion, whose predecessor is gone).
    """
    seq, h = row[0], row[11]
    if isinstance(seq, int) and _hash_as(iid, row, seq) == h:
        return seq
    candidate: int | None = None
    if row[10] == GENESIS_HASH:
        candidate = 1
    elif depth < 8:
        pred = conn.execute(_BY_HASH_SQL, (iid, row[10])).fetchone()
        if pred is not None:
            p = _original_seq(conn, iid, pred, depth + 1)
            if p is not None:
                candidate = p + 1
    if candidate is not None and _hash_as(iid, row, candidate) == h:
        return candidate
    if isinstance(seq, int):
        for delta in range(1, _SEARCH_WINDOW + 1):
            for guess in (seq + delta, seq - delta):
                if guess >= 1 and _hash_as(iid, row, guess) == h:
                    return guess
    return None


def _diagnose(conn: sqlite3.Connection, iid: str, anomaly: Anomaly) -> Problem:
    k = anomaly.seq
    if anomaly.what == "gap":
        e = anomaly.expected or 1
        if e == 1:
            why = f"the chain starts at entry {k}"
        else:
            why = f"the sequence jumps from {e - 1} to {k}"
        return Problem(iid, e, DELETED, f"{iid} {_span(e, k - 1)} deleted: {why}")

    row = conn.execute(_ROW_SQL, (iid, k)).fetchone()
    if anomaly.what == "hash":
        s = _original_seq(conn, iid, row)
        if s is None:
            return Problem(
                iid, k, EDITED, f"{iid} entry {k} was edited: its hash does not match its contents"
            )
        if s > k:
            # Is the original entry k still somewhere in the chain? Then entries were moved.
            before: str | None
            if k == 1:
                before = GENESIS_HASH
            else:
                before_row = conn.execute(_ROW_SQL, (iid, k - 1)).fetchone()
                before = before_row[11] if before_row else None
            for other in conn.execute(_BY_PREV_SQL, (iid, before)).fetchall():
                if other[0] != k and _hash_as(iid, other, k) == other[11]:
                    return Problem(
                        iid,
                        k,
                        REORDERED,
                        f"{iid} entry {k} was reordered: position {k} holds the original "
                        f"entry {s}, and the original entry {k} is at position {other[0]}",
                    )
            return Problem(
                iid,
                k,
                DELETED,
                f"{iid} {_span(k, s - 1)} deleted: position {k} holds the original entry {s} "
                "(later entries were renumbered)",
            )
        return Problem(
            iid,
            s,
            INSERTED,
            f"{iid} {_span(s, k - 1)} inserted: not part of the original chain (the "
            f"original entry {s} was pushed to position {k})",
        )

    # A link mismatch: the row's own hash is right, but it does not follow entry k-1.
    prev_hash = row[10]
    if prev_hash == GENESIS_HASH:
        m: int | None = 0
    else:
        pred = conn.execute(_BY_HASH_SQL, (iid, prev_hash)).fetchone()
        m = pred[0] if pred is not None else None
    if m is None or not isinstance(m, int):
        if k == 1:
            return Problem(
                iid,
                1,
                EDITED,
                f"{iid} entry 1 was edited: it does not link to the start of the chain",
            )
        return Problem(
            iid,
            k - 1,
            EDITED,
            f"{iid} entry {k - 1} was edited: its hash was recomputed, but entry {k} still "
            "links to the original",
        )
    if m < k - 1:
        return Problem(
            iid,
            m + 1,
            INSERTED,
            f"{iid} {_span(m + 1, k - 1)} inserted: entry {k} links to entry {m}",
        )
    return Problem(
        iid,
        k,
        REORDERED,
        f"{iid} entry {k} was reordered: it links to entry {m}, which comes after it",
    )
