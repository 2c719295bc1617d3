"""Replay benchmark: first frame, stepping at max speed, seeking back, peak memory.

    python benchmarks/replay.py          # 100k entries (about a minute on 2 cores)
    python benchmarks/replay.py --big    # also 1M entries (builds a ~0.6 GB journal)

Each size runs in a fresh subprocess so its peak memory (ru_maxrss) is its own. Targets
from the replay issue: first frame under 1 s at 100k and under 5 s at 1M, memory under
200 MB. The baseline line is a bare Textual app's first frame measured in the same run.
Nothing here is asserted: timings are for people, not for tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def measure(path: str, incident: str, bare: bool) -> dict:
    """Runs inside the subprocess."""
    from textual.app import App
    from textual.widgets import Static

    results: dict = {}
    t0 = time.perf_counter()
    if bare:

        class Bare(App):
            def compose(self):
                yield Static("hello")

        async def bare_frame() -> None:
            async with Bare().run_test(size=(130, 40)) as pilot:
                await pilot.pause()

        asyncio.run(bare_frame())
        results["first_frame_s"] = time.perf_counter() - t0
    else:
        from irdesk.services.replay import open_replay
        from irdesk.tui.app import IrdeskApp

        replay = open_replay(path, incident)
        results["open_s"] = time.perf_counter() - t0

        async def first_frame() -> None:
            app = IrdeskApp(None, replay=replay)
            async with app.run_test(size=(130, 40)) as pilot:
                await pilot.pause()
                results["first_frame_s"] = time.perf_counter() - t0
                await pilot.pause(0.4)  # the chain check starts after the first frame
                await app.workers.wait_for_complete()
                results["verified_s"] = time.perf_counter() - t0
                t1 = time.perf_counter()
                await pilot.press("right")
                await pilot.pause()
                results["key_to_frame_ms"] = (time.perf_counter() - t1) * 1000

        asyncio.run(first_frame())
        t1 = time.perf_counter()
        n = 0
        while replay.cursor < replay.total:
            replay.step(1)
            n += 1
        elapsed = time.perf_counter() - t1
        results["step_all_s"] = elapsed
        results["steps_per_s"] = n / elapsed if elapsed else 0.0
        rng = random.Random(1)
        t1 = time.perf_counter()
        seeks = 200
        for _ in range(seeks):
            replay.seek(rng.randint(1, replay.total))
        results["random_seek_ms"] = (time.perf_counter() - t1) / seeks * 1000
        t1 = time.perf_counter()
        replay.step(-1)
        results["step_back_ms"] = (time.perf_counter() - t1) * 1000
        results["entries"] = replay.total
    results["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return results


def run_child(path: str, incident: str, bare: bool = False) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", path, incident, "bare" if bare else "full"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--big", action="store_true", help="also replay 1M entries")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        path, incident, mode = args.child
        print(json.dumps(measure(path, incident, mode == "bare")))
        return 0

    from bulk import build_incident

    sizes = [100_000] + ([1_000_000] if args.big else [])
    targets = {100_000: 1.0, 1_000_000: 5.0}
    baseline = run_child("", "", bare=True)
    print(
        f"bare Textual app first frame: {baseline['first_frame_s'] * 1000:.0f} ms, "
        f"{baseline['peak_mb']:.0f} MB"
    )
    print()
    header = (
        f"{'entries':>10} {'build s':>8} {'first frame':>12} {'target':>7} "
        f"{'vs bare':>8} {'key→frame':>10} {'step/s':>9} {'seek ms':>8} "
        f"{'back ms':>8} {'peak MB':>8} {'verified':>9}"
    )
    print(header)
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            path = Path(folder) / f"replay-{size}.db"
            t0 = time.perf_counter()
            build_incident(path, size)
            built = time.perf_counter() - t0
            r = run_child(str(path), "INC-0001")
            print(
                f"{r['entries']:>10,} {built:>8.1f} {r['first_frame_s'] * 1000:>9.0f} ms "
                f"{targets[size]:>5.0f} s "
                f"{r['first_frame_s'] / baseline['first_frame_s']:>7.2f}x "
                f"{r['key_to_frame_ms']:>7.1f} ms {r['steps_per_s']:>9,.0f} "
                f"{r['random_seek_ms']:>8.2f} {r['step_back_ms']:>8.2f} {r['peak_mb']:>8.0f} "
                f"{r['verified_s']:>7.2f} s"
            )
    print()
    print(
        "first frame: process start of the measurement to the replay screen painted, "
        "journal opened read-only; step/s: folding entry by entry to the end; seek ms: "
        "random jumps (checkpoint restore + at most 500 applies); verified: when the chain "
        "check (started after the first frame) finished; target memory < 200 MB."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
