"""``irdesk findings``, ``ack``, ``dismiss`` and ``declare --from-finding`` in-process, on
findings a real ``irdesk scan`` recorded from a log the test writes."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers_cli import irdesk, one_line_failure

from irdesk.store import Journal

RULES = """\
irdesk: rules/1
sources:
  - id: app
    paths: [{log}]
    format: syslog
    timezone: UTC
rules:
  - id: app-guessing
    title: "Guessing against {{who}}"
    source: threat-model
    reviewed: 2026-11-01
    severity: SEV2
    requires: [app]
    match: 'app\\[\\d+\\]: bad password for (?P<who>.*)$'
    group_by: [who]
    threshold: {{count: 3, within: 60s}}
    playbook: account-compromise
    acknowledge: 15m
  - id: app-odd
    title: "Odd thing"
    source: threat-model
    reviewed: 2026-11-01
    requires: [app]
    match: 'app\\[\\d+\\]: odd'
"""


def stamp(seconds_ago: int) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds_ago)).strftime("%b %e %H:%M:%S")


@pytest.fixture
def setup(tmp_path: Path):  # noqa: ANN201
    """A log with a burst against 'bob', the rules file and the journal a scan recorded."""
    log = tmp_path / "app.log"
    lines = [f"{stamp(90 - i)} web1 app[7]: bad password for bob" for i in range(3)]
    log.write_text("".join(line + "\n" for line in lines))
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES.format(log=log))
    journal = tmp_path / "j.db"
    result = irdesk("scan", "--rules", str(rules), "--journal", str(journal), "--as", "cron")
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("finding FND-0001 app-guessing: Guessing against bob\n")
    return log, rules, journal, lines


def test_findings_lists_the_open_ones_and_shows_one_with_its_lines(setup):  # noqa: ANN001
    log, _rules, journal, lines = setup
    listing = irdesk("findings", "--journal", str(journal))
    assert listing.exit_code == 0
    out = listing.stdout.splitlines()
    assert out[0] == "FND-0001  new  Guessing against bob"
    assert out[1].startswith("    rule app-guessing, 3 events, ") and out[1].endswith(" in app")
    assert out[2].startswith("    acknowledge by ")
    assert out[-1] == "1 finding"
    shown = irdesk("findings", "FND-0001", "--journal", str(journal)).stdout
    for line in lines:
        assert f"    | {line}\n" in shown
    digest = hashlib.sha256("".join(line + "\n" for line in lines).encode()).hexdigest()
    assert f"    SHA-256 of the lines: {digest}\n" in shown
    assert f"    matched lines ({log}):\n" in shown
    assert "    recorded " in shown and " by cron\n" in shown


def test_findings_as_json(setup):  # noqa: ANN001
    log, _rules, journal, lines = setup
    doc = json.loads(irdesk("findings", "--journal", str(journal), "--format", "json").stdout)
    (one,) = doc
    assert (one["id"], one["rule"], one["status"], one["count"]) == (
        "FND-0001",
        "app-guessing",
        "new",
        3,
    )
    assert one["key"] == {"who": "bob"} and one["lines"] == lines
    assert one["paths"] == [str(log)] and one["overdue"] is False
    assert one["rule_source"]["playbook"] == "account-compromise"
    single = json.loads(
        irdesk("findings", "fnd-1", "--journal", str(journal), "--format", "json").stdout
    )
    assert single == one


def test_ack_then_dismiss_and_the_listing_follows(setup):  # noqa: ANN001
    _log, _rules, journal, _lines = setup
    ack = irdesk("ack", "FND-0001", "--as", "bob", "--journal", str(journal))
    assert (ack.exit_code, ack.stdout) == (0, "FND-0001 acknowledged by bob\n")
    one_line_failure(
        irdesk("ack", "FND-0001", "--journal", str(journal)), "FND-0001 was acknowledged already"
    )
    assert irdesk("findings", "--journal", str(journal)).stdout.startswith(
        "FND-0001  acknowledged  Guessing against bob\n"
    )
    done = irdesk(
        "dismiss", "FND-0001", "--reason", "expected-activity", "--note", "pen test",
        "--as", "ada", "--journal", str(journal),
    )  # fmt: skip
    assert done.stdout == "FND-0001 dismissed (expected activity) by ada\n"
    assert irdesk("findings", "--journal", str(journal)).stdout == "no open findings\n"
    everything = irdesk("findings", "--status", "all", "--journal", str(journal)).stdout
    assert everything.startswith("FND-0001  dismissed (expected activity)  Guessing against bob")
    dismissed = irdesk(
        "findings", "--status", "dismissed", "--journal", str(journal), "--format", "json"
    )
    assert json.loads(dismissed.stdout)[0]["note"] == "pen test"


def test_dismiss_needs_a_known_reason(setup):  # noqa: ANN001
    _log, _rules, journal, _lines = setup
    result = irdesk("dismiss", "FND-0001", "--reason", "boring", "--journal", str(journal))
    assert result.exit_code == 2 and "'boring' is not one of" in result.stderr


def test_declare_from_a_finding_prints_the_incident_and_keeps_the_evidence(setup):  # noqa: ANN001
    _log, _rules, journal, lines = setup
    result = irdesk(
        "declare", "--from-finding", "FND-0001", "--as", "ada", "--journal", str(journal)
    )
    assert (result.exit_code, result.stdout) == (0, "INC-0001\n"), result.stderr
    listing = irdesk("list", "--journal", str(journal)).stdout
    assert "account-compromise" in listing and "Guessing against bob" in listing
    with Journal.open(journal, readonly=True) as j:
        (attached,) = [e for e in j.entries("INC-0001") if e.kind == "finding.attached"]
        assert attached.payload["lines"] == lines
        assert j.incident("FND-0001").status == "declared"
    report = irdesk("report", "INC-0001", "--journal", str(journal)).stdout
    assert "evidence from FND-0001 (rule app-guessing): 3 lines of source app, SHA-256 " in report
    assert "| started |" in report and "| detected |" in report
    shown = irdesk("findings", "FND-0001", "--journal", str(journal)).stdout
    assert shown.startswith("FND-0001  declared as INC-0001  Guessing against bob\n")
    one_line_failure(
        irdesk("declare", "--from-finding", "FND-0001", "--journal", str(journal)),
        "FND-0001 was declared as INC-0001 already",
    )


def test_declare_from_a_finding_whose_rule_names_no_playbook(setup, tmp_path: Path):  # noqa: ANN001
    log, rules, journal, _lines = setup
    with log.open("a") as handle:
        handle.write(f"{stamp(5)} web1 app[7]: odd\n")
    irdesk("scan", "--rules", str(rules), "--journal", str(journal))
    one_line_failure(
        irdesk("declare", "--from-finding", "FND-0002", "--journal", str(journal)),
        "rule app-odd names no playbook to declare FND-0002 on; name one: "
        "irdesk declare PLAYBOOK --from-finding FND-0002",
    )
    chosen = irdesk(
        "declare", "web-app-exploitation", "--from-finding", "FND-0002", "--title", "Odd",
        "--journal", str(journal),
    )  # fmt: skip
    assert chosen.stdout == "INC-0001\n"
    with Journal.open(journal, readonly=True) as j:
        assert (j.incident("INC-0001").title, j.incident("INC-0001").playbook_id) == (
            "Odd",
            "web-app-exploitation",
        )


def test_mistakes_get_one_line(setup):  # noqa: ANN001
    _log, _rules, journal, _lines = setup
    one_line_failure(irdesk("ack", "INC-1", "--journal", str(journal)), "no incident INC-1")
    one_line_failure(irdesk("ack", "FND-0042", "--journal", str(journal)), "no finding FND-0042")
    one_line_failure(
        irdesk(
            "declare", "--from-finding", "FND-0001", "--detected", "-5m", "--journal", str(journal)
        ),
        "--from-finding takes the detection time from the finding",
    )
    one_line_failure(irdesk("declare", "--journal", str(journal)), "give a PLAYBOOK")
    missing = irdesk("ack", "FND-0001", "--journal", str(journal.parent / "none.db"))
    assert missing.exit_code == 2 and "no journal at" in missing.stderr


def test_no_journal_no_findings():
    result = irdesk("findings")  # the default journal, not created yet
    assert (result.exit_code, result.stdout) == (0, "no open findings\n")


def test_hostile_log_lines_reach_the_terminal_inert_and_the_json_exact(tmp_path: Path):
    log = tmp_path / "app.log"
    evil = "bob\x1b]0;pwned\x07\x1b[2J \u202eevil"
    log.write_text(
        "".join(f"{stamp(30 - i)} web1 app[7]: bad password for {evil}\n" for i in range(3))
    )
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES.format(log=log))
    journal = tmp_path / "j.db"
    scanned = irdesk("scan", "--rules", str(rules), "--journal", str(journal))
    for out in (
        scanned.stdout,
        irdesk("findings", "--journal", str(journal)).stdout,
        irdesk("findings", "FND-0001", "--journal", str(journal)).stdout,
    ):
        assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
        assert "Guessing against bob␛]0;pwned\\x07␛[2J \\u202eevil" in out
    raw = irdesk("findings", "--journal", str(journal), "--format", "json").stdout
    assert "\x1b" not in raw and "\u202e" not in raw
    assert json.loads(raw)[0]["key"] == {"who": evil}  # exact, so the SHA-256 can be checked
    assert irdesk("declare", "--from-finding", "1", "--journal", str(journal)).exit_code == 0
    for fmt in ("md", "html", "json"):
        report = irdesk("report", "INC-0001", "--format", fmt, "--journal", str(journal)).stdout
        assert "evidence from FND-0001" in report
        assert "\x1b" not in report and "\u202e" not in report and "\x07" not in report


def test_incident_commands_say_a_finding_or_the_desk_is_not_an_incident(setup):  # noqa: ANN001
    _log, _rules, journal, _lines = setup
    irdesk("rules", "review", "ssh-password-guessing", "--journal", str(journal))
    for command in (
        ("report", "FND-0001"),
        ("log", "--incident", "FND-0001", "note"),
        ("run", "--incident", "FND-0001"),
    ):
        one_line_failure(
            irdesk(*command, "--journal", str(journal)),
            "FND-0001 is a finding, not an incident: irdesk findings FND-0001 shows it",
        )
    one_line_failure(
        irdesk("report", "DESK", "--journal", str(journal)),
        "DESK is the journal's own chain (repairs, defects, the checklist's history), "
        "not an incident",
    )
