"""Torture the journal with many processes and every kind of handle, and check the promises.

    python benchmarks/torture.py --rounds 20 --seconds 10 --workers 6     # the long version
    python benchmarks/torture.py --rounds 3 --seconds 3 --workers 4       # what the suite runs

Each round starts ``--workers`` processes on one journal. Every worker holds several handles
at once, of every kind a desk opens — a live (read-write) journal, a read-only one, a replay,
a report (which verifies in a thread of its own), a verify — and opens and closes them at
random while appending notes through its live handles. A worker prints ``committed <seq>
<uid>`` only after the commit returned, so every printed line is a promise. While a round
runs, the driver ``kill -9``s random workers and starts new ones. After every action a
worker looks at its own descriptors: a journal ``-wal`` or ``-shm`` that shows as
``(deleted)`` means another process checkpointed and unlinked it under us (the data-loss
defect of a plain ``open()``/``close()`` of the journal) and is reported as a failure.

After each round: ``PRAGMA integrity_check`` is ok, every acknowledged entry is present with
its seq, every chain verifies, and no worker saw a deleted journal file. The script prints a
table and exits non-zero on any failure. ``tests/test_store_torture.py`` runs a bounded
version in the suite.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

try:
    import irdesk  # noqa: F401
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

HERE = Path(__file__).resolve()
DEFAULT_PLAYBOOK = HERE.parents[1] / "playbooks" / "account-compromise.yaml"
KINDS = ("live", "readonly", "replay", "report", "verify")


# --------------------------------------------------------------------------- the worker


def deleted_journal_files(path: str) -> list[str]:
    """This process's descriptors on a journal file that was unlinked under it."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(path) and target.endswith("(deleted)"):
            found.append(target)
    return found


class Handles:
    """The handles one worker holds, of every kind, opened and closed at random."""

    def __init__(self, path: str, incidents: list[str], rng: random.Random) -> None:
        self.path = path
        self.incidents = incidents
        self.rng = rng
        self.held: list[tuple[str, object]] = []

    def open(self, kind: str) -> None:
        from irdesk.domain.clock import SystemClock
        from irdesk.services.replay import open_replay
        from irdesk.services.review import load_report
        from irdesk.store import Journal

        iid = self.rng.choice(self.incidents)
        if kind == "live":
            self.held.append((kind, Journal.open(self.path)))
        elif kind == "readonly":
            journal = Journal.open(self.path, readonly=True)
            journal.last_seq(iid)
            self.held.append((kind, journal))
        elif kind == "replay":
            replay = open_replay(self.path, iid)
            replay.seek(self.rng.randint(0, replay.total))
            self.held.append((kind, replay.journal))
        elif kind == "report":
            journal = Journal.open(self.path, readonly=True)
            report = load_report(journal, iid, now=SystemClock().now())
            report.close()
            self.held.append((kind, journal))
        else:
            journal = Journal.open(self.path, readonly=True)
            journal.verify(iid, workers=1)
            self.held.append((kind, journal))

    def close_one(self) -> None:
        """Close one handle at random (a screen closes, a report is done)."""
        if self.held:
            _, journal = self.held.pop(self.rng.randrange(len(self.held)))
            journal.close()  # type: ignore[attr-defined]

    def live(self) -> list[object]:
        return [j for kind, j in self.held if kind == "live"]


def shell(path: str, incidents: list[str], seed: int) -> int:
    """What `irdesk log` from a shell does: open, append one note, close, exit."""
    from irdesk.store import Journal, JournalError

    rng = random.Random(seed)
    try:
        with Journal.open(path) as journal:
            entry = journal.append(
                rng.choice(incidents), "note", {"text": "from a shell"}, actor="shell"
            )
            sys.stdout.write(f"committed {entry.incident_id} {entry.seq} {entry.uid}\n")
    except JournalError as exc:
        sys.stdout.write(f"ERROR {exc}\n")
        return 2
    return 0


