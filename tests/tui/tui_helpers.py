"""Helpers for the TUI tests: read what a screen shows, type text, read journal rows."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from textual import events
from textual.app import App
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable, OptionList, RichLog
from textual.worker import WorkerCancelled

from irdesk import paths
from irdesk.domain.entry import Entry
from irdesk.domain.models import Roster
from irdesk.formats.loader import load_file
from irdesk.store import Journal

TUI = Path(__file__).resolve().parent
#: The playbooks and scenarios the TUI tests run on: copies the tests own (the bundled ones
#: are there for users to edit), loaded as bundled content is, so the screens (and the
#: snapshots) read as on a fresh install.
PLAYBOOKS_AND_SCENARIOS = [(TUI / "playbooks", True), (TUI / "scenarios", True)]


def catalog_sources() -> list[tuple[Path, bool]]:
    """What a test desk reloads (f5) from: the tests' own content, then the user's folders
    (under the test's IRDESK_HOME)."""
    return [
        *PLAYBOOKS_AND_SCENARIOS,
        (paths.user_playbooks_dir(), False),
        (paths.user_scenarios_dir(), False),
    ]


START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SIZE = (130, 40)  # every app runs at this size
ACTOR = "alice"

NOTIFY_SCRIPT = """\
import json
import sys

with open({log!r}, "a", encoding="utf-8") as out:
    out.write(json.dumps(sys.argv[1:]) + "\\n")
"""

ROSTER = """\
irdesk: roster/1
people:
  - name: Ada Moreno
    roles: [commander, security-lead]
    contact: "+1 555 0100, ada@example.org"
    on_call: true
  - name: Kofi Mensah
    roles: [security-lead]
    contact: "+1 555 0101, kofi@example.org"
  - name: Lena Fischer
    roles: [scribe, comms]
    contact: "+1 555 0102, lena@example.org"
    on_call: true
  - name: Ravi Iyer
    roles: [it-ops]
    contact: "+1 555 0103, ravi@example.org"
    on_call: true
notify:
  command: {command}
"""


def write_roster(path: Path, command: list[str]) -> Roster:
    path.write_text(ROSTER.format(command=json.dumps(command)))
    result = load_file(path, expect="roster")
    assert result.ok, result.errors
    return result.model


def screen_text(app: App) -> str:
    """The whole terminal as plain text, exactly as a person would read it (toasts too)."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text(styles=False)


def toasts(app: App) -> str:
    """The text of the notifications on screen, each wrapped line joined back up."""
    from textual.widgets._toast import Toast

    return "\n".join(" ".join(str(toast.render()).split()) for toast in app.screen.query(Toast))


def text_of(widget: Widget) -> str:
    """A widget's content as plain text (Static, OptionList, RichLog, DataTable)."""
    if isinstance(widget, OptionList):
        return "\n".join(
            str(widget.get_option_at_index(i).prompt) for i in range(widget.option_count)
        )
    if isinstance(widget, RichLog):
        return "\n".join("".join(segment.text for segment in strip) for strip in widget.lines)
    if isinstance(widget, DataTable):
        rows = []
        for row_key in widget.rows:
            rows.append(" | ".join(str(cell) for cell in widget.get_row(row_key)))
        return "\n".join(rows)
    return str(widget.render())


async def palette_titles(app: App) -> list[str]:
    """Every command the palette (ctrl+p) offers on the current screen: the app's own and
    the screen's context actions."""
    from irdesk.tui.commands import ScreenCommands

    titles = [command.title for command in app.get_system_commands(app.screen)]
    return titles + [str(hit.text) async for hit in ScreenCommands(app.screen).discover()]


def options(widget: OptionList) -> list[str]:
    return [str(widget.get_option_at_index(i).prompt) for i in range(widget.option_count)]


def run(app: App):
    """Run an app under Pilot at the fixed size, with toasts shown as a person sees them."""
    return app.run_test(size=SIZE, notifications=True)


async def paste(pilot: Pilot, text: str) -> None:
    """Paste text into the focused widget (a terminal's bracketed paste).

    Typing key by key costs ~70 ms a key under Pilot; short texts are typed with
    ``pilot.press(*text)``, longer ones pasted, as people do with log lines and reasons.
    """
    await pilot.pause()  # a focus() just called takes effect on the next idle
    focused = pilot.app.focused
    assert focused is not None, "nothing has focus to paste into"
    focused.post_message(events.Paste(text))
    await pilot.pause()


async def settle(pilot: Pilot) -> None:
    """Let messages, callbacks and worker threads (notify commands) finish."""
    await pilot.pause()
    while any(not worker.is_finished for worker in pilot.app.workers):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            pass  # an exclusive worker replaced by a newer one (home's board): wait on
        await pilot.pause()


async def wait_until(pilot: Pilot, condition: Callable[[], bool], timeout: float = 1.5) -> float:
    """Let the app run until condition() holds; the seconds it took (fails on timeout)."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not shown within {timeout}s")
        await pilot.pause(0.05)
    return time.monotonic() - start


def rows(journal: Journal, incident_id: str, kind: str | None = None) -> list[Entry]:
    """The incident's entries as the store returns them (optionally of one kind)."""
    return [e for e in journal.entries(incident_id) if kind is None or e.kind == kind]


def last(journal: Journal, incident_id: str) -> Entry:
    return rows(journal, incident_id)[-1]


def kinds(journal: Journal, incident_id: str) -> list[str]:
    return [e.kind for e in rows(journal, incident_id)]


def notify_calls(log: Path) -> list[list[str]]:
    """The argv of every run of the recording notify script, in order."""
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def payload_without(entry: Entry, *keys: str) -> dict[str, Any]:
    return {k: v for k, v in entry.payload.items() if k not in keys}
