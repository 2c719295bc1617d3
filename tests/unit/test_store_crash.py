"""Crash safety and concurrency, with real processes (benchmarks/hammer.py).

* kill -9 a writer at random moments, 32 times: every entry it reported as committed is in
  the journal, ``PRAGMA integrity_check`` is ok and every chain verifies. A process kill
  cannot tell a durable commit from one left in the page cache (the kernel keeps what a
  killed process wrote), so these runs would pass with ``synchronous=OFF`` too: what they
  check is the transaction and the chain. Durability is checked apart: every commit must
  reach the disk with an fsync/fdatasync of its own (counted with strace);
* 4 processes × 500 appends to one incident at once: 2000 entries, a gapless sequence, a
  valid chain, and no "database is locked".
"""

from __future__ import annotations

import random
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from irdesk.store import Journal

try:
    from helpers_store import HAMMER, declare, python, subprocess_env
except ImportError:  # tests/ as a package
    from tests.helpers_store import HAMMER, declare, python, subprocess_env


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IRDESK_HOME", str(tmp_path / "home"))


def hammer(path: Path, incident_id: str, count: int, out: Path) -> subprocess.Popen:
    with open(out, "wb") as fh:
        return subprocess.Popen(
            [
                python(),
                str(HAMMER),
                "--journal",
                str(path),
                "--incident",
                incident_id,
                "--count",
                str(count),
            ],
            stdout=fh,
            stderr=subprocess.PIPE,
            env=subprocess_env(),
        )


def acknowledged(out: Path) -> list[tuple[int, str]]:
    """The complete ``committed <seq> <uid>`` lines (a kill may cut the last one short)."""
    found = []
    for line in out.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("committed ") and line.endswith("\n"):
            _, seq, uid = line.split()
            found.append((int(seq), uid))
    return found


