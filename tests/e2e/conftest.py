"""Drive the installed ``irdesk`` in tmux, as a person would, and read the screen back.

Every test gets its own tmux server (``tmux -L <unique socket>``), so tests never clash
with each other or with a person's tmux. Panes are 130x40. The app's stderr is never
redirected: Textual draws on the terminal through it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from tmux_helpers import NOTIFY_SCRIPT, Pane


def _why_skip() -> str | None:
    if shutil.which("tmux") is None:
        return "tmux is not on PATH (apt-get install tmux) - the e2e tests drive irdesk in it"
    if shutil.which("irdesk") is None:
        return "the irdesk console script is not installed (pip install -e .)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _why_skip()
    if reason is None:
        return
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[callable]:
    """A factory of panes on one private tmux server, killed at the end of the test."""
    socket = f"irdesk-e2e-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    panes: list[Pane] = []

    def make(name: str, env: dict[str, str]) -> Pane:
        pane = Pane(socket, name, env, tmp_path)
        panes.append(pane)
        return pane

    yield make
    subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, timeout=10)


@pytest.fixture
def e2e_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    return home


@pytest.fixture
def notify_log(tmp_path: Path) -> Path:
    return tmp_path / "notify-calls.jsonl"


@pytest.fixture
def e2e_roster(e2e_home: Path, notify_log: Path, tmp_path: Path) -> Path:
    """$IRDESK_HOME/roster.yaml with a notify command that records its argv."""
    script = tmp_path / "record_notify.py"
    script.write_text(NOTIFY_SCRIPT.format(log=str(notify_log)))
    command = [
        sys.executable,
        str(script),
        "irdesk: {incident}",
        "{level}",
        "{people}",
        "{message}",
    ]
    import json

    roster = e2e_home / "roster.yaml"
    roster.write_text(
        "irdesk: roster/1\n"
        "people:\n"
        "  - name: Ada Moreno\n"
        "    roles: [commander, security-lead]\n"
        '    contact: "+1 555 0100"\n'
        "    on_call: true\n"
        "  - name: Ravi Iyer\n"
        "    roles: [it-ops]\n"
        '    contact: "+1 555 0103"\n'
        "    on_call: true\n"
        f"notify:\n  command: {json.dumps(command)}\n"
    )
    return roster
