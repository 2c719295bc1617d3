"""UI benchmark: home's first frame and idle CPU, the runner's key → frame and how soon
another process's note shows; each next to its same-run baseline.

    python benchmarks/ui.py                # a few minutes on 2 cores
    python benchmarks/ui.py --runs 9       # more processes per first-frame figure

Prints, in one run:

1. process start to home's first frame, for the real ``irdesk`` command started in a
   tmux pane (130x40) on journals of 1,000 and 100,000 incidents, next to a bare Textual
   app (one Static and a Footer) started the same way, and next to the same screen drawn
   by a bare Textual app (irdesk's stylesheet, the same rows, no irdesk: what Textual
   takes to draw what home shows); interleaved, medians of --runs.
   Targets: at most 1.3x the bare app, and flat from 1k to 100k incidents.
2. home's CPU (user + system, from /proc) over 20 s while another process writes one
   note a second, on 10,000 incidents, next to the bare app's over the same 20 s. Target:
   at most 2 %.
3. key press to updated frame in the runner on an incident of 100k entries: a digit
   key ticks / unticks a checklist item (one durable journal write each); the key goes to
   the driver as a terminal sends it, the time runs until the checklist shows the change
   and the frame is composed; max of 50 presses after 2 warm-ups, next to a bare app
   whose key updates one Static. Target: max < 50 ms.
4. another process's note on the runner's screen: a writer process appends 30 notes at
   random moments and reads the clock as each commit returns; the runner reads it when
   the note is in its timeline and the frame after it is painted (CLOCK_MONOTONIC, shared
   by every process on the machine). Targets: p50 < 300 ms, p95 < 600 ms; the runner
   looks for other writers every POLL seconds, which a note waits half of on average.

Journals are built with the bulk helpers (rows hashed with the store's own chain code in
one transaction, so they verify). Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

SIZE = (130, 40)
PRESSES, WARMUP = 50, 2
NOTES = 30


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def irdesk_command() -> str:
    """The installed ``irdesk`` console script beside this interpreter."""
    found = Path(sys.executable).with_name("irdesk")
    if not found.exists():
        raise SystemExit(f"no irdesk command at {found}: pip install -e . first")
    return str(found)


def terminal_env(home: Path) -> dict[str, str]:
    return {
        "IRDESK_HOME": str(home),
        "IRDESK_ACTOR": "bench",  # or the desk first asks who is at the keyboard
        "TERM": "xterm-256color",
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
    }


# --------------------------------------------------------------------------- 1, 2: home


def home_rows(journal: Path) -> list[list[str]]:
    """The rows home lists first (the newest 50 open, the line about more, the newest 15
    closed), as plain cells, for the bare app that draws the same screen."""
    from irdesk.domain.clock import local_when
    from irdesk.store import Journal
    from irdesk.tui.screens.home import OPEN_SHOWN, RECENT_CLOSED

    with Journal.open(journal, readonly=True) as j:
        open_ones = j.incidents(closed=False, limit=OPEN_SHOWN + 1)
        closed = j.incidents(closed=True, limit=RECENT_CLOSED)
    now = datetime.now(UTC)

    def cells(r) -> list[str]:  # noqa: ANN001
        when = local_when(r.updated_at, now) if r.updated_at else ""
        return [r.id, r.title, r.severity, r.status, "", "", when, r.playbook_id]

    rows = [cells(r) for r in open_ones[:OPEN_SHOWN]]
    if len(open_ones) > OPEN_SHOWN:
        rows.append(["…", "more open: irdesk list --status open", "", "", "", "", "", ""])
    return rows + [cells(r) for r in closed]


def measure_first_frames(journals: dict[str, Path], home: Path, runs: int) -> dict[str, list]:
    """Seconds to the first frame: the bare app, irdesk on each journal and the same
    screen drawn by a bare Textual app (``bare home``), interleaved. The newest
    incident's id is what home shows first."""
    from terminal import Terminal

    from irdesk.store import Journal

    newest = {}
    for name, path in journals.items():
        with Journal.open(path, readonly=True) as journal:
            newest[name] = journal.incidents(limit=1)[0].id
    css = Path(irdesk_package()) / "tui" / "irdesk.tcss"
    found: dict[str, list] = {"bare": []}
    for name in journals:
        found[name], found[f"bare home {name}"] = [], []
    with Terminal(env=terminal_env(home)) as term:
        rows = {}
        for name, path in journals.items():
            rows[name] = term.folder / f"rows-{name}.json"
            rows[name].write_text(json.dumps(home_rows(path)), encoding="utf-8")
        for _ in range(runs):
            found["bare"].append(
                term.first_frame([sys.executable, str(term.bare)], "bare app ready")
            )
            for name, path in journals.items():
                argv = [irdesk_command(), "--journal", str(path)]
                found[name].append(term.first_frame(argv, newest[name]))
                bare_home = [sys.executable, str(term.bare_home), str(rows[name]), str(css)]
                found[f"bare home {name}"].append(term.first_frame(bare_home, newest[name]))
    return found


