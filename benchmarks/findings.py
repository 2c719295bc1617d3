"""Recording benchmark: what journaling findings costs a scan.

    python benchmarks/findings.py                # 2,000 findings
    python benchmarks/findings.py --findings 500

Writes an auth log holding N separate bursts of failed SSH passwords (N findings of one
rule, each from another address, so none is a known burst), and times:

- ``irdesk scan`` recording them in a fresh journal (each finding its own durable
  transaction: the lookup of known findings and the insert under one write lock);
- in the same run, the baseline: the same number of durable appends to one incident
  with the store's ``append`` (one transaction each, same pragmas), payloads of the size
  a finding's first entry has;
- a rescan of the same lines with ``--since`` (every finding found again, none recorded:
  the known ones are told apart in memory, without taking the write lock);
- the dry run (MemoryRecorder): the scan alone.

Nothing is asserted; the ratio of recording to the baseline is the figure to watch.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from irdesk.formats.rules import default_files, load_rules
from irdesk.services.findings import JournalRecorder
from irdesk.services.scan import MemoryRecorder, scan
from irdesk.store import Journal

DATA = Path("/tmp/irdesk-bench-findings")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def write_log(path: Path, bursts: int) -> None:
    """``bursts`` bursts of 5 failed passwords (ssh-password-guessing: 5 within 10 min),
    each from its own address, a minute apart."""
    start = NOW - timedelta(minutes=bursts + 5)
    with path.open("w") as out:
        for n in range(bursts):
            ip = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
            for k in range(5):
                at = (start + timedelta(minutes=n, seconds=k)).strftime("%b %e %H:%M:%S")
                out.write(
                    f"{at} web1 sshd[4{k}]: Failed password for root from {ip} port 22 ssh2\n"
                )
    stamp = NOW.timestamp()
    os.utime(path, (stamp, stamp))


def timed(fn, *args) -> tuple[float, object]:  # noqa: ANN001
    started = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - started, result


def appends(path: Path, count: int, size: int) -> None:
    """The baseline: ``count`` durable appends of ``size``-character notes to one incident."""
    with Journal.open(path) as journal:
        incident = journal.create_incident(
            mode="live",
            title="baseline",
            severity="SEV3",
            playbook_id="p",
            playbook_version="1",
            playbook_sha256="ab" * 32,
            actor="bench",
        )
        filler = {"text": "x" * size}
        for _ in range(count):
            journal.append(incident.id, "note", filler, actor="bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--findings", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3, help="best of, alternating")
    args = parser.parse_args()
    shutil.rmtree(DATA, ignore_errors=True)
    DATA.mkdir(parents=True)
    log = DATA / "auth.log"
    write_log(log, args.findings)
    ruleset = load_rules(default_files())
    rules = [ruleset.rules["ssh-password-guessing"]]
    paths = {"auth": [str(log)]}

    def run(recorder, since=None):  # noqa: ANN001, ANN202
        return scan(rules, ruleset.sources, recorder, now=NOW, since=since, paths=paths)

    dry = min(timed(run, MemoryRecorder())[0] for _ in range(args.runs))
    recordings, baselines, rescans = [], [], []
    recorded = size = 0
    for n in range(args.runs):
        with Journal.open(DATA / f"j{n}.db") as journal:
            seconds, report = timed(run, JournalRecorder(journal, ruleset, "bench", paths=paths))
            recordings.append(seconds)
            recorded = len(report.findings)
            again = JournalRecorder(journal, ruleset, "bench", paths=paths)
            rescans.append(timed(run, again, NOW - timedelta(days=30))[0])
            first = journal.get_entry("FND-0001", 1)
            size = len(json.dumps(first.payload)) if first else 500
        baselines.append(timed(appends, DATA / f"baseline{n}.db", recorded, size)[0])
    recording, baseline, rescan = min(recordings), min(baselines), min(rescans)
    per = recording / max(recorded, 1) * 1000
    base = baseline / max(recorded, 1) * 1000
    print(
        f"{recorded:,} findings from {recorded * 5:,} lines ({size:,}-byte first entries), "
        f"best of {args.runs}"
    )
    print("| measure | figure |\n|---|---|")
    print(f"| scan, dry run (no journal) | {dry:.2f} s |")
    print(f"| scan recording every finding | {recording:.2f} s: {per:.2f} ms a finding |")
    print(f"| baseline: as many durable appends | {baseline:.2f} s: {base:.2f} ms an append |")
    print(f"| recording / baseline | **{recording / baseline:.2f}x** |")
    print(f"| rescan, every finding known, none recorded | {rescan:.2f} s |")


if __name__ == "__main__":
    main()
