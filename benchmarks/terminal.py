"""Run a program in a private tmux server and time what reaches its screen.

Used by the benchmarks that measure the real ``irdesk`` command as a person starts it:
time from starting the process to its first frame, and the CPU it uses while idle. The
pane's output is copied to a file as it arrives (``tmux pipe-pane``), and the file is read
every 2 ms: no tmux command runs while the program starts (``capture-pane`` in a loop
would compete with it for the two cores).

    with Terminal() as term:
        seconds = term.first_frame(["irdesk", "--journal", path], "INC-0001")
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tempfile
import time
from pathlib import Path

WIDTH, HEIGHT = 130, 40
#: a bare Textual app, the baseline for a first frame: one Static, as irdesk's home has
#: (and a Footer, as every irdesk screen has)
BARE_APP = """\
from textual.app import App
from textual.widgets import Footer, Static


class Bare(App[None]):
    def compose(self):
        yield Static("bare app ready")
        yield Footer()


Bare().run()
"""
#: the same screen as home's first frame, drawn by a bare Textual app with irdesk's
#: stylesheet: the title and watcher lines, the incidents table with the same rows (read
#: from the journal beforehand, passed as JSON), the empty playbooks table, the contact
#: panel and a footer with home's keys. What Textual itself takes to draw what home shows;
#: irdesk's own part of the first frame is the rest.
BARE_HOME = """\
import json
import sys

from textual.app import App
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

COLUMNS = ("id", "title", "severity", "status", "commander", "attention", "updated", "playbook")
WIDTHS = {"commander": 12, "attention": 22}
ROWS = json.loads(open(sys.argv[1], encoding="utf-8").read())


class Home(Screen):
    BINDINGS = [
        Binding(key, key, label)
        for key, label in (
            ("n", "Declare incident"), ("d", "Start drill"), ("r", "Replay"), ("v", "Review"),
            ("R", "Report"), ("p", "Contacts"), ("f", "Findings"), ("f5", "Reload"),
        )
    ]

    def compose(self):
        yield Static(" irdesk   journal bench  ·  as bench", id="home-title")
        yield Static("nobody is watching: escalations fire only while a screen is open\\n"
                     "no open defects (irdesk check)", id="home-status")
        yield DataTable(id="incidents", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="home-bottom"):
            yield DataTable(id="playbooks", cursor_type="row")
            yield Static("loading…", id="contact-panel")
        yield Static(id="home-problems")
        yield Footer()

    def on_mount(self):
        table = self.query_one("#incidents", DataTable)
        for name in COLUMNS:
            table.add_column(name, key=name, width=WIDTHS.get(name))
        for row in ROWS:
            table.add_row(*row, key=row[0])
        self.query_one("#playbooks", DataTable).add_columns(
            "id", "title", "version", "steps", "source"
        )
        self.query_one("#home-problems").display = False
        table.focus()


class BareHome(App):
    CSS_PATH = sys.argv[2]

    def on_mount(self):
        self.push_screen(Home())


BareHome().run()
"""
_ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-B]|\x1b[=>]")


class Terminal:
    """One tmux session (130x40) on a private server; one program at a time."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="irdesk-bench-tmux-"))
        self.socket = f"irdesk-bench-{os.getpid()}"
        self.env = env or {}
        self.log = self.folder / "pane.out"
        self.bare = self.folder / "bare.py"
        self.bare.write_text(BARE_APP, encoding="utf-8")
        self.bare_home = self.folder / "bare_home.py"
        self.bare_home.write_text(BARE_HOME, encoding="utf-8")
        self._tmux(
            "new-session", "-d", "-s", "bench", "-x", str(WIDTH), "-y", str(HEIGHT), "sleep 86400"
        )
        self._tmux("set-option", "-t", "bench", "window-size", "manual")
        self._tmux("set-option", "-t", "bench", "remain-on-exit", "on")

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            timeout=20,
        )
        if done.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def command(self, argv: list[str]) -> str:
        assignments = [f"{k}={v}" for k, v in self.env.items()]
        return shlex.join(["env", "-u", "COLUMNS", "-u", "LINES", *assignments, *argv])

    def start(self, argv: list[str]) -> float:
        """Start ``argv`` in the pane (ending whatever ran there); the moment just before."""
        self._tmux("pipe-pane", "-t", "bench")  # stop copying the previous program
        self.log.write_bytes(b"")
        self._tmux("pipe-pane", "-t", "bench", f"cat >> {shlex.quote(str(self.log))}")
        started = time.perf_counter()
        self._tmux("respawn-pane", "-k", "-t", "bench", self.command(argv))
        return started

    def wait_for(self, text: str, started: float, timeout: float = 60.0) -> float:
        """Seconds from ``started`` until ``text`` reached the screen (escape sequences
        taken out of what the program wrote)."""
        wanted = text.encode()
        deadline = started + timeout
        while time.perf_counter() < deadline:
            raw = self.log.read_bytes()
            if wanted in raw or wanted in _ESCAPES.sub(b"", raw):
                return time.perf_counter() - started
            time.sleep(0.002)
        raise RuntimeError(f"{text!r} never reached the screen; it shows:\n{self.screen()}")

    def first_frame(self, argv: list[str], text: str) -> float:
        seconds = self.wait_for(text, self.start(argv))
        self.stop()
        return seconds

    def pid(self) -> int:
        """The pid of the program in the pane (env execs it, so it is the pane's pid)."""
        return int(self._tmux("display-message", "-p", "-t", "bench", "#{pane_pid}").strip())

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "bench")

    def stop(self) -> None:
        self._tmux("respawn-pane", "-k", "-t", "bench", "sleep 86400")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=20)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
