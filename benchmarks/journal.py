"""Journal benchmark: durable append, verify, listing; each next to its same-run baseline.

    python benchmarks/journal.py            # a couple of minutes on 2 cores
    python benchmarks/journal.py --big      # also verify 1M entries (builds a ~0.5 GB file)

Prints, in one run:

* durable append latency (p50/p99) through ``Journal.append`` next to raw sqlite3 doing
  the same SQL on a journal with the same schema and triggers, with the same pragmas (WAL,
  synchronous=FULL): ``BEGIN IMMEDIATE``, read the chain head, insert the entry, move the
  record's head (the ``incidents_follow_chain`` trigger checks it), ``COMMIT``. The two
  are interleaved one by one, each first every other time, so both see the same machine
  and the same disk; their ratio is the figure
  (target: at most 1.2x);
* verify rate for 100k (and with --big 1M) entries, with the worker processes
  ``irdesk verify`` uses and in one process, next to the floor of any verify in Python:
  reading the same rows and SHA-256-hashing each row's text in one process (targets: at
  least 500k entries/s on two cores, at least 0.8x that floor in one process);
* opening an incident of 100k (and with --big 1M) entries as the runner does (its
  session: every entry read and folded) in a fresh process, with its peak memory, next to
  reading its rows alone with sqlite3 (targets at 1M: under 3 s and 150 MB);
* listing 10k incidents, all of them and the newest 50, and the peak memory of
  ``irdesk list --format json`` on 100k incidents next to the same command on an empty
  journal (target: under 100 MB: it streams).

Big journals are built with the bulk helpers (executemany in one transaction, every
entry hashed with the store's own chain code), so verify recomputes a real chain.
Nothing here is asserted: timing tests are flaky on shared machines.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bulk import PLAYBOOK_SHA, build_incident, build_incidents, compile_irdesk  # noqa: E402

from irdesk.store import Journal  # noqa: E402
from irdesk.store.chain import canonical_json  # noqa: E402
from irdesk.store.journal import _INSERT_ENTRY, _READ_HEAD, _UPDATE_HEAD  # noqa: E402

PAYLOAD = {"text": "paged the database on-call; waiting for ack", "step": "escalate"}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def _declare(path: Path) -> str:
    with Journal.open(path) as journal:
        return journal.create_incident(
            mode="live",
            title="append benchmark",
            severity="SEV2",
            playbook_id="bench",
            playbook_version="1",
            playbook_sha256=PLAYBOOK_SHA,
            actor="alice",
        ).id


def measure_append(folder: Path, count: int = 2000) -> dict[str, float]:
    """p50/p99 (seconds) of store appends and of the raw baseline, interleaved."""
    store_path, raw_path = folder / "append.db", folder / "append-raw.db"
    iid = _declare(store_path)
    raw_id = _declare(raw_path)
    journal = Journal.open(store_path)
    conn = sqlite3.connect(raw_path, isolation_level=None, timeout=5.0)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    payload_json = canonical_json(PAYLOAD)
    ts = "2026-01-01T00:00:00.000Z"

    def raw() -> None:
        # the store's statements, in the store's order; only the Python around them differs
        conn.execute("BEGIN IMMEDIATE")
        last, prev = conn.execute(_READ_HEAD, (raw_id,)).fetchone()
        seq = last + 1
        digest = hashlib.sha256(f"{raw_id}{seq}".encode()).hexdigest()
        conn.execute(
            _INSERT_ENTRY,
            (
                raw_id,
                seq,
                uuid.uuid4().hex,
                "note",
                "alice",
                "ic",
                ts,
                ts,
                None,
                None,
                payload_json,
                prev,
                digest,
            ),
        )
        conn.execute(_UPDATE_HEAD, (seq, digest, ts, seq, raw_id))
        conn.execute("COMMIT")

    def append() -> None:
        journal.append(iid, "note", PAYLOAD, actor="alice", role="ic")

    store, base = [], []
    for n in range(count + 100):
        # each goes first every other time: the second fsync of a pair can be cheaper
        pair = ((store, append), (base, raw)) if n % 2 else ((base, raw), (store, append))
        for found, write in pair:
            t0 = time.perf_counter()
            write()
            if n >= 100:  # warm-up done
                found.append(time.perf_counter() - t0)
    conn.close()
    journal.close()
    return {
        "store_p50": percentile(store, 50),
        "store_p99": percentile(store, 99),
        "raw_p50": percentile(base, 50),
        "raw_p99": percentile(base, 99),
        "store_mean": statistics.fmean(store),
        "raw_mean": statistics.fmean(base),
    }


def raw_read_and_hash(path: Path) -> float:
    """Entries/s of the floor: every row read, its text SHA-256-hashed and the digest
    compared with the stored hash, in one process (no JSON framing, no chain checks)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    sha = hashlib.sha256
    same = 0
    t0 = time.perf_counter()
    for seq, uid, kind, actor, role, occ, rec, br, cor, pl, ph, h in conn.execute(
        "SELECT seq, uid, kind, actor, role, occurred_at, recorded_at, backdate_reason, "
        "corrects, payload, prev_hash, hash FROM entries ORDER BY incident_id, seq"
    ):
        same += (
            sha(f"{seq}{uid}{kind}{actor}{role}{occ}{rec}{br}{cor}{pl}{ph}".encode()).hexdigest()
            == h
        )
    elapsed = time.perf_counter() - t0
    count = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
    conn.close()
    return count / elapsed


