"""One bad entry never takes the rest down.

A payload that is not JSON or not an object, a time that does not parse, or a payload of
the wrong shape for its kind used to end ``report``, ``log``, ``improvements``, ``run``
and ``replay`` in a traceback (replay died at exactly the entry it should warn about).
Every reader now shows such an entry as damaged, in place, and carries on.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from fixtures_report.scripts import Scripted, fixed_uids, fixture_catalog, script_incident
from helpers_store import damage_ticks

from irdesk.cli import main
from irdesk.domain.fold import IncidentState
from irdesk.services.replay import open_replay
from irdesk.store import Journal

DAMAGE = {
    "not JSON": ("payload", "{not json", "its payload is not JSON"),
    "not an object": ("payload", "[1, 2, 3]", "its payload is not a JSON object"),
    "a time that does not parse": (
        "occurred_at",
        "yesterday-ish",
        "its occurred_at 'yesterday-ish' is not a time",
    ),
    "the wrong shape for its kind": (
        "payload",
        {"item": "the third one"},  # merged into the real payload: a step it names, no item
        "its payload is not a readable check.ticked",
    ),
}


@pytest.fixture
def scripted(tmp_path: Path) -> Scripted:
    with fixed_uids():
        s = script_incident(tmp_path / "journal.db", fixture_catalog())
    s.journal.close()
    return s


def damage(path: Path, incident_id: str, column: str, value: str | dict) -> int:
    """Damage one entry in the middle of the chain (a check.ticked), as raw SQL would."""
    [seq] = damage_ticks(path, incident_id, [(column, value)])
    return seq


def run(*args: str):  # noqa: ANN201
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("how", list(DAMAGE))
def test_every_reader_shows_the_damaged_entry_and_goes_on(
    scripted: Scripted, tmp_path: Path, how: str
) -> None:
    path = tmp_path / "journal.db"
    column, value, why = DAMAGE[how]
    seq = damage(path, "INC-0002", column, value)

    report = run("report", "INC-0002", "--journal", str(path))
    assert report.exception is None or isinstance(report.exception, SystemExit), report.output
    assert "Traceback" not in report.output
    assert f"entry {seq} (check.ticked) cannot be read: {why}".replace("_", "\\_") in report.output
    assert "## Timeline" in report.output  # the rest of the report is there

    improvements = run("improvements", "--journal", str(path))
    assert improvements.exit_code == 0, improvements.output

    replay = open_replay(path, "INC-0002", fixture_catalog())
    try:
        state = replay.seek(replay.total)  # steps through the damaged entry to the end
        assert (seq, why) in state.damaged
        assert state.last_seq == replay.total
    finally:
        replay.journal.close()

    logged = run("log", "--journal", str(path), "--incident", "INC-0002", "still here")
    assert logged.exit_code == 0, logged.output
    with Journal.open(path, readonly=True) as journal:
        state = IncidentState.fold(replay.playbook, journal.entries("INC-0002"))
        assert (seq, why) in state.damaged
        assert state.notes >= 1 and state.last_seq == journal.last_seq("INC-0002")