def irdesk_package() -> str:
    import irdesk

    return str(Path(irdesk.__file__).parent)


def measure_home_cpu(journal: Path, home: Path, seconds: float = 20.0) -> dict[str, float]:
    """CPU % of home while another process writes a note a second, and of the bare app
    over the same kind of window."""
    from terminal import Terminal, cpu_seconds

    from irdesk.store import Journal

    with Journal.open(journal, readonly=True) as j:
        target = j.incidents(closed=False, limit=1)[0].id
    result = {}
    with Terminal(env=terminal_env(home)) as term:
        for name, argv, marker in (
            ("bare", [sys.executable, str(term.bare)], "bare app ready"),
            ("home", [irdesk_command(), "--journal", str(journal)], target),
        ):
            term.wait_for(marker, term.start(argv))
            time.sleep(3)  # home loads playbooks and roster after its first frame
            pid = term.pid()
            writer = subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    "writer",
                    str(journal),
                    target,
                    str(int(seconds)),
                    "1.0",
                ],
                stdout=subprocess.DEVNULL,
            )
            cpu0, t0 = cpu_seconds(pid), time.perf_counter()
            writer.wait()
            result[name] = (cpu_seconds(pid) - cpu0) / (time.perf_counter() - t0) * 100
            term.stop()
    return result


# --------------------------------------------------------------------------- 3: keys


async def key_latencies(pilot, key: str, shown) -> list[float]:  # noqa: ANN001
    """Key press to frame, in ms: the key goes to the driver as a terminal would send it;
    the loop yields until the widget shows the change (action done), then composes the
    frame at once (layout and render: Textual's screen update, which otherwise runs on its
    next 60 Hz tick)."""
    from textual import events

    app = pilot.app
    found = []
    for _ in range(PRESSES + WARMUP):
        before = shown()
        t0 = time.perf_counter()
        app._driver.send_message(events.Key(key, key))
        while shown() == before:
            if time.perf_counter() - t0 > 10:
                raise RuntimeError(f"the screen never changed: {before!r}")
            await asyncio.sleep(0.0005)
        app.screen._on_timer_update()  # compose the frame now (layout + render)
        found.append((time.perf_counter() - t0) * 1000)
        await pilot.pause(random.uniform(0.05, 0.3))  # as a person types, timers run between
    return found[WARMUP:]


def child_bare_key() -> dict:
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
            results["key_ms"] = await key_latencies(pilot, "1", lambda: str(item.render()))

    asyncio.run(drive())
    return results


def child_runner(journal: str, incident: str) -> dict:
    from textual.widgets import OptionList

    from irdesk.cli.common import make_desk, open_journal
    from irdesk.tui.app import IrdeskApp
    from irdesk.tui.screens.runner import RunnerScreen

    results: dict = {}

    async def drive() -> None:
        desk = make_desk(open_journal(Path(journal)))
        app = IrdeskApp(desk, open_incident=incident, journal_label="bench")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, RunnerScreen), app.screen
            results["entries"] = app.screen.session.state.entry_count
            checklist = app.screen.query_one("#checklist", OptionList)
            step = app.screen.selected_step
            # An item without evidence: its digit ticks (or unticks) it straight away.
            index = next(i for i, c in enumerate(step.checklist[:9]) if not c.evidence)

            def item() -> str:
                return str(checklist.get_option_at_index(index).prompt)

            results["key_ms"] = await key_latencies(pilot, str(index + 1), item)
        desk.journal.close()

    asyncio.run(drive())
    results["peak_mb"] = _peak_mb()
    return results


# --------------------------------------------------------------------------- 4: notes


def child_notes(journal: str, incident: str) -> dict:
    """The runner on screen; when each bench note is in the timeline and painted."""
    from irdesk.cli.common import make_desk, open_journal
    from irdesk.tui.app import IrdeskApp
    from irdesk.tui.screens.runner import RunnerScreen

    shown: dict[str, float] = {}
    arrived = RunnerScreen._on_new_entries

    def on_new_entries(screen: RunnerScreen, entries) -> None:  # noqa: ANN001
        arrived(screen, entries)
        texts = [e.payload.get("text", "") for e in entries if e.kind == "note"]

        def painted() -> None:
            now = time.perf_counter()
            for text in texts:
                shown.setdefault(text, now)

        screen.call_after_refresh(painted)

    RunnerScreen._on_new_entries = on_new_entries  # type: ignore[method-assign]

    async def drive() -> None:
        desk = make_desk(open_journal(Path(journal)))
        app = IrdeskApp(desk, open_incident=incident, journal_label="bench")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            print("ready", flush=True)
            deadline = time.perf_counter() + NOTES * 1.6 + 10
            while len(shown) < NOTES and time.perf_counter() < deadline:
                await pilot.pause(0.05)
        desk.journal.close()

    asyncio.run(drive())
    return {"shown": shown}