def wait_for_output(out: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while out.stat().st_size == 0 and proc.poll() is None:
        assert time.monotonic() < deadline, "the writer never committed anything"
        time.sleep(0.002)


def check_journal(path: Path, promised: dict[str, int]) -> int:
    """What the next responder to open the journal finds. Returns the entry count."""
    with Journal.open(path) as journal:
        assert journal._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        report = journal.verify(workers=1)
        assert report.ok, report.problems
        for uid, seq in promised.items():
            entry = journal.entry_by_uid(uid)
            assert entry is not None, f"acknowledged entry {seq} ({uid}) was lost"
            assert entry.seq == seq
        return report.checked


@pytest.mark.slow
def test_kill_9_never_loses_an_acknowledged_entry(tmp_path: Path):
    path = tmp_path / "j.db"
    with Journal.open(path) as journal:
        incident_id = declare(journal).id
    rng = random.Random(20261123)
    promised: dict[str, int] = {}
    kills = 32
    for n in range(kills):
        out = tmp_path / f"writer-{n}.out"
        proc = hammer(path, incident_id, 1_000_000, out)
        wait_for_output(out, proc)
        time.sleep(rng.uniform(0, 0.05))  # land anywhere in the append cycle
        proc.kill()  # SIGKILL: no cleanup, no rollback, no checkpoint
        proc.wait()
        assert proc.returncode == -9
        for seq, uid in acknowledged(out):
            promised[uid] = seq
        total = check_journal(path, promised)
        assert total >= len(promised) + 1
    assert len(promised) >= kills


SYNC_WRITER = r"""
import sys
from irdesk.store import Journal
journal = Journal.open(sys.argv[1])
if sys.argv[3] != "FULL":
    journal._conn.execute(f"PRAGMA synchronous = {sys.argv[3]}")
for n in range(int(sys.argv[2])):
    journal.append("INC-0001", "note", {"text": f"note {n}"}, actor="sync")
journal.close()
"""


def syncs(path: Path, commits: int, synchronous: str, trace: Path) -> int:
    """fsync/fdatasync calls a process made to open the journal and commit ``commits``
    appends with the given ``synchronous`` setting (FULL: the journal's own)."""
    subprocess.run(
        [
            "strace",
            "-f",
            "-qq",
            "-e",
            "trace=fsync,fdatasync",
            "-o",
            str(trace),
            python(),
            "-c",
            SYNC_WRITER,
            str(path),
            str(commits),
            synchronous,
        ],
        check=True,
        env=subprocess_env(),
        timeout=120,
    )
    return sum("sync(" in line for line in trace.read_text().splitlines())


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace (.ci/run installs it)")
def test_every_commit_is_synced_to_disk(tmp_path: Path):
    """What a kill -9 cannot show: each acknowledged append was fsynced before the call
    returned (WAL + synchronous=FULL syncs the -wal at every commit). With NORMAL the same
    appends sync only at checkpoints, which is how the test knows it can fail."""
    path = tmp_path / "j.db"
    with Journal.open(path) as journal:
        declare(journal)
    baseline = syncs(path, 0, "FULL", tmp_path / "t0")
    full = syncs(path, 40, "FULL", tmp_path / "t1") - baseline
    normal = syncs(path, 40, "NORMAL", tmp_path / "t2") - baseline
    assert full >= 40, f"{full} syncs for 40 commits"
    assert normal < 20, f"{normal} syncs for 40 commits without FULL"


@pytest.mark.slow
def test_two_writers_one_killed_half_way(tmp_path: Path):
    """The README scenario: two terminals append at once, one is killed mid-way."""
    path = tmp_path / "j.db"
    out_a, out_b = tmp_path / "a.out", tmp_path / "b.out"
    a = hammer(path, "INC-0001", 1_000_000, out_a)
    b = hammer(path, "INC-0001", 300, out_b)  # both declare INC-0001: idempotent
    wait_for_output(out_a, a)
    time.sleep(0.2)
    a.kill()
    a.wait()
    assert b.wait(timeout=120) == 0, b.stderr.read().decode()
    promised = {uid: seq for out in (out_a, out_b) for seq, uid in acknowledged(out)}
    assert len(acknowledged(out_b)) == 300
    check_journal(path, promised)
    done = subprocess.run(
        [python(), "-m", "irdesk", "verify", "--journal", str(path)],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok: 1 incident,")
    (tmp_path / "both.out").write_text(out_a.read_text() + out_b.read_text())
    check = subprocess.run(
        [python(), str(HAMMER), "--journal", str(path), "--check", str(tmp_path / "both.out")],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=120,
    )
    assert check.returncode == 0, check.stdout
    assert " 0 missing; chains intact" in check.stdout


@pytest.mark.slow
def test_four_writers_five_hundred_appends_each(tmp_path: Path):
    path = tmp_path / "j.db"
    with Journal.open(path) as journal:
        incident_id = declare(journal).id
    outs = [tmp_path / f"w{n}.out" for n in range(4)]
    procs = [hammer(path, incident_id, 500, out) for out in outs]
    for proc in procs:
        _, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0 and b"locked" not in stderr, stderr.decode()
    printed = [acknowledged(out) for out in outs]
    assert [len(p) for p in printed] == [500] * 4
    for p in printed:  # each writer saw its own entries in increasing order
        assert [seq for seq, _ in p] == sorted(seq for seq, _ in p)
    assert sorted(seq for p in printed for seq, _ in p) == list(range(2, 2002))
    with Journal.open(path, readonly=True) as journal:
        seqs = [e.seq for e in journal.entries(incident_id, page_size=333)]
        assert seqs == list(range(1, 2002))
        record = journal.incident(incident_id)
        assert (record.last_seq, record.entry_count) == (2001, 2001)
        report = journal.verify()
        assert report.ok and report.checked == 2001


def test_concurrent_incident_ids_are_unique(tmp_path: Path):
    """Processes declaring at the same moment get distinct ids (allocated under the lock)."""
    path = tmp_path / "j.db"
    Journal.open(path).close()
    code = (
        "import sys\n"
        "from irdesk.store import Journal\n"
        "with Journal.open(sys.argv[1]) as j:\n"
        "    for _ in range(10):\n"
        "        r = j.create_incident(mode='live', title='t', severity='SEV3', playbook_id='p',"
        " playbook_version='1', playbook_sha256='0'*64, actor='a')\n"
        "        print(r.id)\n"
    )
    procs = [
        subprocess.Popen(
            [python(), "-c", code, str(path)], stdout=subprocess.PIPE, env=subprocess_env()
        )
        for _ in range(3)
    ]
    ids = []
    for proc in procs:
        stdout, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0
        ids += stdout.decode().split()
    assert sorted(ids) == [f"INC-{n:04d}" for n in range(1, 31)]
    with Journal.open(path, readonly=True) as journal:
        assert journal.verify().ok