def worker(path: str, incidents: list[str], seed: int, seconds: float) -> int:
    from irdesk.store import JournalError

    rng = random.Random(seed)
    handles = Handles(path, incidents, rng)
    out = sys.stdout
    deadline = time.monotonic() + seconds
    n = 0
    try:
        handles.open("live")
        while time.monotonic() < deadline:
            roll = rng.random()
            if roll < 0.02:
                while handles.held:  # the desk exits (and will open again)
                    handles.close_one()
            elif roll < 0.15 and len(handles.held) < 8:
                handles.open(rng.choice(KINDS))
            elif roll < 0.25 and len(handles.held) > 1:
                handles.close_one()
            else:
                live = handles.live()
                if not live:
                    handles.open("live")
                    continue
                journal = rng.choice(live)
                n += 1
                entry = journal.append(  # type: ignore[attr-defined]
                    rng.choice(incidents),
                    "note",
                    {"text": f"torture note {n} from {os.getpid()}"},
                    actor=f"torture-{os.getpid()}",
                )
                out.write(f"committed {entry.incident_id} {entry.seq} {entry.uid}\n")
                out.flush()
            gone = deleted_journal_files(path)
            if gone:
                out.write(f"DELETED {' '.join(gone)}\n")
                out.flush()
                return 3
    except JournalError as exc:
        out.write(f"ERROR {exc}\n")
        out.flush()
        return 2
    finally:
        while handles.held:
            handles.close_one()
    return 0


# --------------------------------------------------------------------------- the driver


@dataclass
class RoundResult:
    acknowledged: int = 0
    killed: int = 0
    workers: int = 0
    entries: int = 0
    failures: list[str] = field(default_factory=list)


def prepare(path: Path, playbook: Path, incidents: int) -> list[str]:
    """A journal with a few incidents declared through the desk (their playbook is kept in
    the journal, so replays and reports need no catalog)."""
    from irdesk.formats.catalog import Catalog
    from irdesk.services.desk import Desk
    from irdesk.store import Journal

    catalog = Catalog.load([(playbook, False)])
    chosen = next(iter(catalog.playbooks.values()))
    ids = []
    with Journal.open(path) as journal:
        desk = Desk(journal, catalog=catalog, actor="torture")
        for n in range(incidents):
            session = desk.declare(chosen, title=f"torture {n}", severity="SEV2", commander="T")
            ids.append(session.incident_id)
    return ids