def child_writer(journal: str, incident: str, count: str, gap: str) -> dict:
    """Append ``count`` notes, ``gap`` seconds apart (0: at random, 0.3 to 1.3 s);
    print each note's text and the moment its commit returned."""
    from irdesk.store import Journal

    rng = random.Random(16)
    with Journal.open(journal) as j:
        for n in range(int(count)):
            time.sleep(float(gap) or rng.uniform(0.3, 1.3))
            text = f"bench note {n}"
            j.append(incident, "note", {"text": text}, actor="writer")
            print(json.dumps([text, time.perf_counter()]), flush=True)
    return {}


def measure_notes(journal: Path, incident: str, home: Path) -> list[float]:
    """Seconds from each note's commit in another process to the runner's painted frame."""
    env = {
        **os.environ,
        "IRDESK_HOME": str(home),
        "IRDESK_ACTOR": "bench",
        "TERM": "xterm-256color",
    }
    runner = subprocess.Popen(
        [sys.executable, __file__, "--child", "notes", str(journal), incident],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert runner.stdout is not None
    assert runner.stdout.readline().strip() == "ready"
    writer = subprocess.run(
        [sys.executable, __file__, "--child", "writer", str(journal), incident, str(NOTES), "0"],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [json.loads(line) for line in writer.stdout.splitlines()]
    committed = dict(line for line in lines if isinstance(line, list))
    out, _ = runner.communicate(timeout=120)
    shown = json.loads(out.strip().splitlines()[-1])["shown"]
    return [shown[text] - at for text, at in committed.items() if text in shown]


# --------------------------------------------------------------------------- parent


def run_child(*args: str) -> dict:
    # a name to act under: otherwise the desk first asks who is at the keyboard
    env = {**os.environ, "TEXTUAL": "", "TERM": "xterm-256color", "IRDESK_ACTOR": "bench"}
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, env=env
    )
    if done.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def poll_seconds() -> float:
    from irdesk.tui.screens.responder import POLL_SECONDS

    return POLL_SECONDS


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5, help="processes per first-frame figure")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        measure = {
            "bare-key": child_bare_key,
            "runner": child_runner,
            "notes": child_notes,
            "writer": child_writer,
        }[kind]
        print(json.dumps(measure(*rest)))
        return 0

    from bulk import build_incident, build_incidents, compile_irdesk

    compile_irdesk()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        home = folder / "irdesk-home"  # bundled playbooks only, no roster
        os.environ["IRDESK_HOME"] = str(home)
        journals = {}
        for count in (1_000, 100_000):
            journals[f"{count:,}"] = folder / f"home-{count}.db"
            build_incidents(journals[f"{count:,}"], count)
        ten_k = folder / "home-10000.db"
        build_incidents(ten_k, 10_000)
        runner_db = folder / "runner-100k.db"
        incident = build_incident(runner_db, 100_000)

        frames = measure_first_frames(journals, home, args.runs)
        cpu = measure_home_cpu(ten_k, home)
        runner = run_child("runner", str(runner_db), incident)
        bare_key = run_child("bare-key")
        notes = measure_notes(runner_db, incident, home)

    bare = statistics.median(frames["bare"])
    print(f"\nhome's first frame, the real irdesk command in tmux (medians of {args.runs})")
    print(f"  bare Textual app          {bare * 1000:6.0f} ms")
    for name in journals:
        figure = statistics.median(frames[name])
        print(
            f"  irdesk, {name:>7} incidents {figure * 1000:6.0f} ms  {figure / bare:.2f}x bare  "
            "(target <= 1.3x)"
        )
        same = statistics.median(frames[f"bare home {name}"])
        print(
            f"  the same screen, bare app  {same * 1000:6.0f} ms  {same / bare:.2f}x bare  "
            f"(irdesk's own part: {(figure - same) * 1000:.0f} ms)"
        )
    small, big = (statistics.median(frames[name]) for name in journals)
    print(f"  100,000 / 1,000 incidents  {big / small:.2f}x  (target: flat)")
    print("\nCPU while another process writes a note a second (10,000 incidents, 20 s)")
    print(f"  home {cpu['home']:.1f} %   bare app {cpu['bare']:.1f} %   (target <= 2 %)")
    keys = runner["key_ms"]
    print(f"\nkey → frame in the runner, {runner['entries']:,} entries ({len(keys)} presses)")
    print(
        f"  median {statistics.median(keys):.1f} ms  max {max(keys):.1f} ms  "
        f"(target: max < 50 ms)   bare app: median {statistics.median(bare_key['key_ms']):.1f} "
        f"ms, max {max(bare_key['key_ms']):.1f} ms   peak memory {runner['peak_mb']:.0f} MB"
    )
    ordered = sorted(notes)
    p50, p95 = statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    print(f"\nanother process's note on the runner's screen ({len(notes)} notes)")
    print(
        f"  p50 {p50 * 1000:.0f} ms  p95 {p95 * 1000:.0f} ms  (targets < 300 / < 600 ms; "
        f"the runner looks every {poll_seconds():g} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
