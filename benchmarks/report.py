"""Report benchmark: an incident of 100k entries, reported as Markdown, HTML and JSON.

    python benchmarks/report.py              # 100,000 entries
    python benchmarks/report.py --entries 1000000

The journal is built with benchmarks/bulk.py (one transaction), then the rest of the
bundled playbook is worked through the real services and a review is written, so the
report has every section. Each format is generated as `irdesk report` does it: read the
journal once (fold + spooled timeline), verify the chain, render to a file. Times are wall
clock (best of --runs); memory is the Python peak (tracemalloc, in a separate run, since
tracing slows things down) and the process's max RSS. Target from issue #6: under 2 s.
Nothing here is asserted: timings are for people, not for tests.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bulk import build_incident, bundled_playbook  # noqa: E402

from irdesk.domain.clock import FixedClock  # noqa: E402
from irdesk.formats.catalog import Catalog  # noqa: E402
from irdesk.report.render import render  # noqa: E402
from irdesk.services.desk import Desk  # noqa: E402
from irdesk.services.review import ReviewSession, load_report  # noqa: E402
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
        review.set_root_cause("benchmark", whys=["one", "two", "three"])
        review.add_note("lesson", "benchmarks keep us honest")
        review.add_improvement("keep reports fast", owner="ada", due="2027-01-31")
        review.save("done")
        return journal.last_seq(incident_id)


def generate(path: Path, incident_id: str, fmt: str, out: Path) -> float:
    start = time.perf_counter()
    with Journal.open(path, readonly=True) as journal:
        with (
            load_report(journal, incident_id, now=FixedClock().now()) as report,
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
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--keep", type=Path, default=None, help="build (or reuse) the journal at this path"
    )
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="irdesk-report-bench-"))
    path = args.keep or folder / "journal.db"
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
    print(f"\nmax RSS of this process: {rss:.0f} MB (includes building the journal)")


if __name__ == "__main__":
    main()
