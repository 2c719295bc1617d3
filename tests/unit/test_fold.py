"""The fold is one table, composed in one place: the same entries always fold the same way.

Before, the drill and review parts registered themselves when their modules were imported,
so a journal folded differently depending on what had been imported first. These tests
fold a drill with review entries in a fresh interpreter that imports only the fold.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from irdesk.domain.drill import DK
from irdesk.domain.fold import FOLD
from irdesk.domain.incident import K
from irdesk.domain.review import REVIEW_KINDS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures_drill"


def test_every_entry_kind_of_every_part_is_in_the_one_table():
    kinds = {
        value
        for part in (K, DK)
        for name, value in vars(part).items()
        if not name.startswith("_") and isinstance(value, str)
    }
    missing = (kinds | REVIEW_KINDS) - {K.CORRECTION} - set(FOLD)
    assert not missing, missing


FOLD_ALONE = """
import json, sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from irdesk.domain.entry import Entry
from irdesk.domain.fold import IncidentState
from irdesk.formats.loader import load_file

folder = Path(sys.argv[1])
playbook = load_file(folder / "playbook.yaml", expect="playbook").model
scenario = load_file(
    folder / "scenario.yaml",
    expect="scenario",
    resolve_playbook=lambda pid: playbook if pid == playbook.id else None,
).model
t0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
kinds = [
    ("incident.declared", {"title": "t", "severity": "SEV2", "mode": "drill"}),
    ("drill.clock", {"action": "start"}),
    ("review.note", {"section": "lesson", "text": "x"}),
    ("drill.ended", {}),
]
at = [t0 + timedelta(minutes=n) for n in range(len(kinds) + 1)]
entries = [
    Entry("DRL-0001", n, f"u{n}", kind, "ada", at[n], at[n], p)
    for n, (kind, p) in enumerate(kinds, 1)
]
state = IncidentState.fold(playbook, entries, scenario)
print(json.dumps({
    "ext": sorted(state.ext),
    "drill_started": state.ext["drill"].started,
    "drill_ended": state.ext["drill"].ended,
    "notes": [n.text for n in state.ext["review"].notes.values()],
}))
"""


def test_a_drill_with_a_review_folds_whole_when_only_the_fold_was_imported():
    done = subprocess.run(
        [sys.executable, "-c", FOLD_ALONE, str(FIXTURES)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["ext"] == ["drill", "review"]
    assert seen["drill_started"] and seen["drill_ended"]
    assert seen["notes"] == ["x"]
