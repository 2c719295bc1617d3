"""Report benchmark: reports of a long incident, and the real commands beside one.

    python benchmarks/report.py                      # 100,000 entries; beside 1,000,000
    python benchmarks/report.py --entries 1000000 --beside 200000

1. A report of one incident of --entries entries as Markdown, HTML and JSON, made as
   `irdesk report` makes it (journal read-only; the catalog only if the journal lacks the
   playbook; entries read once; the chain verified beside the read): best of --runs, with
   where the time goes and the Python peak. Target from issue #6: under 2 s.
2. The real `irdesk report` and `irdesk improvements` commands (fresh processes, best of
   --runs) on a journal where a small incident sits beside one of --beside entries, next
   to the same commands on a journal where both incidents are small (the same-run
   baseline: same items, same review, same playbook). Targets: the report under 0.5 s,
   improvements under 0.2 s (issue #16).

The incidents are built with benchmarks/bulk.py (one transaction), then the rest of the
bundled playbook is worked through the real services and a review written, so reports
have every section and an improvement item is still open. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bulk import build_incident, bundled_playbook, compile_irdesk  # noqa: E402

from irdesk.domain.clock import FixedClock  # noqa: E402
from irdesk.formats.catalog import Catalog  # noqa: E402
from irdesk.report.render import render  # noqa: E402
from irdesk.services.desk import Desk  # noqa: E402
from irdesk.services.review import ReviewSession, improvement_rows, load_report  # noqa: E402
from irdesk.store import Journal  # noqa: E402

TARGET_S = 2.0


def finish_incident(path: Path, incident_id: str) -> int:
    """Work the rest of the playbook and write a review, through the real services."""
    with Journal.open(path) as journal:
        last = journal.get_entry(incident_id, journal.last_seq(incident_id))
        clock = FixedClock(last.recorded_at + timedelta(minutes=1))
        desk = Desk(journal, catalog=Catalog.load(), clock=clock, actor="ada")
        session = desk.session(incident_id)
        while session.state.current is not None and not session.state.closed:
            step = session.state.current_step
            clock.advance(timedelta(minutes=20))
            if step.decision:
                session.decide(step.id, 0)
            else:
                for n, item in enumerate(step.checklist):
                    if n not in session.state.steps[step.id].ticks:
                        session.tick(step.id, n, "case folder" if item.evidence else None)
                session.complete(step.id)
        if not session.state.closed:
            session.close("benchmark")
        review = ReviewSession(session)
        review.set_root_cause("benchmark")
        review.set_five_whys("the report was slow", ["one", "two", "three"], "benchmark")
        review.add_note("lesson", "benchmarks keep us honest")
        review.add_improvement("keep reports fast", owner="ada", due="2027-01-31")
        review.save("done")
        return journal.last_seq(incident_id)


def build_beside(path: Path, big: int) -> None:
    """INC-0001, of ``big`` entries, worked to its end and reviewed with an improvement
    item left open; then INC-0002, a small incident on the same playbook, declared a day
    later and worked the same way (its report carries INC-0001's item)."""
    build_incident(path, max(1, big - 120), playbook=bundled_playbook())
    finish_incident(path, "INC-0001")
    with Journal.open(path) as journal:
        last = journal.get_entry("INC-0001", journal.last_seq("INC-0001"))
        assert last is not None
        clock = FixedClock(last.recorded_at + timedelta(days=1))
        desk = Desk(journal, catalog=Catalog.load(), clock=clock, actor="ada")
        desk.declare(bundled_playbook(), title="A small incident beside a long one")
    finish_incident(path, "INC-0002")


def command_seconds(argv: list[str], runs: int) -> float:
    """Best wall time of the real command, each run a fresh process."""
    irdesk = str(Path(sys.executable).with_name("irdesk"))
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([irdesk, *argv], check=True, capture_output=True)
        best = min(best, time.perf_counter() - t0)
    return best


def measure_beside(beside: Path, baseline: Path, runs: int = 3) -> dict[str, float]:
    """The report of the small incident (INC-0002) and the improvements list, on a journal
    where it sits beside a long incident and on the baseline journal (beside a short one,
    same items), both built by build_beside; the in-process listing too."""
    found: dict[str, float] = {}
    for name, path in (("beside", beside), ("baseline", baseline)):
        out = path.with_suffix(".report.md")
        found[f"report_{name}"] = command_seconds(
            ["report", "INC-0002", "--journal", str(path), "-o", str(out)], runs
        )
        found[f"improvements_{name}"] = command_seconds(
            ["improvements", "--journal", str(path)], runs
        )
        with Journal.open(path, readonly=True) as journal:
            t0 = time.perf_counter()
            rows = improvement_rows(journal, today=FixedClock().now().date())
            found[f"listing_{name}"] = time.perf_counter() - t0
            assert [r.incident_id for r in rows] == ["INC-0001", "INC-0002"], rows
    return found


def generate(path: Path, incident_id: str, fmt: str, out: Path) -> float:
    """The report as `irdesk report` makes it (see irdesk.cli.report)."""
    start = time.perf_counter()
    with Journal.open(path, readonly=True) as journal:
        with (
            load_report(
                journal, incident_id, now=FixedClock().now(), catalog=lambda: Catalog.load()
            ) as report,
            open(out, "w", encoding="utf-8", newline="\n") as handle,
        ):
            render(report, fmt, handle)
    return time.perf_counter() - start


def phases(path: Path, incident_id: str, fmt: str, out: Path) -> dict[str, float]:
    """Where the time goes: verify, the single read (fold + spool), rendering."""
    with Journal.open(path, readonly=True) as journal:
        t0 = time.perf_counter()
        journal.verify(incident_id)
        t1 = time.perf_counter()
        with load_report(journal, incident_id, now=FixedClock().now(), verify=False) as report:
            t2 = time.perf_counter()
            with open(out, "w", encoding="utf-8", newline="\n") as handle:
                render(report, fmt, handle)
            t3 = time.perf_counter()
    return {"verify": t1 - t0, "read+fold": t2 - t1, "render": t3 - t2}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--beside", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--keep", type=Path, default=None, help="build (or reuse) the journals in this folder"
    )
    args = parser.parse_args()

    compile_irdesk()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="irdesk-report-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("IRDESK_HOME", str(folder / "irdesk-home"))
    path = folder / f"report-{args.entries}.db"
    incident_id = "INC-0001"
    if not path.exists():
        t0 = time.perf_counter()
        build_incident(path, args.entries - 120, playbook=bundled_playbook())
        total = finish_incident(path, incident_id)
        print(f"built {total:,} entries in {time.perf_counter() - t0:.1f} s ({path})")
    else:
        with Journal.open(path, readonly=True) as journal:
            total = journal.entry_count(incident_id)
        print(f"reusing {path} ({total:,} entries)")

    print(f"\nreport of one incident with {total:,} entries (target: under {TARGET_S:.0f} s)")
    print(
        f"{'format':<6} {'best':>8} {'verify':>8} {'read':>8} {'render':>8} "
        f"{'py peak':>9} {'output':>9}  target"
    )
    for fmt in ("md", "html", "json"):
        out = folder / f"report.{fmt}"
        best = min(generate(path, incident_id, fmt, out) for _ in range(args.runs))
        split = phases(path, incident_id, fmt, out)
        tracemalloc.start()
        generate(path, incident_id, fmt, out)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        size = out.stat().st_size
        verdict = "ok" if best < TARGET_S else "OVER"
        print(
            f"{fmt:<6} {best:>7.2f}s {split['verify']:>7.2f}s {split['read+fold']:>7.2f}s "
            f"{split['render']:>7.2f}s {peak / 2**20:>7.1f}MB {size / 2**20:>7.1f}MB  "
            f"< {TARGET_S:.0f} s {verdict}"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"max RSS of this process: {rss:.0f} MB (includes building the journal)")

    journals = {}
    for size in (args.beside, 200):
        journals[size] = folder / f"beside-{size}.db"
        if not journals[size].exists():
            build_beside(journals[size], size)
    b = measure_beside(journals[args.beside], journals[200], args.runs)
    print(
        f"\na small incident beside one of {args.beside:,} entries (real commands, best of "
        f"{args.runs}; baseline: the same beside a short incident)"
    )
    print(
        f"  irdesk report INC-0002   {b['report_beside']:.2f} s, baseline "
        f"{b['report_baseline']:.2f} s  (target < 0.5 s)"
    )
    print(
        f"  irdesk improvements      {b['improvements_beside']:.2f} s, baseline "
        f"{b['improvements_baseline']:.2f} s  (target < 0.2 s); the listing itself "
        f"{b['listing_beside'] * 1000:.1f} ms, baseline {b['listing_baseline'] * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
