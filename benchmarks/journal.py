"""Journal benchmark: durable append latency, verify rate, incident listing.

    python benchmarks/journal.py            # a couple of minutes on 2 cores
    python benchmarks/journal.py --big      # also verify 1M entries (builds a ~0.5 GB file)

Prints, in one run:

* durable append latency (p50/p99) through ``Journal.append`` next to a raw sqlite3
  ``BEGIN IMMEDIATE; INSERT; COMMIT`` of the same row with the same pragmas (WAL,
  synchronous=FULL), and their ratio;
* verify rate for 100k (and with --big 1M) entries, in one process and with workers;
* time to list 10k incidents.

Big journals are built with executemany inside one transaction, hashing every entry with
the same chain code the store uses, so verify really recomputes a real chain.
No figure here is asserted anywhere: timing tests are flaky on shared machines.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

try:
    from irdesk.store import Journal
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from irdesk.store import Journal

from irdesk.domain.clock import format_ts
from irdesk.store.chain import GENESIS_HASH, canonical_json, entry_hash

PLAYBOOK_SHA = "5" * 64
ENTRY_COLS = (
    "incident_id, seq, uid, kind, actor, role, occurred_at, recorded_at, backdate_reason, "
    "corrects, payload, prev_hash, hash"
)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def _declare_meta(mode: str, n: int) -> dict:
    return {
        "mode": mode,
        "title": f"benchmark incident {n}",
        "severity": "SEV2",
        "playbook_id": "bench",
        "playbook_version": "1",
        "playbook_sha256": PLAYBOOK_SHA,
        "scenario_id": None,
        "scenario_sha256": None,
    }


def build(path: Path, incidents: int, entries_per_incident: int) -> int:
    """A valid journal of ``incidents`` × ``entries_per_incident`` entries, fast."""
    Journal.open(path).close()  # create + migrate
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")  # building only; the figures are for reads
    start = datetime(2026, 1, 1, tzinfo=UTC)
    note = canonical_json(
        {"text": "checked the load balancer logs; nothing unusual yet", "step": "triage"}
    )
    conn.execute("BEGIN IMMEDIATE")
    incident_rows = []

    def rows():
        for i in range(1, incidents + 1):
            iid = f"INC-{i:04d}"
            prev = GENESIS_HASH
            when = start + timedelta(minutes=i)
            created = format_ts(when + timedelta(milliseconds=1))
            for seq in range(1, entries_per_incident + 1):
                ts = format_ts(when + timedelta(milliseconds=seq))
                uid = uuid.uuid4().hex
                if seq == 1:
                    kind, payload = "incident.declared", canonical_json(_declare_meta("live", i))
                else:
                    kind, payload = "note.added", note
                h = entry_hash(
                    iid, seq, uid, kind, "alice", "ic", ts, ts, None, None, payload, prev
                )
                yield (iid, seq, uid, kind, "alice", "ic", ts, ts, None, None, payload, prev, h)
                prev = h
            incident_rows.append(
                (
                    iid,
                    "live",
                    f"benchmark incident {i}",
                    "SEV2",
                    "open",
                    "bench",
                    "1",
                    PLAYBOOK_SHA,
                    None,
                    None,
                    created,
                    ts,
                    None,
                    entries_per_incident,
                    prev,
                    entries_per_incident,
                    "incident",  # chain (migration 3)
                )
            )

    conn.execute("PRAGMA foreign_keys = OFF")
    conn.executemany(f"INSERT INTO entries ({ENTRY_COLS}) VALUES ({','.join('?' * 13)})", rows())
    conn.executemany(f"INSERT INTO incidents VALUES ({','.join('?' * 17)})", incident_rows)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return incidents * entries_per_incident


def bench_append(folder: Path, count: int) -> None:
    """Store appends and raw inserts, interleaved one by one so that both see the same
    machine (other processes, disk cache, CPU frequency): the ratio is what matters."""
    journal = Journal.open(folder / "append.db")
    rec = journal.create_incident(
        mode="live",
        title="append benchmark",
        severity="SEV2",
        playbook_id="bench",
        playbook_version="1",
        playbook_sha256=PLAYBOOK_SHA,
        actor="alice",
    )
    payload = {"text": "paged the database on-call; waiting for ack", "step": "escalate"}

    # Raw sqlite3: the same row shape into the same schema, with the same pragmas.
    raw_path = folder / "raw.db"
    Journal.open(raw_path).close()
    conn = sqlite3.connect(raw_path, isolation_level=None, timeout=5.0)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = OFF")
    payload_json = canonical_json(payload)
    ts = "2026-01-01T00:00:00.000Z"
    sql = f"INSERT INTO entries ({ENTRY_COLS}) VALUES ({','.join('?' * 13)})"

    store, raw = [], []
    for n in range(1, count + 101):
        t0 = time.perf_counter()
        journal.append(rec.id, "note.added", payload, actor="alice", role="ic")
        t1 = time.perf_counter()
        row = (
            "INC-0001",
            n,
            uuid.uuid4().hex,
            "note.added",
            "alice",
            "ic",
            ts,
            ts,
            None,
            None,
            payload_json,
            "a" * 64,
            "b" * 64,
        )
        t2 = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(sql, row)
        conn.execute("COMMIT")
        t3 = time.perf_counter()
        if n > 100:  # warm-up done
            store.append(t1 - t0)
            raw.append(t3 - t2)
    conn.close()
    journal.close()

    def ms(v: float) -> str:
        return f"{v * 1000:.3f} ms"

    sp50, sp99 = percentile(store, 50), percentile(store, 99)
    rp50, rp99 = percentile(raw, 50), percentile(raw, 99)
    print(f"durable append ({count} appends each, interleaved; WAL, synchronous=FULL)")
    print(f"  store  p50 {ms(sp50)}  p99 {ms(sp99)}  mean {ms(statistics.fmean(store))}")
    print(f"  raw    p50 {ms(rp50)}  p99 {ms(rp99)}  mean {ms(statistics.fmean(raw))}")
    print(f"  ratio  p50 {sp50 / rp50:.2f}x  p99 {sp99 / rp99:.2f}x  (target: within 1.3x)")


def bench_verify(folder: Path, total: int, incidents: int) -> None:
    path = folder / f"verify-{total}.db"
    t0 = time.perf_counter()
    build(path, incidents, total // incidents)
    built = time.perf_counter() - t0
    size = os.path.getsize(path) / 1e6
    print(f"verify {total:,} entries ({incidents} incidents, {size:.0f} MB, built in {built:.1f}s)")
    with Journal.open(path, readonly=True, create=False) as journal:
        workers_n = min(os.cpu_count() or 1, 4)
        for label, workers in (("1 process", 1), (f"{workers_n} workers", workers_n)):
            t0 = time.perf_counter()
            report = journal.verify(workers=workers)
            dt = time.perf_counter() - t0
            assert report.ok and report.checked == total, report.problems[:3]
            print(f"  {label:>10}: {dt:.2f}s  {total / dt:,.0f} entries/s  (target: >= 500,000)")
    path.unlink()


def bench_list(folder: Path, count: int) -> None:
    path = folder / "list.db"
    build(path, count, 3)
    with Journal.open(path) as journal:
        t0 = time.perf_counter()
        records = journal.incidents()
        dt_all = time.perf_counter() - t0
        t0 = time.perf_counter()
        newest = journal.incidents(limit=50)
        dt_page = time.perf_counter() - t0
        t0 = time.perf_counter()
        live_open = journal.incidents(mode="live", status="open")
        dt_filter = time.perf_counter() - t0
    assert len(records) == count and len(live_open) == count and newest[0].id == records[0].id
    print(f"list {count:,} incidents")
    print(
        f"  all: {dt_all * 1000:.1f} ms   newest 50: {dt_page * 1000:.2f} ms   "
        f"filtered (mode+status): {dt_filter * 1000:.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description="irdesk journal benchmark")
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--big", action="store_true", help="also verify 1M entries")
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="where to build the journals (default: a temp folder)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        print(
            f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, "
            f"{os.cpu_count()} cpus, journals in {folder}"
        )
        bench_append(folder, args.appends)
        bench_verify(folder, 100_000, 10)
        if args.big:
            bench_verify(folder, 1_000_000, 10)
        bench_list(folder, 10_000)
    return 0


if __name__ == "__main__":
    sys.exit(main())