def measure_verify(path: Path, runs: int = 2) -> dict[str, float]:
    """Entries/s: verify with its workers, verify in one process, and the raw floor (best
    of ``runs`` each, interleaved)."""
    workers = min(os.cpu_count() or 1, 4)
    best = {"workers": 0.0, "one": 0.0, "raw": 0.0}
    with Journal.open(path, readonly=True, create=False) as journal:
        for _ in range(runs):
            for name, n in (("workers", workers), ("one", 1)):
                t0 = time.perf_counter()
                report = journal.verify(workers=n)
                rate = report.checked / (time.perf_counter() - t0)
                assert report.ok, report.problems[:3]
                best[name] = max(best[name], rate)
            best["raw"] = max(best["raw"], raw_read_and_hash(path))
    return {**best, "workers_n": workers, "entries": report.checked}


def child_open(path: str, incident: str) -> dict[str, float]:
    """In a fresh process: the raw read of the incident's rows, then opening it as the
    runner does (its session: every entry read and folded), with the peak memory."""
    import resource

    from irdesk.services.desk import Desk

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    t0 = time.perf_counter()
    rows = sum(
        1
        for _ in conn.execute(
            "SELECT incident_id, seq, uid, kind, actor, role, occurred_at, recorded_at, "
            "backdate_reason, corrects, payload, prev_hash, hash FROM entries "
            "WHERE incident_id = ? ORDER BY seq",
            (incident,),
        )
    )
    raw = time.perf_counter() - t0
    conn.close()
    with Journal.open(path, readonly=True) as journal:
        desk = Desk(journal, actor="bench")
        t0 = time.perf_counter()
        session = desk.session(incident)
        opened = time.perf_counter() - t0
        assert session.state.entry_count == rows, (session.state.entry_count, rows)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"entries": rows, "raw_s": raw, "open_s": opened, "peak_mb": peak}


def measure_open(path: Path, incident: str = "INC-0001") -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", "open", str(path), incident],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_list_json(path: Path, empty: Path) -> dict[str, float]:
    """Peak memory (MB) of ``irdesk list --format json`` on ``path`` and, the baseline,
    on an empty journal (the interpreter and its imports), each in a fresh process."""
    irdesk = str(Path(sys.executable).with_name("irdesk"))
    code = (
        "import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n"
    )
    found = {}
    for name, journal in (("list", path), ("empty", empty)):
        argv = [irdesk, "list", "--format", "json", "--journal", str(journal)]
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", code, *argv], capture_output=True, text=True, check=True
        )
        found[f"{name}_s"] = time.perf_counter() - t0
        found[f"{name}_mb"] = float(done.stdout.strip())
    return found


def measure_list(path: Path) -> dict[str, float]:
    with Journal.open(path, readonly=True) as journal:
        t0 = time.perf_counter()
        everything = journal.incidents()
        t1 = time.perf_counter()
        journal.incidents(limit=50)
        t2 = time.perf_counter()
    return {"count": len(everything), "all_s": t1 - t0, "newest_s": t2 - t1}


def verify_journal(folder: Path, total: int, incidents: int = 10) -> Path:
    """A journal of ``total`` entries in ``incidents`` incidents (built once per folder)."""
    path = folder / f"verify-{total}.db"
    if not path.exists():
        build_incidents(path, incidents, total // incidents)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description="irdesk journal benchmark")
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--big", action="store_true", help="also verify 1M entries")
    parser.add_argument("--dir", type=Path, default=None, help="where to build the journals")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child_open(*args.child[1:])))
        return 0
    compile_irdesk()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        print(
            f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, "
            f"{os.cpu_count()} cpus, journals in {folder}"
        )
        a = measure_append(folder, args.appends)
        print(f"\ndurable append ({args.appends} each, interleaved; WAL, synchronous=FULL)")
        for who in ("store", "raw"):
            print(
                f"  {who:<5} p50 {a[f'{who}_p50'] * 1000:.3f} ms  "
                f"p99 {a[f'{who}_p99'] * 1000:.3f} ms  mean {a[f'{who}_mean'] * 1000:.3f} ms"
            )
        print(
            f"  ratio p50 {a['store_p50'] / a['raw_p50']:.2f}x  "
            f"p99 {a['store_p99'] / a['raw_p99']:.2f}x  (target: p50 within 1.2x)"
        )
        for total in (100_000, 1_000_000) if args.big else (100_000,):
            v = measure_verify(verify_journal(folder, total))
            print(f"\nverify {total:,} entries (10 incidents)")
            print(f"  {v['workers_n']} workers: {v['workers']:,.0f}/s  (target >= 500,000/s)")
            print(
                f"  1 process: {v['one']:,.0f}/s  raw read + SHA-256: {v['raw']:,.0f}/s  "
                f"ratio {v['one'] / v['raw']:.2f}x  (target >= 0.8x)"
            )
        for total in (100_000, 1_000_000) if args.big else (100_000,):
            path = folder / f"open-{total}.db"
            build_incident(path, total)
            o = measure_open(path)
            print(
                f"\nopen an incident of {o['entries']:,} entries (its session, as the runner "
                f"opens it): {o['open_s']:.2f} s, peak {o['peak_mb']:.0f} MB (targets at 1M: "
                f"< 3 s, < 150 MB); reading its rows alone {o['raw_s']:.2f} s"
            )
            path.unlink()
        path = folder / "list.db"
        build_incidents(path, 10_000)
        listed = measure_list(path)
        print(
            f"\nlist {listed['count']:,} incidents: all {listed['all_s'] * 1000:.1f} ms, "
            f"newest 50 {listed['newest_s'] * 1000:.2f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
