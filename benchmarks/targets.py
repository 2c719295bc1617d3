"""Every row of issue #16's targets table, each with its same-run baseline.

    python benchmarks/targets.py                 # builds ~1.3 GB of journals; ~15 minutes
    python benchmarks/targets.py --keep /var/tmp/irdesk-bench   # reuse them next time
    python benchmarks/targets.py --only append verify

Prints a Markdown table: the figure measured in this run, the baseline measured in the
same run (a bare Textual app, raw sqlite3 doing the same SQL, the same command on a small
journal...), their ratio where the target is one, the target, and whether it was met.
The measures themselves live in the topic scripts beside this one (journal.py, ui.py,
replay.py, report.py), which print more detail; this script only runs them and lays the
rows out. On a machine others are using, run it twice and keep the better run.

Journals (built with bulk.py, every entry hashed with the store's own chain code):
an incident of 1M entries worked to its end and reviewed, with a small incident beside
it; the same with a short incident instead (the baseline of report and improvements); an
incident of 100k entries; 1,000, 10,000 and 100,000 incidents of 3 entries (every 20th
still open).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import journal as journal_bench  # noqa: E402
import replay as replay_bench  # noqa: E402
import report as report_bench  # noqa: E402
import ui as ui_bench  # noqa: E402
from bulk import build_incident, build_incidents, compile_irdesk  # noqa: E402

from irdesk.store import Journal  # noqa: E402


@dataclass
class Row:
    figure: str
    measured: str
    baseline: str
    ratio: str
    target: str
    #: None for a row that explains another (no target of its own)
    met: bool | None


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


class Bench:
    def __init__(self, folder: Path, runs: int) -> None:
        self.folder = folder
        self.runs = runs
        self.home = folder / "irdesk-home"  # bundled playbooks only, no roster
        os.environ["IRDESK_HOME"] = str(self.home)

    def built(self, name: str, build: Callable[[Path], object]) -> Path:
        """The journal ``name`` in the folder, built once (kept with --keep)."""
        path = self.folder / name
        if not path.exists():
            t0 = time.perf_counter()
            partial = path.with_name(path.name + ".partial")
            for leftover in path.parent.glob(partial.name + "*"):
                leftover.unlink()
            build(partial)
            for suffix in ("-wal", "-shm"):  # closed cleanly: nothing but the file is left
                Path(f"{partial}{suffix}").unlink(missing_ok=True)
            partial.rename(path)
            print(f"  built {name} in {time.perf_counter() - t0:.0f} s", flush=True)
        return path

    # journals
    @property
    def beside(self) -> Path:
        return self.built("beside-1m.db", lambda p: report_bench.build_beside(p, 1_000_000))

    @property
    def beside_small(self) -> Path:
        return self.built("beside-small.db", lambda p: report_bench.build_beside(p, 200))

    @property
    def hundred_k(self) -> Path:
        return self.built("one-100k.db", lambda p: build_incident(p, 100_000))

    def incidents(self, count: int) -> Path:
        return self.built(f"incidents-{count}.db", lambda p: build_incidents(p, count))

    def copy(self, path: Path, name: str) -> Path:
        """A copy to write to (the runner's keys and the notes change a journal)."""
        target = self.folder / name
        shutil.copyfile(path, target)
        target.chmod(0o600)  # as irdesk makes a journal (it warns about looser ones)
        return target

    # rows
    def home_first_frame(self) -> list[Row]:
        journals = {"1k": self.incidents(1_000), "100k": self.incidents(100_000)}
        frames = ui_bench.measure_first_frames(journals, self.home, self.runs)
        bare = statistics.median(frames["bare"])
        small, big = (statistics.median(frames[n]) for n in journals)
        rows = [
            Row(
                f"home first frame, real `irdesk` in tmux, {name} incidents",
                ms(figure),
                f"bare Textual app {ms(bare)}",
                f"{figure / bare:.2f}x",
                "≤ 1.3x",
                figure / bare <= 1.3,
            )
            for name, figure in (("1k", small), ("100k", big))
        ]
        for name, figure in (("1k", small), ("100k", big)):
            same = statistics.median(frames[f"bare home {name}"])
            rows.append(
                Row(
                    f"home first frame, {name} incidents, against the same screen drawn by a "
                    "bare Textual app (irdesk's stylesheet, the same rows, no irdesk)",
                    ms(figure),
                    f"bare app, same screen {ms(same)} ({same / bare:.2f}x the bare app)",
                    f"{figure / same:.2f}x",
                    "(explains the row above: irdesk's own part is the difference)",
                    None,
                )
            )
        rows.append(
            Row(
                "home first frame, 100k incidents against 1k",
                ms(big),
                f"1k incidents {ms(small)}",
                f"{big / small:.2f}x",
                "flat (≤ 1.1x)",
                big / small <= 1.1,
            )
        )
        return rows

    def home_cpu(self) -> list[Row]:
        cpu = ui_bench.measure_home_cpu(self.incidents(10_000), self.home)
        return [
            Row(
                "home CPU while others write 1 note/s, 10k incidents",
                f"{cpu['home']:.1f} %",
                f"bare app {cpu['bare']:.1f} %",
                "",
                "≤ 2 %",
                cpu["home"] <= 2,
            )
        ]

    def improvements(self) -> list[Row]:
        found = report_bench.measure_beside(self.beside, self.beside_small, self.runs)
        return [
            Row(
                "`irdesk improvements`, 1M-entry journal (the whole command)",
                f"{found['improvements_beside']:.2f} s",
                f"short journal {found['improvements_baseline']:.2f} s",
                f"{found['improvements_beside'] / found['improvements_baseline']:.2f}x",
                "< 0.2 s",
                found["improvements_beside"] < 0.2,
            ),
            Row(
                "report of a small incident beside a 1M-entry one (`irdesk report`)",
                f"{found['report_beside']:.2f} s",
                f"beside a short one {found['report_baseline']:.2f} s",
                f"{found['report_beside'] / found['report_baseline']:.2f}x",
                "< 0.5 s",
                found["report_beside"] < 0.5,
            ),
        ]

    def replay(self) -> list[Row]:
        r = replay_bench.measure(self.beside)
        near, far = r["step_near_us"], r["step_far_us"]
        busy, quiet = max(r["busy_keys_ms"], default=0.0), max(r["quiet_keys_ms"])
        return [
            Row(
                f"replay: step cost at entry {r['far_entry']:,} against entry 10",
                f"{far:.0f} µs",
                f"entry 10: {near:.0f} µs",
                f"{far / near:.2f}x",
                "≤ 1.2x",
                far / near <= 1.2,
            ),
            Row(
                f"replay: keys while `end` folds {r['entries']:,} entries (max key → frame)",
                f"{busy:.0f} ms ({len(r['busy_keys_ms'])} keys; end in {r['end_s']:.1f} s)",
                f"nothing going on {quiet:.0f} ms",
                f"{busy / quiet:.2f}x",
                "never blocks input",
                bool(r["busy_keys_ms"]) and busy < 100,
            ),
        ]

    def open_incident(self) -> list[Row]:
        o = journal_bench.measure_open(self.beside)
        return [
            Row(
                f"open an incident of {o['entries'] / 1e6:.0f}M entries (its session)",
                f"{o['open_s']:.2f} s, {o['peak_mb']:.0f} MB",
                f"reading its rows {o['raw_s']:.2f} s",
                f"{o['open_s'] / o['raw_s']:.2f}x",
                "< 3 s, < 150 MB",
                o["open_s"] < 3 and o["peak_mb"] < 150,
            )
        ]

    def append(self) -> list[Row]:
        a = journal_bench.measure_append(self.folder / "append", 2000)
        ratio = a["store_p50"] / a["raw_p50"]
        return [
            Row(
                "durable append p50 (p99)",
                f"{a['store_p50'] * 1000:.3f} ms ({a['store_p99'] * 1000:.2f})",
                f"raw sqlite3, same SQL, same pragmas {a['raw_p50'] * 1000:.3f} ms "
                f"({a['raw_p99'] * 1000:.2f})",
                f"{ratio:.2f}x",
                "≤ 1.2x",
                ratio <= 1.2,
            )
        ]

    def verify(self) -> list[Row]:
        rows = []
        for name, path in (("100k", self.hundred_k), ("1M", self.beside)):
            v = journal_bench.measure_verify(path, runs=3)
            rows.append(
                Row(
                    f"verify {name} entries, {v['workers_n']} workers / 1 process",
                    f"{v['workers'] / 1000:.0f}k/s / {v['one'] / 1000:.0f}k/s",
                    f"raw read + SHA-256, 1 process {v['raw'] / 1000:.0f}k/s",
                    f"{v['one'] / v['raw']:.2f}x",
                    "≥ 500k/s; ≥ 0.8x in 1 process",
                    v["workers"] >= 500_000 and v["one"] / v["raw"] >= 0.8,
                )
            )
        return rows

    def keys(self) -> list[Row]:
        path = self.copy(self.hundred_k, "runner-keys.db")
        runner = ui_bench.run_child("runner", str(path), "INC-0001")
        bare = ui_bench.run_child("bare-key")
        keys = runner["key_ms"]
        return [
            Row(
                f"key → frame in the runner, 100k entries, max of {len(keys)}",
                f"{max(keys):.0f} ms (median {statistics.median(keys):.0f})",
                f"bare app {max(bare['key_ms']):.0f} ms "
                f"(median {statistics.median(bare['key_ms']):.0f})",
                "",
                "< 50 ms",
                max(keys) < 50,
            )
        ]

    def notes(self) -> list[Row]:
        path = self.copy(self.hundred_k, "runner-notes.db")
        found = sorted(ui_bench.measure_notes(path, "INC-0001", self.home))
        p50 = statistics.median(found)
        p95 = found[min(len(found) - 1, int(0.95 * len(found)))]
        poll = ui_bench.poll_seconds()
        return [
            Row(
                f"another process's note on screen, p50 / p95 ({len(found)} notes)",
                f"{ms(p50)} / {ms(p95)}",
                f"the runner looks every {ms(poll)}",
                "",
                "< 300 / < 600 ms",
                p50 < 0.3 and p95 < 0.6,
            )
        ]

    def list_json(self) -> list[Row]:
        empty = self.folder / "empty.db"
        if not empty.exists():
            Journal.open(empty).close()
        found = journal_bench.measure_list_json(self.incidents(100_000), empty)
        return [
            Row(
                "`irdesk list --format json`, 100k incidents, peak memory",
                f"{found['list_mb']:.0f} MB ({found['list_s']:.1f} s)",
                f"empty journal {found['empty_mb']:.0f} MB",
                f"{found['list_mb'] / found['empty_mb']:.2f}x",
                "streams; < 100 MB",
                found["list_mb"] < 100,
            )
        ]


ROWS = {
    "home": Bench.home_first_frame,
    "cpu": Bench.home_cpu,
    "improvements": Bench.improvements,
    "replay": Bench.replay,
    "open": Bench.open_incident,
    "append": Bench.append,
    "verify": Bench.verify,
    "keys": Bench.keys,
    "notes": Bench.notes,
    "list": Bench.list_json,
}


def main() -> int:
    parser = argparse.ArgumentParser(description="irdesk's performance targets (issue #16)")
    parser.add_argument("--keep", type=Path, default=None, help="build or reuse journals here")
    parser.add_argument("--runs", type=int, default=5, help="repeats of the short figures")
    parser.add_argument("--only", nargs="+", choices=sorted(ROWS), default=None)
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="irdesk-targets-"))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "append").mkdir(exist_ok=True)
    for stale in (folder / "append").glob("*"):
        stale.unlink()
    print(
        f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, "
        f"{os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}, journals in {folder}",
        flush=True,
    )
    compile_irdesk()
    bench = Bench(folder, args.runs)
    rows: list[Row] = []
    try:
        for name in args.only or ROWS:
            print(f"measuring {name}…", flush=True)
            for row in ROWS[name](bench):
                print(f"  {row.figure}: {row.measured}; {row.baseline}; {row.ratio}", flush=True)
                rows.append(row)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}\n")
    print("| figure | this run | same-run baseline | ratio | target | met |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r.figure} | {r.measured} | {r.baseline} | {r.ratio} | {r.target} | "
            f"{'—' if r.met is None else 'yes' if r.met else '**no**'} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
