"""How an incident ended (resolved, false positive, duplicate, handed over) is journaled
with its closing and shown by irdesk list and the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers_cli import irdesk

from irdesk.domain.incident import ActionError
from irdesk.formats.catalog import Catalog
from irdesk.services.desk import Desk
from irdesk.store import Journal


def test_a_false_positive_and_a_hand_over_are_shown_by_list_and_the_report(tmp_path: Path):
    path = tmp_path / "journal.db"
    with Journal.open(path) as journal:
        desk = Desk(journal, catalog=Catalog.load(), actor="ada")
        playbook = desk.catalog.playbook("account-compromise")
        first = desk.declare(playbook, title="Odd login", severity="SEV3")
        first.close("the user was travelling", outcome="false-positive")
        second = desk.declare(playbook, title="Vendor mailbox", severity="SEV2")
        with pytest.raises(ActionError, match="a hand-over names whom"):
            second.close("", outcome="handed-over")
        with pytest.raises(ActionError, match="cannot be a duplicate of itself"):
            second.close("", outcome="duplicate", duplicate_of=second.incident_id)
        second.close("", outcome="handed-over", handed_to="Vendor SOC")
        ids = first.incident_id, second.incident_id
    listed = irdesk("list", "--journal", str(path))
    assert listed.exit_code == 0
    lines = {line.split()[0]: line for line in listed.stdout.splitlines()}
    assert "closed (false positive)" in lines[ids[0]]
    assert "closed (handed over to Vendor SOC)" in lines[ids[1]]
    as_json = json.loads(irdesk("list", "--journal", str(path), "--format", "json").stdout)
    assert {r["id"]: r["outcome"] for r in as_json} == {
        ids[0]: "false positive",
        ids[1]: "handed over to Vendor SOC",
    }
    report = irdesk("report", ids[0], "--journal", str(path))
    assert "UTC, 0s later (false positive)." in report.stdout
    assert "| Outcome | false positive |" in report.stdout
    assert "It was closed with 3 steps unfinished: 'Take ownership and triage" in report.stdout
