"""Verify's hot loop, and the worker process that runs it.

This module imports the standard library only, never irdesk: a worker is this file run
as a script by a bare interpreter (``python -I -S scan.py``), which is ready to hash in
about 15 ms, where importing irdesk.store would take 60 to 90. It is also imported by
:mod:`irdesk.store.verify`, which runs the same loop in-process; the kinds of entries
that change an incident's record are handed to it (they are defined in
:mod:`irdesk.store.summary`).

Worker protocol: one JSON object on stdin, ``{"uri", "picked", "marks", "closing",
"tasks": [[incident_id, lo, hi], ...]}``; one JSON array per task on stdout, as each is
done: what :func:`scan` returns.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
from json.encoder import encode_basestring  # the C string encoder json.dumps uses

RANGE_SQL = (
    "SELECT seq, uid, kind, actor, role, occurred_at, recorded_at, backdate_reason, corrects, "
    "payload, prev_hash, hash FROM entries WHERE incident_id = ? AND seq BETWEEN ? AND ? "
    "ORDER BY seq"
)


def scan(
    conn: sqlite3.Connection,
    incident_id: str,
    lo: int,
    hi: int,
    picked: frozenset[str],
    marks: frozenset[str],
    closing: str,
) -> list[object]:
    """Check the entries of one incident with lo <= seq <= hi.

    Returns ``[incident_id, lo, count, first_seq, first_prev, last_seq, last_hash,
    anomaly, rows]``: ``anomaly`` is None or ``[seq, "gap" | "hash" | "link",
    expected]`` for the first problem in the range (then ``last_seq`` and ``last_hash``
    are None); ``rows`` are the ``(seq, kind, payload, recorded_at)`` of the entries that
    change the incident record (kinds in ``picked``, those in ``marks`` only when their
    payload holds ``closing``).

    The encoding is :func:`irdesk.store.chain.encode_entry`, inlined (a test checks the
    two agree); a column of the wrong type counts as a hash mismatch.
    """
    q = encode_basestring
    sha = hashlib.sha256
    qi = q(incident_id)
    rows: list[tuple[int, str, str, str]] = []
    cur = conn.execute(RANGE_SQL, (incident_id, lo, hi))
    count = 0
    first_seq = first_prev = None
    exp: int | None = None
    prev: str | None = None
    anomaly: list[object] | None = None
    for seq, uid, kind, actor, role, occ, rec, br, cor, pl, ph, h in cur:
        try:
            qr = q(rec)
            digest = sha(
                f"[{qi},{seq:d},{q(uid)},{q(kind)},{q(actor)},"
                f"{'null' if role is None else q(role)},{qr if occ == rec else q(occ)},{qr},"
                f"{'null' if br is None else q(br)},"
                f"{'null' if cor is None else format(cor, 'd')},{pl},{q(ph)}]".encode()
            ).hexdigest()
        except (TypeError, ValueError):  # wrong column types, unencodable text
            digest = None
        count += 1
        if seq != exp or digest != h or ph != prev:
            if exp is None:
                first_seq, first_prev = seq, ph
                if digest != h:
                    anomaly = [seq, "hash", None]
                    break
            elif seq != exp:
                anomaly = [seq, "gap", exp]
                break
            elif digest != h:
                anomaly = [seq, "hash", None]
                break
            else:
                anomaly = [seq, "link", None]
                break
        exp = seq + 1
        prev = h
        if kind in picked and (kind not in marks or closing in pl):
            rows.append((seq, kind, pl, rec))
    if anomaly is not None:
        count += sum(1 for _ in cur)  # still counted as checked; the first problem is named
        return [incident_id, lo, count, first_seq, first_prev, None, None, anomaly, rows]
    last = None if exp is None else exp - 1
    return [incident_id, lo, count, first_seq, first_prev, last, prev, None, rows]


def main() -> None:
    """The worker: read the job on stdin, write each task's result as it is done."""
    job = json.loads(sys.stdin.buffer.read())
    conn = sqlite3.connect(job["uri"], uri=True)
    picked, marks, closing = frozenset(job["picked"]), frozenset(job["marks"]), job["closing"]
    out = sys.stdout
    for incident_id, lo, hi in job["tasks"]:
        out.write(json.dumps(scan(conn, incident_id, lo, hi, picked, marks, closing)) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
