"""Findings in a real journal: what a scan records (once, however often and however many
scans at once look at the same lines), the defects and rules files it journals, its
checkpoint, and acknowledging, dismissing and declaring a finding."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from helpers_findings import (
    IP,
    NOW,
    burst,
    failed,
    journal_at,
    record,
    rules_file,
    ruleset,
    write_log,
)
from helpers_store import subprocess_env

from irdesk.domain.clock import FixedClock
from irdesk.domain.incident import ActionError
from irdesk.services.desk import Desk
from irdesk.services.findings import (
    acknowledge,
    declare_from_finding,
    dismiss,
    finding_state,
    list_findings,
    overdue_findings,
)
from irdesk.services.scan import CHECKPOINTS_KEY, SCAN_NAMESPACE
from irdesk.store import Journal

T0 = NOW - timedelta(minutes=30)


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return write_log(tmp_path / "auth.log", *burst(T0))


@pytest.fixture
def rules(tmp_path: Path, log: Path):  # noqa: ANN201
    return ruleset(rules_file(tmp_path, log))


@pytest.fixture
def journal(tmp_path: Path):  # noqa: ANN201
    with journal_at(tmp_path / "j.db") as opened:
        yield opened


def desk_entries(journal: Journal, kind: str) -> list:
    return [e for e in journal.entries("DESK") if e.kind == kind]


# --------------------------------------------------------------------------- recording


def test_a_finding_becomes_a_chain_of_its_own(journal: Journal, rules):  # noqa: ANN001
    report, recorder = record(journal, rules)
    (found,) = report.findings
    assert recorder.recorded == {found.id: "FND-0001"}
    record_ = journal.incident("FND-0001")
    assert (record_.chain, record_.status, record_.title, record_.severity) == (
        "finding",
        "new",
        f"Password guessing from {IP}",
        "SEV2",
    )
    assert (record_.playbook_id, record_.playbook_version) == ("test-guessing", "rules/1")
    assert record_.playbook_sha256 == rules.files["test-guessing"].source.sha256
    (first,) = journal.entries("FND-0001")
    assert (first.kind, first.uid, first.actor) == (
        "finding.recorded",
        f"finding/{found.id}",
        "cron",
    )
    p = first.payload
    assert (p["rule"], p["key"], p["count"], p["source"]) == (
        "test-guessing",
        {"ip": IP},
        3,
        "test-auth",
    )
    assert p["lines"] == [failed(t).rstrip("\n") for t in burst(T0)]
    assert p["first"] == T0.isoformat() and p["acknowledge"] == 1200
    assert (p["origin"], p["incident"], p["playbook"]) == (
        "past-incident",
        "INC-0001",
        "account-compromise",
    )
    assert journal.verify().ok


def test_rescans_and_since_never_record_a_finding_twice(journal: Journal, rules, log: Path):  # noqa: ANN001
    record(journal, rules)
    again, _ = record(journal, rules)  # resumes after the last line: nothing new
    assert again.findings == [] and again.lines == 0
    reread, _ = record(journal, rules, since=T0 - timedelta(hours=1))  # reads it all again
    assert reread.lines == 3 and reread.findings == []
    assert [r.id for r in journal.incidents(chain="finding")] == ["FND-0001"]


def test_the_same_burst_seen_from_another_start_is_not_recorded_again(
    journal: Journal, rules, log: Path
):  # noqa: ANN001
    # six events 10 s apart, count 3 within 60 s: from the start, bursts 0-20 and 30-50;
    # read from 5 s on, the events group as 10-30 (and 40, 50 wait): 10-30 overlaps 0-20
    write_log(log, *burst(T0, 6))
    first, _ = record(journal, rules)
    assert [(f.first_time.second, f.last_time.second) for f in first.findings] == [
        (0, 20),
        (30, 50),
    ]
    later, _ = record(journal, rules, since=T0 + timedelta(seconds=5))
    assert [(f.first_time.second, f.last_time.second) for f in later.findings] == []
    assert len(journal.incidents(chain="finding")) == 2


def test_a_burst_split_across_two_scans_is_one_finding(journal: Journal, rules, log: Path):  # noqa: ANN001
    write_log(log, *burst(T0, 2))
    first, _ = record(journal, rules)
    assert first.findings == []
    saved = journal.runtime(SCAN_NAMESPACE)[CHECKPOINTS_KEY][0]
    assert saved["files"] and saved["windows"]["test-guessing"]["keys"]  # kept in the journal
    write_log(log, T0 + timedelta(seconds=20), append=True)
    second, _ = record(journal, rules)
    assert second.lines == 1
    assert [(f.first_time, f.count) for f in second.findings] == [(T0, 3)]


def test_a_damaged_checkpoint_is_said_and_the_logs_are_read_again(journal: Journal, rules):  # noqa: ANN001
    record(journal, rules)
    journal.put_runtime(SCAN_NAMESPACE, CHECKPOINTS_KEY, {"files": [["too", "short"]]})
    report, recorder = record(journal, rules)
    assert report.lines == 3 and report.findings == []  # read again, recorded already
    (warning,) = recorder.warnings
    assert warning.startswith("the last scan's checkpoint was not usable (not a scan checkpoint")


# --------------------------------------------------------------------------- defects


def test_a_defect_is_opened_once_closed_when_the_source_is_back_and_opened_again(
    journal: Journal, rules, tmp_path: Path, log: Path
):  # noqa: ANN001
    report, _ = record(journal, rules)
    assert [(d.source, d.problem) for d in report.opened] == [("test-web", "missing")]
    again, _ = record(journal, rules)
    assert again.opened == [] and [d.source for d in again.defects] == ["test-web"]
    web = tmp_path / "no-such-access.log"
    web.write_text('203.0.113.9 - - [30/Nov/2026:11:50:00 +0000] "GET / HTTP/1.1" 200 5\n')
    back, _ = record(journal, rules)
    assert back.defects == [] and [d.key for d in back.closed] == [("test-web", "missing")]
    web.unlink()
    gone, _ = record(journal, rules)
    assert [d.key for d in gone.opened] == [("test-web", "missing")]
    opened = desk_entries(journal, "defect.opened")
    closed = desk_entries(journal, "defect.closed")
    assert [e.uid for e in opened] == [
        "DESK/defect/detection/test-web/missing/1",
        "DESK/defect/detection/test-web/missing/2",
    ]
    assert [e.uid for e in closed] == ["DESK/defect/detection/test-web/missing/1/closed"]
    assert opened[0].payload == {
        "key": "detection/test-web/missing",
        "area": "detection",
        "text": "log source test-web has no file to read",
        "detail": f"no file matches {web}",
    }


# --------------------------------------------------------------------------- rules files


def test_a_rules_file_is_journaled_when_a_scan_first_uses_each_version(
    journal: Journal, tmp_path: Path, log: Path
):  # noqa: ANN001
    path = rules_file(tmp_path, log)
    original = path.read_text()
    record(journal, ruleset(path))
    record(journal, ruleset(path))
    mine = [e for e in desk_entries(journal, "rules.seen") if e.payload["path"] == str(path)]
    assert len(mine) == 1
    payload = mine[0].payload
    assert payload["text"] == original and payload["sources"] == ["test-auth", "test-web"]
    assert [r["id"] for r in payload["rules"]] == ["test-guessing", "test-web-errors"]
    assert payload["rules"][0]["incident"] == "INC-0001"
    path.write_text(original.replace("count: 3", "count: 4"))
    record(journal, ruleset(path))
    path.write_text(original)  # put back: a change too, journaled again
    record(journal, ruleset(path))
    mine = [e for e in desk_entries(journal, "rules.seen") if e.payload["path"] == str(path)]
    assert [e.payload["sha256"][:8] for e in mine] == [
        payload["sha256"][:8],
        mine[1].payload["sha256"][:8],
        payload["sha256"][:8],
    ]
    assert mine[1].payload["sha256"] != payload["sha256"]
    assert mine[2].uid.startswith(f"DESK/rules/{payload['sha256']}/2/")
    # the bundled sources the scan could read are journaled too
    assert any(e.payload["bundled"] for e in desk_entries(journal, "rules.seen"))


# --------------------------------------------------------------------------- acting on one


def test_acknowledge_then_dismiss_as_a_false_positive(journal: Journal, rules):  # noqa: ANN001
    record(journal, rules)
    state = acknowledge(journal, "fnd-1", actor="bob", note="looking")
    assert (state.status, state.acknowledged_by) == ("acknowledged", "bob")
    with pytest.raises(ActionError, match="acknowledged already, by bob"):
        acknowledge(journal, "FND-0001", actor="ada")
    state = dismiss(journal, "1", "false-positive", actor="ada", note="our scanner")
    assert (state.status, state.reason, state.note) == (
        "dismissed",
        "false-positive",
        "our scanner",
    )
    assert journal.incident("FND-0001").status == "dismissed"
    assert journal.incident("FND-0001").closed_at is not None
    with pytest.raises(ActionError, match="dismissed"):
        dismiss(journal, "FND-0001", "expected-activity", actor="ada")
    assert [e.uid for e in journal.entries("FND-0001")][1:] == [
        "FND-0001/acknowledged",
        "FND-0001/dismissed",
    ]
    assert list_findings(journal) == []
    assert [f.id for f in list_findings(journal, None)] == ["FND-0001"]
    assert journal.verify().ok


def test_unknown_and_malformed_ids_are_refused(journal: Journal, rules):  # noqa: ANN001
    with pytest.raises(ActionError, match="'FIND-1' is not a finding id; they look like FND-0003"):
        acknowledge(journal, "FIND-1", actor="bob")
    with pytest.raises(ActionError, match="no finding FND-0009 in this journal"):
        finding_state(journal, "FND-0009")
    journal.desk()
    with pytest.raises(ActionError, match="unknown reason 'bored'"):
        record(journal, rules)
        dismiss(journal, "FND-0001", "bored", actor="bob")


def test_declaring_from_a_finding_attaches_its_evidence_and_marks_it(tmp_path: Path, rules):  # noqa: ANN001
    clock = FixedClock(NOW)
    with journal_at(tmp_path / "j.db", clock) as journal:
        record(journal, rules)
        clock.advance(timedelta(minutes=5))
        desk = Desk(journal, clock=clock, actor="ada")
        session, state = declare_from_finding(desk, "FND-0001")
        iid = session.incident_id
        assert (state.status, state.declared_as) == ("declared", iid)
        incident = journal.incident(iid)
        assert (incident.playbook_id, incident.title, incident.severity) == (
            "account-compromise",
            f"Password guessing from {IP}",
            "SEV2",
        )
        entries = list(journal.entries(iid))
        declared = entries[0]
        assert declared.payload["finding"] == "FND-0001"
        milestones = {e.payload["name"]: e.occurred_at for e in entries if e.kind == "milestone"}
        assert milestones == {"started": T0, "detected": NOW}
        (attached,) = [e for e in entries if e.kind == "finding.attached"]
        assert attached.payload["lines"] == [failed(t).rstrip("\n") for t in burst(T0)]
        assert attached.payload["lines_sha256"] == state.lines_sha256
        assert attached.payload["source"] == "test-auth" and attached.payload["paths"]
        with pytest.raises(ActionError, match=f"declared as {iid} already"):
            declare_from_finding(desk, "FND-0001")
        assert len(journal.incidents()) == 1  # nothing declared the second time
        assert journal.verify().ok


def test_declaring_needs_a_playbook_and_a_failed_declaration_changes_nothing(tmp_path: Path, rules):  # noqa: ANN001
    with journal_at(tmp_path / "j.db") as journal:
        record(journal, rules)
        desk = Desk(journal, clock=FixedClock(NOW), actor="ada")
        with pytest.raises(Exception, match="no playbook 'nope'"):
            declare_from_finding(desk, "FND-0001", playbook="nope")
        with pytest.raises(ActionError, match="unknown severity 'SEV9'"):
            declare_from_finding(desk, "FND-0001", severity="SEV9")
        assert journal.incidents() == [] and finding_state(journal, "FND-0001").status == "new"


def test_findings_nobody_acknowledged_in_time(journal: Journal, rules):  # noqa: ANN001
    record(journal, rules)
    recorded = finding_state(journal, "FND-0001").recorded_at
    assert overdue_findings(journal, recorded + timedelta(minutes=20)) == []
    (late,) = overdue_findings(journal, recorded + timedelta(minutes=21))
    assert late.id == "FND-0001"
    acknowledge(journal, "FND-0001", actor="bob")
    assert overdue_findings(journal, recorded + timedelta(days=1)) == []


# --------------------------------------------------------------------------- two at once

CHILD = """
import sys, time
from pathlib import Path
go = Path(sys.argv[1])
while not go.exists():
    time.sleep(0.005)
