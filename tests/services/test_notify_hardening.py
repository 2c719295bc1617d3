"""The notify path, attacked: each test is one way the roster's command was abused or broke
(issue 13's hardening list), tried as an attacker would, through the session a screen or
the watcher uses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import pytest
from helpers_store import subprocess_env

from irdesk.domain.clock import FixedClock
from irdesk.domain.incident import ActionError, K
from irdesk.domain.models import Notify, Person, Roster
from irdesk.formats.catalog import Catalog
from irdesk.services.desk import Desk
from irdesk.store import Journal


def _desk(path: Path, clock: FixedClock, roster: Roster) -> Desk:
    return Desk(
        Journal.open(path, clock=clock),
        catalog=Catalog.load(),
        roster=roster,
        clock=clock,
        actor="ada",
    )


def _lapsed(tmp_path: Path, roster: Roster):
    """An incident whose acknowledge timer has just lapsed (level 1 is due)."""
    clock = FixedClock()
    desk = _desk(tmp_path / "journal.db", clock, roster)
    session = desk.declare(
        desk.catalog.playbook("account-compromise"),
        title="Invoice fraud",
        severity="SEV2",
        commander="Ada Moreno",
    )
    clock.advance(timedelta(minutes=20))
    return desk, session


def _notified(desk: Desk, incident_id: str) -> list[dict]:
    return [e.payload for e in desk.journal.entries(incident_id) if e.kind == K.NOTIFIED]


def _script(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


PEOPLE = (Person("Ada Moreno", ("commander",), on_call=True, phone="+1 555 0100"),)


def test_a_format_spec_that_slipped_past_validation_is_journaled_not_raised(tmp_path):
    # `{level:d}` once passed validation, then raised in str.format when the escalation
    # fired: the escalation was journaled, the page was never sent and nothing said why.
    roster = Roster(PEOPLE, Notify(("/bin/echo", "level {level:d}")))
    desk, session = _lapsed(tmp_path, roster)
    fired = session.check_timers()
    assert [f.due.level for f in fired] == [1]
    (notified,) = _notified(desk, session.incident_id)
    assert "format spec" in notified["error"] and notified["returncode"] is None


def test_a_name_starting_with_a_dash_never_reaches_the_program_as_a_flag(tmp_path):
    log = tmp_path / "argv.jsonl"
    script = _script(
        tmp_path,
        "notify.py",
        f"""\
        import json, sys
        open({str(log)!r}, "a").write(json.dumps(sys.argv[1:]) + "\\n")
        """,
    )
    roster = Roster(PEOPLE, Notify((sys.executable, str(script), "{people}", "{message}")))
    desk, session = _lapsed(tmp_path, roster)
    # Typed into the runner's role dialog, or given as --commander: refused at the door.
    with pytest.raises(ActionError, match="cannot start with '-'"):
        session.assign("commander", "--output=/etc/passwd")
    with pytest.raises(ActionError, match="cannot start with '-'"):
        desk.declare(desk.catalog.playbook("account-compromise"), title="x", commander="-x")
    # A journal written before that rule (or by hand) still holds such a name: the argv is
    # refused, and the refusal journaled, rather than handing the program a flag.
    desk.journal.append(
        session.incident_id,
        K.ROLE,
        {"role": "commander", "person": "--output=/etc/passwd", "from": "Ada Moreno"},
        actor="mallory",
    )
    session.check_timers()
    (notified,) = _notified(desk, session.incident_id)
    assert "would start with '-'" in notified["error"]
    assert not log.exists()


def test_a_timeout_kills_the_whole_process_group_and_is_journaled(tmp_path):
    # The old runner killed only the direct child: a notifier that forked kept running.
    pidfile = tmp_path / "grandchild.pid"
    script = _script(
        tmp_path,
        "hang.py",
        f"""\
        import subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
        open({str(pidfile)!r}, "w").write(str(child.pid))
        time.sleep(300)
        """,
    )
    roster = Roster(PEOPLE, Notify((sys.executable, str(script)), timeout=timedelta(seconds=2)))
    desk, session = _lapsed(tmp_path, roster)
    started = time.monotonic()
    session.check_timers()
    assert time.monotonic() - started < 10
    (notified,) = _notified(desk, session.incident_id)
    assert notified["error"] == "timed out after 2s (killed)"
    grandchild = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while _running(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(grandchild), "the notifier's child outlived the timeout"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (not reaped: its parent was killed) is dead for our purpose
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def test_a_failing_command_is_journaled_with_its_status_and_output(tmp_path):
    script = _script(tmp_path, "fail.py", 'import sys\nprint("gateway said no")\nsys.exit(3)\n')
    roster = Roster(PEOPLE, Notify((sys.executable, str(script), "{message}")))
    desk, session = _lapsed(tmp_path, roster)
    session.check_timers()
    (notified,) = _notified(desk, session.incident_id)
    assert notified["returncode"] == 3 and notified["error"] == "exited with status 3"
    assert "gateway said no" in notified["output"]


FLOOD = """\
import json, resource, sys
from irdesk.services import notify
result = notify.run([sys.executable, "-c",
    "import os, sys\\nblock = b'x' * (1 << 20)\\nfor _ in range(400): os.write(1, block)"])
print(json.dumps({
    "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "output": len(result.output), "truncated": getattr(result, "truncated", None),
    "error": result.error,
}))
"""


def test_a_flood_of_output_costs_a_bounded_tail_not_memory(tmp_path):
    # 400 MiB printed by the notify command: the old runner held all of it (1 GiB took the
    # desk to 3 GB). Measured in a fresh interpreter, so nothing else counts.
    done = subprocess.run(
        [sys.executable, "-c", FLOOD],
        capture_output=True,
        text=True,
        timeout=120,
        env=subprocess_env(),
        check=True,
    )
    seen = json.loads(done.stdout)
    assert seen["maxrss_kb"] < 150 * 1024, seen
    assert seen["error"] is None
    assert seen["truncated"] is True
    assert seen["output"] <= 1000
