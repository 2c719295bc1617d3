"""UI benchmark: time to the first frame of home, key press to frame in the runner, memory.

    python benchmarks/ui.py              # about a minute on 2 cores
    python benchmarks/ui.py --runs 9     # more runs per figure (medians are printed)

Prints, in one run:

1. time from process start to the first frame of the home screen, on a journal of 1,000
   incidents, next to a bare Textual app (one Static) started the same way: the ratio is
   the figure (target at most 1.5x). Each is a fresh ``python`` process that builds its
   app as ``irdesk`` does (open the journal; catalog and roster load after), runs it
   headless at 130x40 and exits as soon as the first frame is painted. The parent reads
   ``time.perf_counter()`` (CLOCK_MONOTONIC, shared by every process on the machine)
   before starting the interpreter; the child reads it when the frame is painted.
2. key press to updated frame in the runner on an incident of 100k entries: a digit key
   ticks / unticks a checklist item (one durable journal write each); the key goes to the
   driver as a terminal would send it, and the time runs until the checklist shows the
   change and the frame is composed (layout and render); median of 20 presses after 2
   warm-ups (target < 50 ms). Next to it: a bare app whose key updates one Static, and
   the same presses through Pilot (press + pause, as the tests drive it), whose wait for
   an idle process adds a fixed ~80 ms.
3. peak memory (``ru_maxrss``) of each process, the runner's with its 100k incident open.

Big journals are built with the benchmarks' bulk helpers: rows hashed with the store's own
chain code in one transaction, so the journals are valid. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

SIZE = (130, 40)
PRESSES, WARMUP = 20, 2


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def key_latencies(pilot, key: str, shown) -> tuple[list[float], list[float]]:  # noqa: ANN001
    """Two measures of a key press until the frame shows its effect, in ms.

    direct: the key goes to the driver as a terminal would send it; the loop yields until
    the widget shows the change (action done), then composes the frame at once (layout
    and render: Textual's screen update, which otherwise runs on its next 60 Hz tick).
    pilot: ``await pilot.press(key)`` + ``await pilot.pause()``, as the tests drive it;
    Pilot waits for the process to go idle, so this includes a fixed wait (see the bare
    app's figure).
    """
    from textual import events

    app = pilot.app
    direct, piloted = [], []
    for n in range(2 * (PRESSES + WARMUP)):
        before = shown()
        t0 = time.perf_counter()
        if n % 2:
            await pilot.press(key)
            await pilot.pause()
            while shown() == before:
                await pilot.pause()
            piloted.append((time.perf_counter() - t0) * 1000)
        else:
            app._driver.send_message(events.Key(key, key))
            while shown() == before:
                if time.perf_counter() - t0 > 10:
                    raise RuntimeError(f"the screen never changed: {before!r}")
                await asyncio.sleep(0.0005)
            app.screen._on_timer_update()  # compose the frame now (layout + render)
            direct.append((time.perf_counter() - t0) * 1000)
        await pilot.pause()  # settle before the next press
    return direct[WARMUP:], piloted[WARMUP:]


# --------------------------------------------------------------------------- children


def child_bare() -> dict:
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    painted: dict = {}

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("irdesk")

        def on_mount(self) -> None:
            self.call_after_refresh(self.painted)

        def painted(self) -> None:
            painted["frame"] = time.perf_counter()
            self.exit()

    Bare().run(headless=True, size=SIZE)
    return {"frame": painted["frame"], "peak_mb": _peak_mb()}


def child_bare_key() -> dict:
    """Key press to frame for a bare app whose key updates one Static: Pilot's floor."""
    from textual.app import App, ComposeResult
    from textual.binding import Binding
    from textual.widgets import Static

    class Bare(App[None]):
        BINDINGS = [Binding("1", "flip", "flip")]

        def compose(self) -> ComposeResult:
            yield Static("[ ] item", id="item")

        def action_flip(self) -> None:
            item = self.query_one("#item", Static)
            item.update("[x] item" if str(item.render()).startswith("[ ]") else "[ ] item")

    results: dict = {}

    async def drive() -> None:
        app = Bare()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            item = app.query_one("#item", Static)
            results["key_ms"], results["pilot_ms"] = await key_latencies(
                pilot, "1", lambda: str(item.render())
            )

    asyncio.run(drive())
    return results


def child_home(journal: str) -> dict:
    painted: dict = {"started": time.perf_counter()}
    from irdesk.cli.common import make_desk, open_journal
    from irdesk.tui.app import IrdeskApp
    from irdesk.tui.screens import home

    painted["imported"] = time.perf_counter()
    mounted = home.HomeScreen.on_mount

    def on_mount(screen: home.HomeScreen) -> None:
        mounted(screen)  # the incidents and playbooks are in the tables now

        def frame() -> None:
            painted["frame"] = time.perf_counter()
            painted["rows"] = screen.query_one("#incidents").row_count
            screen.app.exit()

        screen.call_after_refresh(frame)

    home.HomeScreen.on_mount = on_mount  # type: ignore[method-assign]
    # as `irdesk` does (cli.incidents.open_home): playbooks and roster load after the frame
    desk = make_desk(open_journal(Path(journal)), lazy=True)
    painted["desk"] = time.perf_counter()
    IrdeskApp(desk, journal_label="bench").run(headless=True, size=SIZE)
    desk.journal.close()
    return {**painted, "peak_mb": _peak_mb()}


def child_runner(journal: str, incident: str) -> dict:
    from textual.widgets import OptionList

    from irdesk.cli.common import make_desk, open_journal
    from irdesk.tui.app import IrdeskApp
    from irdesk.tui.screens.runner import RunnerScreen

    results: dict = {}

    async def drive() -> None:
        desk = make_desk(open_journal(Path(journal)))
        # Where a press's time goes: the durable write alone, and the whole action (write,
        # fold, widgets updated) before Textual lays out and paints the frame.
        writes: list[float] = []
        actions: list[float] = []
        append = desk.journal.append

        def timed_append(*args, **kwargs):  # noqa: ANN002, ANN003
            t0 = time.perf_counter()
            try:
                return append(*args, **kwargs)
            finally:
                writes.append((time.perf_counter() - t0) * 1000)

        desk.journal.append = timed_append  # type: ignore[method-assign]
        do = RunnerScreen._do

        def timed_do(screen, fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
            t0 = time.perf_counter()
            try:
                return do(screen, fn, *args, **kwargs)
            finally:
                actions.append((time.perf_counter() - t0) * 1000)

        RunnerScreen._do = timed_do  # type: ignore[method-assign]
        app = IrdeskApp(desk, open_incident=incident, journal_label="bench")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, RunnerScreen), app.screen
            results["frame"] = time.perf_counter()
            results["entries"] = app.screen.session.state.entry_count
            checklist = app.screen.query_one("#checklist", OptionList)
            step = app.screen.selected_step
            # An item without evidence: its digit ticks (or unticks) it straight away.
            index = next(i for i, c in enumerate(step.checklist[:9]) if not c.evidence)
            results["step"] = step.id

            def item() -> str:
                return str(checklist.get_option_at_index(index).prompt)

            writes.clear()
            actions.clear()
            results["key_ms"], results["pilot_ms"] = await key_latencies(
                pilot, str(index + 1), item
            )
            results["write_ms"] = writes
            results["action_ms"] = actions
        desk.journal.close()

    asyncio.run(drive())
    results["peak_mb"] = _peak_mb()
    return results


# --------------------------------------------------------------------------- parent


def run_child(*args: str) -> dict:
    """Start a fresh interpreter; the child's figures, with its first frame made relative
    to the moment just before the interpreter was started."""
    env = {**os.environ, "TEXTUAL": "", "TERM": "xterm-256color"}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, env=env
    )
    ended = time.perf_counter()
    if done.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if "frame" in result:
        result["first_frame_s"] = result["frame"] - start
    result["process_s"] = ended - start
    return result


def build_journals(folder: Path) -> tuple[Path, Path, str, float, float]:
    from bulk import build_incident
    from journal import build

    home = folder / "home-1000.db"
    t0 = time.perf_counter()
    build(home, 1000, 5)
    home_built = time.perf_counter() - t0
    runner = folder / "runner-100k.db"
    t0 = time.perf_counter()
    incident = build_incident(runner, 100_000)
    runner_built = time.perf_counter() - t0
    return home, runner, incident, home_built, runner_built


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5, help="processes per first-frame figure")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        measure = {
            "bare": child_bare,
            "bare-key": child_bare_key,
            "home": child_home,
            "runner": child_runner,
        }[kind]
        print(json.dumps(measure(*rest)))
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # Keep the user's catalog and roster out of it: bundled playbooks only.
        os.environ["IRDESK_HOME"] = str(folder / "irdesk-home")
        home_db, runner_db, incident, home_built, runner_built = build_journals(folder)
        print(
            f"built: 1,000 incidents in {home_built:.1f} s; "
            f"100k-entry incident in {runner_built:.1f} s"
        )

        bare, home = [], []
        for _ in range(args.runs):  # interleaved, so a busy moment hits both alike
            bare.append(run_child("bare"))
            home.append(run_child("home", str(home_db)))
        runner = run_child("runner", str(runner_db), incident)
        bare_key = run_child("bare-key")

    bare_s = statistics.median(r["first_frame_s"] for r in bare)
    home_s = statistics.median(r["first_frame_s"] for r in home)
    keys = runner["key_ms"]
    key_p50 = statistics.median(keys)
    key_max = max(keys)
    rows = [
        ("first frame, bare Textual app", f"{bare_s * 1000:.0f} ms", "", ""),
        (
            f"first frame, home, 1,000 incidents ({home[0]['rows']} rows)",
            f"{home_s * 1000:.0f} ms",
            "≤ 1.5x bare",
            f"{home_s / bare_s:.2f}x",
        ),
        (
            f"first frame, runner, {runner['entries']:,} entries",
            f"{runner['first_frame_s'] * 1000:.0f} ms",
            "",
            f"{runner['first_frame_s'] / bare_s:.2f}x",
        ),
        (
            f"key → frame, runner, {runner['entries']:,} entries (median of {len(keys)})",
            f"{key_p50:.1f} ms",
            "< 50 ms",
            f"max {key_max:.1f} ms",
        ),
        (
            "  of which the action: write, fold, widgets updated",
            f"{statistics.median(runner['action_ms']):.1f} ms",
            "",
            "",
        ),
        (
            "  of which the durable journal write",
            f"{statistics.median(runner['write_ms']):.1f} ms",
            "",
            "",
        ),
        (
            "key → frame, bare app updating one Static",
            f"{statistics.median(bare_key['key_ms']):.1f} ms",
            "",
            "",
        ),
        (
            "key → frame through Pilot (press + pause), runner / bare",
            f"{statistics.median(runner['pilot_ms']):.0f} ms",
            "",
            f"bare {statistics.median(bare_key['pilot_ms']):.0f} ms",
        ),
        (
            "peak memory, bare Textual app",
            f"{statistics.median(r['peak_mb'] for r in bare):.0f} MB",
            "",
            "",
        ),
        (
            "peak memory, home, 1,000 incidents",
            f"{statistics.median(r['peak_mb'] for r in home):.0f} MB",
            "",
            "",
        ),
        (
            f"peak memory, runner, {runner['entries']:,} entries",
            f"{runner['peak_mb']:.0f} MB",
            "",
            "",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print()
    print(f"{'measure':<{width}}  {'figure':>9}  {'target':<12} {'ratio':<12}")
    for name, figure, target, ratio in rows:
        print(f"{name:<{width}}  {figure:>9}  {target:<12} {ratio:<12}")
    print()

    def ms(a: str, b: str) -> float:
        return statistics.median((r[b] - r[a]) * 1000 for r in home)

    parts = {
        # the child's clock reading at its first line, relative to the parent's start
        "interpreter start": statistics.median(
            (r["started"] - r["frame"] + r["first_frame_s"]) * 1000 for r in home
        ),
        "irdesk and Textual imports": ms("started", "imported"),
        "journal opened": ms("imported", "desk"),
        "app start to first frame": ms("desk", "frame"),
    }
    print(
        "home's first frame, where the time goes (medians): "
        + "; ".join(f"{name} {ms:.0f} ms" for name, ms in parts.items())
    )
    print(
        f"medians of {args.runs} processes each; first frame = from just before the "
        "interpreter starts to the frame painted (headless, 130x40); key → frame includes "
        "one durable journal write (WAL, synchronous=FULL) per press and the frame's layout "
        "and render."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