from irdesk.cli import main
main(sys.argv[2:], prog_name="irdesk")
"""


def test_two_scans_at_once_record_each_finding_and_defect_once(tmp_path: Path):
    """Two processes scan one log into one journal at the same moment. Both reading it
    from the start find the same two bursts: each is recorded once. When one reads from a
    later --since it sees a burst from another start; which scan records first decides
    which of the two groupings is kept, but never both (no two findings overlap)."""
    start = NOW - timedelta(minutes=10)
    since = (start + timedelta(seconds=5)).strftime("%Y-%m-%d %H:%M:%S")
    for round_ in range(10):
        folder = tmp_path / f"round{round_}"
        folder.mkdir()
        log = write_log(folder / "auth.log", *burst(start, 6), mtime=NOW)
        rules = rules_file(folder, log)
        go = folder / "go"
        common = ["scan", "--rules", str(rules), "--journal", str(folder / "j.db")]
        second = common if round_ % 2 == 0 else [*common, "--since", since]
        children = [
            subprocess.Popen(
                [sys.executable, "-c", CHILD, str(go), *args],
                env={**subprocess_env(), "IRDESK_HOME": str(folder / "home")},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for args in (common, second)
        ]
        go.write_text("")
        outputs = [child.communicate(timeout=60) for child in children]
        assert [child.returncode for child in children] == [1, 1], outputs
        with Journal.open(folder / "j.db", readonly=True) as journal:
            found = [finding_state(journal, r.id) for r in journal.incidents(chain="finding")]
            spans = sorted((f.first, f.last) for f in found)
            if second is common:
                assert [(a.second, b.second) for a, b in spans] == [(0, 20), (30, 50)]
            else:
                assert 1 <= len(spans) <= 2, spans
                assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False)), spans
            opened = [e.uid for e in journal.entries("DESK") if e.kind == "defect.opened"]
            assert opened == ["DESK/defect/detection/test-web/missing/1"]
            assert journal.verify().ok
