"""The record from any shell (issue 12): ack, status, severity, milestone, assign, each one
journaled action through the runner's own service, with its rules and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_cli import irdesk, one_line_failure

from irdesk.domain.incident import K
from irdesk.store import Journal


@pytest.fixture
def journal(tmp_path: Path) -> str:
    return str(tmp_path / "j.db")


@pytest.fixture
def incident(journal: str) -> str:
    result = irdesk(
        "declare", "ransomware", "--title", "Files encrypted", "--severity", "SEV2",
        "--as", "Ada Moreno", "--journal", journal,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


def entries(journal: str, iid: str, kind: str):
    with Journal.open(journal, readonly=True) as j:
        return [e for e in j.entries(iid) if e.kind == kind]


def ok(*args: str) -> str:
    result = irdesk(*args)
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr
    return result.stdout


def test_each_verb_is_one_journaled_action_by_the_named_actor(journal, incident):
    common = ("--incident", incident, "--journal", journal)
    out = ok("status", "containing", *common, "--as", "Ravi Iyer")
    assert out == f"{incident} entry 2: status open → containing\n"
    out = ok("severity", "sev1", "--reason", "file servers hit", *common, "--as", "Ada Moreno")
    assert out == f"{incident} entry 3: severity SEV2 → SEV1: file servers hit\n"
    out = ok("milestone", "contained", *common, "--as", "Ravi Iyer")
    assert out == f"{incident} entry 4: milestone contained\n"
    out = ok("assign", "scribe", "Grace Li", *common, "--as", "Ada Moreno")
    assert out == f"{incident} entry 5: role scribe → Grace Li\n"
    out = ok("assign", "commander", "Ravi Iyer", "--reason", "end of shift", *common)
    assert out == (
        f"{incident} entry 6: role commander handed off from Ada Moreno to Ravi Iyer "
        "(end of shift)\n"
    )
    [status] = entries(journal, incident, K.STATUS)
    assert (status.actor, status.payload["status"]) == ("Ravi Iyer", "containing")
    [severity] = entries(journal, incident, K.SEVERITY)
    assert (severity.actor, severity.role) == ("Ada Moreno", "commander")
    assert severity.payload == {"severity": "SEV1", "from": "SEV2", "reason": "file servers hit"}
    [role1, role2] = entries(journal, incident, K.ROLE)
    assert role2.payload["handoff"] is True and role2.payload["reason"] == "end of shift"


def test_ack_acknowledges_an_incident_at_any_time(journal, incident):
    out = ok("ack", incident, "--journal", journal, "--as", "Ravi Iyer")
    assert out == f"{incident} entry 2: ack incident acknowledged → milestone acknowledged\n"
    [ack] = entries(journal, incident, K.ESCALATION_ACK)
    assert ack.actor == "Ravi Iyer"
    assert ack.payload == {"timers": [], "milestone": "acknowledged"}
    one_line_failure(
        irdesk("ack", incident, "--journal", journal),
        f"{incident} is already acknowledged (by Ravi Iyer)",
    )


def test_a_backdated_milestone_needs_a_reason_and_odd_times_need_yes(journal, incident):
    common = ("--incident", incident, "--journal", journal)
    one_line_failure(
        irdesk("milestone", "detected", "--at", "-10m", *common), "a backdated time needs a reason"
    )
    ok("milestone", "detected", "--at", "-10m", "--reason", "SOC ticket", *common)
    result = irdesk("milestone", "started", "--at", "-5m", "--reason", "EDR", *common)
    one_line_failure(result, "after it was detected")
    assert "(give --yes)" in result.stderr
    assert entries(journal, incident, K.MILESTONE)[-1].payload["name"] == "detected"
    ok("milestone", "started", "--at", "-5m", "--reason", "EDR", "--yes", *common)
    assert entries(journal, incident, K.MILESTONE)[-1].payload["name"] == "started"


def test_declare_refuses_impact_after_detection_unless_confirmed(journal):
    times = ("--detected", "-10m", "--started", "-5m", "--reason", "EDR and SOC")
    args = ("declare", "ransomware", "--title", "t", *times, "--journal", journal)
    result = irdesk(*args)
    one_line_failure(result, "impact started at ")
    assert "after it was detected at " in result.stderr and "(give --yes)" in result.stderr
    assert irdesk("list", "--journal", journal).stdout == "no incidents\n"  # nothing half-made
    iid = ok(*args, "--yes").strip()
    names = [e.payload["name"] for e in entries(journal, iid, K.MILESTONE)]
    assert names == ["started", "detected"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["status", "closed"], "use close to close the incident"),
        (["status", "asleep"], "unknown status 'asleep'"),
        (["severity", "SEV9"], "unknown severity 'SEV9'; one of: SEV1, SEV2, SEV3, SEV4"),
        (["severity", "SEV2"], "severity is already SEV2"),
        (["milestone", "closed"], "close the incident to record 'closed'"),
        (["milestone", "eaten"], "unknown milestone 'eaten'"),
        (["milestone", "detected", "--at", "tomorrow-ish"], "--at: "),
        (["assign", "wizard", "X"], "playbook 'ransomware' has no role 'wizard'"),
        (["assign", "commander", "Ada Moreno"], "Ada Moreno already holds commander"),
    ],
)
def test_bad_input_is_one_line_and_nothing_is_written(journal, incident, args, needle):
    before = len(entries(journal, incident, K.NOTE)) + sum(
        len(entries(journal, incident, k)) for k in (K.STATUS, K.SEVERITY, K.MILESTONE, K.ROLE)
    )
    one_line_failure(irdesk(*args, "--incident", incident, "--journal", journal), needle)
    after = len(entries(journal, incident, K.NOTE)) + sum(
        len(entries(journal, incident, k)) for k in (K.STATUS, K.SEVERITY, K.MILESTONE, K.ROLE)
    )
    assert after == before


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["ack", "INC-0042"], "no incident INC-0042"),
        (["ack", "INC-0001", "--timer", "nope"], "no timer 'nope'; its timers: acknowledge"),
        (["ack", "INC-0001", "--note", "seen"], "--note is for findings"),
        (["ack", "FND-0001", "--timer", "acknowledge"], "--timer is for incidents"),
        (["ack", "FND-0001"], "no finding FND-0001"),
        (["status", "open", "--incident", "INC-0042"], "no incident INC-0042"),
    ],
)
def test_ack_tells_incidents_and_findings_apart(journal, incident, args, needle):
    one_line_failure(irdesk(*args, "--journal", journal), needle)


def test_every_verb_refuses_a_missing_journal(tmp_path: Path):
    missing = str(tmp_path / "nope.db")
    for args in (
        ["ack", "INC-0001"],
        ["status", "open", "--incident", "INC-0001"],
        ["severity", "SEV1", "--incident", "INC-0001"],
        ["milestone", "contained", "--incident", "INC-0001"],
        ["assign", "scribe", "X", "--incident", "INC-0001"],
    ):
        one_line_failure(irdesk(*args, "--journal", missing), f"no journal at {missing}")
        assert not Path(missing).exists()
