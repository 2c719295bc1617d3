"""Driving a program in a private tmux server and reading its screen back."""

from __future__ import annotations

import shlex
import subprocess
import time
from pathlib import Path

WIDTH, HEIGHT = 130, 40
KEY_GAP = 0.3  # seconds between keys: Textual needs a beat to tell keys from sequences

NOTIFY_SCRIPT = """\
import json
import sys

with open({log!r}, "a", encoding="utf-8") as out:
    out.write(json.dumps(sys.argv[1:]) + "\\n")
"""


class Pane:
    """One tmux session on a private server, running one command at a time."""

    def __init__(self, socket: str, name: str, env: dict[str, str], cwd: Path) -> None:
        self.socket = socket
        self.name = name
        self.env = env
        self.cwd = cwd
        self.started = False

    def tmux(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            timeout=10,
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def _wrapped(self, argv: list[str]) -> str:
        # env(1) sets the variables; after the app exits the pane stays open and says how
        # it ended, so a crash is on screen instead of a vanished pane.
        # COLUMNS/LINES may reach the pane from the environment tmux was started in (80x24
        # under pytest); they would override the pane's real size for Textual.
        assignments = [f"{k}={v}" for k, v in self.env.items()]
        command = shlex.join(["env", "-u", "COLUMNS", "-u", "LINES", *assignments, *argv])
        return f'{command}; echo "[irdesk exited $?]"; exec sleep 3600'

    def start(self, *argv: str) -> None:
        command = self._wrapped(list(argv))
        if not self.started:
            # A detached window with no client falls back to default-size (80x24) at
            # the first resize tmux does for itself: pin it at 130x40.
            self.tmux(
                "new-session",
                "-d",
                "-s",
                self.name,
                "-x",
                str(WIDTH),
                "-y",
                str(HEIGHT),
                "-c",
                str(self.cwd),
                command,
                ";",
                "set-option",
                "-t",
                self.name,
                "window-size",
                "manual",
                ";",
                "resize-window",
                "-t",
                self.name,
                "-x",
                str(WIDTH),
                "-y",
                str(HEIGHT),
            )
            self.started = True
        else:
            self.tmux("respawn-pane", "-k", "-t", self.name, "-c", str(self.cwd), command)

    def capture(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name)

    def keys(self, *keys: str) -> None:
        """Named keys (Enter, Escape, C-q, Down, Space, or single characters), one by one."""
        for key in keys:
            self.tmux("send-keys", "-t", self.name, key)
            time.sleep(KEY_GAP)

    def type(self, text: str) -> None:
        """Literal text, as typed (no key names interpreted)."""
        self.tmux("send-keys", "-t", self.name, "-l", "--", text)
        time.sleep(KEY_GAP)

    def wait_for(self, text: str, timeout: float = 10.0, *, gone: bool = False) -> str:
        """Poll the screen until text appears (or with gone=True, disappears)."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.capture()
            if (text in screen) != gone:
                return screen
            if time.monotonic() > deadline:
                state = "still there" if gone else "never appeared"
                size = self.tmux(
                    "display", "-p", "-t", self.name, "#{window_width}x#{window_height}"
                ).strip()
                raise AssertionError(
                    f"{text!r} {state} within {timeout}s; screen ({size}):\n{screen}"
                )
            time.sleep(0.1)


def quit_live(pane: Pane) -> None:
    """ctrl+q on a live incident whose timers are running: the desk asks first (saying
    who pages once it is gone); the answer is yes."""
    pane.keys("C-q")
    pane.wait_for("Quit irdesk?")
    pane.keys("y")


def base_env(home: Path, actor: str) -> dict[str, str]:
    return {
        "IRDESK_HOME": str(home),
        "IRDESK_ACTOR": actor,
        "TZ": "UTC",
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
    }