def spawn(role: str, path: Path, incidents: list[str], seed: int, seconds: float, out: Path):  # noqa: ANN201
    env = dict(os.environ)
    src = str(HERE.parents[1] / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    argv = [sys.executable, str(HERE), f"--{role}", str(path), ",".join(incidents), str(seed)]
    with open(out, "wb") as handle:
        return subprocess.Popen(
            [*argv, str(seconds)], stdout=handle, stderr=subprocess.PIPE, env=env
        )


def promises(out: Path) -> tuple[dict[str, tuple[str, int]], list[str]]:
    """(uid -> (incident, seq)) for complete 'committed' lines, and reported failures."""
    acknowledged: dict[str, tuple[str, int]] = {}
    failures = []
    text = out.read_text(encoding="utf-8", errors="replace")
    for line in text.splitlines(keepends=True):
        if not line.endswith("\n"):
            continue  # cut short by kill -9: never acknowledged
        if line.startswith("committed "):
            _, iid, seq, uid = line.split()
            acknowledged[uid] = (iid, int(seq))
        elif line.startswith(("DELETED ", "ERROR ")):
            failures.append(f"{out.name}: {line.strip()}")
    return acknowledged, failures


def check(path: Path, acknowledged: dict[str, tuple[str, int]]) -> tuple[int, list[str]]:
    from irdesk.store import Journal

    failures = []
    with Journal.open(path) as journal:
        status = journal._conn.execute("PRAGMA integrity_check").fetchone()[0]
        if status != "ok":
            failures.append(f"integrity_check: {status}")
        report = journal.verify(workers=1)
        failures.extend(p.message for p in report.problems)
        for uid, (iid, seq) in acknowledged.items():
            entry = journal.entry_by_uid(uid)
            if entry is None or (entry.incident_id, entry.seq) != (iid, seq):
                failures.append(f"acknowledged entry {iid} {seq} ({uid}) is missing")
        return report.checked, failures


def run_round(
    folder: Path,
    playbook: Path,
    *,
    workers: int,
    seconds: float,
    seed: int,
    kills: int,
    incidents: int = 2,
) -> RoundResult:
    rng = random.Random(seed)
    path = folder / "journal.db"
    ids = prepare(path, playbook, incidents)
    result = RoundResult()
    running: list[tuple[subprocess.Popen, Path]] = []
    finished: list[Path] = []

    def start() -> None:
        out = folder / f"worker-{result.workers}.out"
        result.workers += 1
        proc = spawn("worker", path, ids, rng.randrange(2**32), seconds, out)
        running.append((proc, out))

    def shells() -> None:
        """Short-lived `irdesk log`-like processes, one after another, all round long:
        the ones that find no other live lock are the ones that checkpoint and unlink."""
        n = 0
        while time.monotonic() < deadline:
            out = folder / f"shell-{n}.out"
            n += 1
            proc = spawn("shell", path, ids, rng.randrange(2**32), 0, out)
            _, err = proc.communicate()
            if proc.returncode not in (0, 2):
                result.failures.append(f"{out.name}: exit {proc.returncode}: {err.decode()[-400:]}")
            finished.append(out)

    deadline = time.monotonic() + seconds
    for _ in range(workers):
        start()
    shell_thread = threading.Thread(target=shells, daemon=True)
    shell_thread.start()
    kill_times = sorted(rng.uniform(0.3, seconds * 0.8) for _ in range(kills))
    begun = time.monotonic()
    for at in kill_times:
        time.sleep(max(0.0, begun + at - time.monotonic()))
        alive = [(p, o) for p, o in running if p.poll() is None]
        if not alive:
            break
        proc, out = rng.choice(alive)
        proc.send_signal(signal.SIGKILL)  # no cleanup, no rollback, no checkpoint
        proc.wait()
        running.remove((proc, out))
        finished.append(out)
        result.killed += 1
        if time.monotonic() < deadline - 0.5:
            start()  # a new desk opens where one died
    for proc, out in running:
        try:
            _, err = proc.communicate(timeout=seconds + 60)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
            result.failures.append(f"{out.name}: did not finish")
        if proc.returncode not in (0, 2, 3):
            result.failures.append(
                f"{out.name}: exit {proc.returncode}: {err.decode(errors='replace')[-800:]}"
            )
        finished.append(out)
    shell_thread.join()
    acknowledged: dict[str, tuple[str, int]] = {}
    for out in finished:
        promised, failures = promises(out)
        acknowledged.update(promised)
        result.failures.extend(failures)
    result.acknowledged = len(acknowledged)
    result.entries, failures = check(path, acknowledged)
    result.failures.extend(failures)
    return result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        path, incidents, seed, seconds = argv[1:5]
        return worker(path, incidents.split(","), int(seed), float(seconds))
    if argv[:1] == ["--shell"]:
        path, incidents, seed = argv[1:4]
        return shell(path, incidents.split(","), int(seed))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=6)
    parser.add_argument("--kills", type=int, default=3, help="kill -9s per round")
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--playbook", type=Path, default=DEFAULT_PLAYBOOK)
    args = parser.parse_args(argv)
    total_ack = total_kills = total_entries = 0
    bad = 0
    started = time.perf_counter()
    print(f"{'round':>5} {'workers':>7} {'killed':>6} {'acknowledged':>12} {'entries':>8}  result")
    for n in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="irdesk-torture-") as tmp:
            r = run_round(
                Path(tmp),
                args.playbook,
                workers=args.workers,
                seconds=args.seconds,
                seed=args.seed + n,
                kills=args.kills,
            )
        total_ack += r.acknowledged
        total_kills += r.killed
        total_entries += r.entries
        verdict = "ok" if not r.failures else f"FAILED: {r.failures[0]}"
        bad += bool(r.failures)
        print(
            f"{n + 1:>5} {r.workers:>7} {r.killed:>6} {r.acknowledged:>12,} {r.entries:>8,}  "
            f"{verdict}",
            flush=True,
        )
    seconds = time.perf_counter() - started
    print(
        f"\n{args.rounds} rounds in {seconds:.0f} s: {total_kills} workers killed with -9, "
        f"{total_ack:,} acknowledged entries, {bad} rounds failed"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
