"""Replay benchmark: first frame, stepping anywhere, long jumps, peak memory.

    python benchmarks/replay.py          # 100k entries (about a minute on 2 cores)
    python benchmarks/replay.py --big    # also 1M entries (builds a ~0.5 GB journal)

Each size runs in a fresh subprocess so its peak memory (ru_maxrss) is its own, and so
does a bare Textual app, the baseline: every first frame is timed from just before the
parent starts the child's interpreter (imports included, Textual's too) to the frame
painted, on CLOCK_MONOTONIC, which every process shares. For each size:

* first frame of the replay screen (targets from the replay issue: < 1 s at 100k,
  < 5 s at 1M), and when the chain check that starts after it has finished;
* the cost of one step forward near the start (entry 10) and far in (entry 90 % of the
  way: 900k at 1M), once the replay has been there; target: at most 1.2x;
* random seeks and a step back;
* ``end`` from the start, on screen: how long the screen takes to answer keys while the
  jump is folded in a worker (max of key → frame for arrow keys sent meanwhile, next to
  the same keys with nothing else going on), and when the cursor reaches the end;
* peak memory (target < 200 MB).

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

SIZE = (130, 40)
STEPS = 2000


def step_costs(replay, near: int, far: int) -> tuple[float, float]:  # noqa: ANN001
    """Seconds per step(1) over STEPS steps from ``near`` and from ``far`` (the median of
    7 rounds each, the two interleaved so both see the same machine)."""
    found: dict[int, list[float]] = {near: [], far: []}
    for _ in range(7):
        for where in (near, far):
            replay.seek(where)
            t0 = time.perf_counter()
            for _ in range(STEPS):
                replay.step(1)
            found[where].append((time.perf_counter() - t0) / STEPS)
    return sorted(found[near])[3], sorted(found[far])[3]


async def keys_while(pilot, replay, count: int) -> list[float]:  # noqa: ANN001
    """Key → frame (ms) of up to ``count`` right/left presses, each until the cursor moved
    (stopping once it is at the end: a jump there has landed)."""
    from textual import events

    app = pilot.app
    found = []
    for n in range(count):
        if replay.cursor == replay.total:
            break
        before = replay.cursor
        t0 = time.perf_counter()
        app._driver.send_message(events.Key("right" if n % 2 == 0 else "left", None))
        while replay.cursor == before:
            await asyncio.sleep(0.0005)
        app.screen._on_timer_update()
        found.append((time.perf_counter() - t0) * 1000)
        await pilot.pause(0.05)
    return found


def child_bare() -> dict:
    from textual.app import App
    from textual.widgets import Static

    class Bare(App[None]):
        def compose(self):  # noqa: ANN202
            yield Static("hello")

    frame: dict = {}

    async def run() -> None:
        async with Bare().run_test(size=SIZE) as pilot:
            await pilot.pause()
            frame["at"] = time.perf_counter()

    asyncio.run(run())
    return {"frame": frame["at"], "peak_mb": _peak_mb()}


def child_replay(path: str, incident: str) -> dict:
    from textual import events

    from irdesk.services.replay import open_replay
    from irdesk.tui.app import IrdeskApp

    results: dict = {}
    replay = open_replay(path, incident)

    async def run() -> None:
        app = IrdeskApp(None, replay=replay)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            results["frame"] = time.perf_counter()
            await pilot.pause(0.6)  # the chain check starts after the first frame
            await app.workers.wait_for_complete()
            results["verified"] = time.perf_counter()
            results["quiet_keys_ms"] = await keys_while(pilot, replay, 20)
            t0 = time.perf_counter()
            app._driver.send_message(events.Key("end", None))  # as a terminal sends it
            await asyncio.sleep(0.05)
            results["busy_keys_ms"] = await keys_while(pilot, replay, 20)
            while replay.cursor != replay.total:
                await pilot.pause(0.02)
            results["end_s"] = time.perf_counter() - t0

    asyncio.run(run())
    replay.prepare(replay.total)
    near, far = 10, int(replay.total * 0.9)
    step_near, step_far = step_costs(replay, near, far)
    results["step_near_us"], results["step_far_us"] = step_near * 1e6, step_far * 1e6
    results["far_entry"] = far
    rng = random.Random(1)
    t0 = time.perf_counter()
    for _ in range(200):
        replay.seek(rng.randint(1, replay.total))
    results["seek_ms"] = (time.perf_counter() - t0) / 200 * 1000
    t0 = time.perf_counter()
    replay.step(-1)
    results["back_ms"] = (time.perf_counter() - t0) * 1000
    results["entries"] = replay.total
    results["peak_mb"] = _peak_mb()
    return results


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(*args: str) -> dict:
    """A fresh interpreter; its frame made relative to just before it was started."""
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["first_frame_s"] = result["frame"] - started
    if "verified" in result:
        result["verified_s"] = result["verified"] - started
    return result


def measure(path: Path, incident: str = "INC-0001") -> dict:
    """The replay of ``path`` and a bare app, each in its own process."""
    bare = run_child("bare")
    full = run_child("replay", str(path), incident)
    return {**full, "bare_frame_s": bare["first_frame_s"], "bare_mb": bare["peak_mb"]}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--big", action="store_true", help="also replay 1M entries")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        print(json.dumps(child_bare() if kind == "bare" else child_replay(*rest)))
        return 0

    from bulk import build_incident, compile_irdesk

    compile_irdesk()
    targets = {100_000: 1.0, 1_000_000: 5.0}
    with tempfile.TemporaryDirectory() as folder:
        for size in [100_000] + ([1_000_000] if args.big else []):
            path = Path(folder) / f"replay-{size}.db"
            build_incident(path, size)
            r = measure(path)
            print(f"\nreplay of {r['entries']:,} entries")
            print(
                f"  first frame {r['first_frame_s']:.2f} s (target < {targets[size]:.0f} s), "
                f"bare Textual app {r['bare_frame_s']:.2f} s: "
                f"{r['first_frame_s'] / r['bare_frame_s']:.2f}x; chain verified at "
                f"{r['verified_s']:.2f} s"
            )
            print(
                f"  step: {r['step_near_us']:.1f} µs at entry 10, {r['step_far_us']:.1f} µs "
                f"at entry {r['far_entry']:,}: {r['step_far_us'] / r['step_near_us']:.2f}x "
                "(target <= 1.2x)"
            )
            print(f"  random seek {r['seek_ms']:.2f} ms, step back {r['back_ms']:.2f} ms")
            print(
                f"  end from the start: at the end after {r['end_s']:.2f} s; keys meanwhile "
                f"max {max(r['busy_keys_ms'], default=0):.0f} ms "
                f"({len(r['busy_keys_ms'])} keys), with nothing going on "
                f"max {max(r['quiet_keys_ms']):.0f} ms"
            )
            print(
                f"  peak memory {r['peak_mb']:.0f} MB (target < 200 MB; bare app "
                f"{r['bare_mb']:.0f} MB)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
