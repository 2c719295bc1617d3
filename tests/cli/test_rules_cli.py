"""``irdesk rules`` (the checklist, reviews, history, Sigma import) and detection improvement
items in ``irdesk improvements`` and the report, in-process on a real journal."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from helpers_cli import irdesk, one_line_failure

from irdesk.store import Journal

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures_sigma"
TODAY = datetime.now(UTC).date()

MINE = """\
irdesk: rules/1
sources:
  - id: app
    paths: [{log}]
    format: syslog
    timezone: UTC
rules:
  - id: app-old-rule
    title: "Old rule"
    source: threat-model
    reviewed: 2024-01-02
    requires: [app]
    match: 'app\\[\\d+\\]: odd'
"""

LESSON = """\
irdesk: rules/1
rules:
  - id: app-lesson
    title: "What {incident} taught us"
    source: past-incident
    incident: {incident}
    reviewed: {today}
    requires: [app]
    match: 'app\\[\\d+\\]: lesson'
"""


@pytest.fixture
def home(irdesk_home: Path, tmp_path: Path) -> Path:
    """Your rules folder with one rule of your own, over a log that exists."""
    log = tmp_path / "app.log"
    log.write_text(datetime.now(UTC).strftime("%b %e %H:%M:%S") + " web1 app[1]: hello\n")
    (irdesk_home / "rules").mkdir(parents=True)
    (irdesk_home / "rules" / "mine.yaml").write_text(MINE.format(log=log))
    return irdesk_home


# --------------------------------------------------------------------------- the checklist


def test_the_checklist_groups_rules_by_where_their_knowledge_came_from(home: Path):  # noqa: ARG001
    out = irdesk("rules").stdout
    external = out.index("From outside knowledge (advisories, public rule sets)\n")
    past = out.index("From our past incidents\n")
    threat = out.index("From our threat models\n")
    assert external < past < threat
    assert "  (none yet: turn a lesson into a rule with source: past-incident" in out
    assert out.index("  ssh-password-guessing: SSH password guessing from {ip}\n") < past
    old = out.index("  REVIEW OVERDUE  app-old-rule: Old rule\n")
    assert old > threat
    assert "      reviewed 2024-01-02, next due 2025-01-01\n" in out[old:]
    assert "      needs app: never scanned\n" in out[old:]
    assert "      not scanned with yet\n" in out[old:]
    assert out.splitlines()[-1].startswith("15 rules: 1 overdue for review, 15 with a log source")


def test_the_checklist_after_a_scan_shows_the_sources_health(home: Path, tmp_path: Path):  # noqa: ARG001
    journal = str(tmp_path / "j.db")
    irdesk("scan", "--journal", journal)
    doc = json.loads(irdesk("rules", "--journal", journal, "--format", "json").stdout)
    assert list(doc) == ["external", "past-incident", "threat-model"]
    (mine,) = [r for r in doc["threat-model"] if r["id"] == "app-old-rule"]
    assert mine["overdue"] is True
    assert mine["requires"] == [
        {
            "source": "app",
            "healthy": True,
            "last_read": mine["requires"][0]["last_read"],
            "defects": [],
        }
    ]
    assert mine["first_scanned"] is not None and mine["findings"]["total"] == 0
    (web,) = [r for r in doc["external"] if r["id"] == "web-error-burst"]
    (health,) = web["requires"]
    assert health["healthy"] is False and health["last_read"] is None
    assert [d["problem"] for d in health["defects"]] == ["missing"]
    text = irdesk("rules", "--journal", journal).stdout
    assert "      needs web-access: missing since " in text
    assert "      needs app: ok, last read " in text


def test_a_review_is_journaled_and_clears_the_overdue_flag(home: Path, tmp_path: Path):  # noqa: ARG001
    journal = str(tmp_path / "j.db")
    done = irdesk(
        "rules",
        "review",
        "app-old-rule",
        "--note",
        "still right",
        "--as",
        "ada",
        "--journal",
        journal,
    )
    due = (TODAY + timedelta(days=365)).isoformat()
    assert done.stdout == f"rule app-old-rule reviewed by ada; next review due {due}\n"
    out = irdesk("rules", "--journal", journal).stdout
    assert "REVIEW OVERDUE" not in out
    assert f"      reviewed {TODAY.isoformat()} by ada, next due {due}\n" in out
    with Journal.open(tmp_path / "j.db", readonly=True) as j:
        (entry,) = [e for e in j.entries("DESK") if e.kind == "rule.reviewed"]
        assert entry.payload["rule"] == "app-old-rule" and entry.payload["note"] == "still right"
        assert len(entry.payload["sha256"]) == 64 and entry.payload["path"].endswith("mine.yaml")
    one_line_failure(
        irdesk("rules", "review", "app-old-rul", "--journal", journal),
        "no rule 'app-old-rul' in the rules files; did you mean 'app-old-rule'?",
    )


def test_the_history_of_the_checklist(home: Path, tmp_path: Path):
    journal = str(tmp_path / "j.db")
    one_line_failure(irdesk("rules", "history", "--journal", journal), "no journal at")
    irdesk("scan", "--journal", journal)
    mine = home / "rules" / "mine.yaml"
    mine.write_text(mine.read_text().replace("reviewed: 2024-01-02", f"reviewed: {TODAY}"))
    irdesk("scan", "--journal", journal)
    irdesk("rules", "review", "ssh-password-guessing", "--as", "ada", "--journal", journal)
    lines = irdesk("rules", "--journal", journal, "history").stdout.splitlines()
    assert any(f"{mine} first used by a scan (1 rule, 1 source)" in line for line in lines)
    assert any("ssh.yaml first used by a scan (3 rules)" in line for line in lines)
    assert f"{mine} changed (1 rule, 1 source): ~app-old-rule (reviewed)" in lines[-2]
    assert lines[-1].endswith("UTC  rule ssh-password-guessing reviewed by ada")
    doc = json.loads(irdesk("rules", "history", "--journal", journal, "--format", "json").stdout)
    assert doc[-2]["changed"] == ["app-old-rule (reviewed)"] and len(doc[-2]["sha256"]) == 64
    assert doc[-1]["what"] == "review" and doc[-1]["rule"] == "ssh-password-guessing"


def test_a_broken_rules_file_stops_the_checklist_with_its_problems(home: Path):
    (home / "rules" / "broken.yaml").write_text("irdesk: rules/1\nrules: 3\n")
    result = irdesk("rules")
    assert result.exit_code == 2 and result.stdout == ""
    assert "broken.yaml:2:8: error: rules: expected a list" in result.stderr


# --------------------------------------------------------------------------- past incidents


def test_a_detection_item_counts_as_done_once_a_rule_citing_the_incident_is_scanned(
    home: Path, tmp_path: Path
):
    journal = str(tmp_path / "j.db")
    iid = irdesk(
        "declare", "account-compromise", "--title", "Stolen key", "--journal", journal
    ).stdout.strip()
    item = irdesk(
        "improvements", "add", iid, "--what", "catch logins with the stolen key",
        "--owner", "ada", "--kind", "detection", "--journal", journal,
    ).stdout.strip()  # fmt: skip
    assert item == f"{iid}-1"
    listed = irdesk("improvements", "--journal", journal).stdout
    assert listed.startswith(f"open  {item}") and "; detection rule)" in listed
    # a rule citing the incident, not scanned with yet: still open
    (home / "rules" / "lesson.yaml").write_text(LESSON.format(incident=iid, today=TODAY))
    assert irdesk("improvements", "--journal", journal).stdout.startswith(f"open  {item}")
    irdesk("scan", "--journal", journal)
    assert irdesk("improvements", "--journal", journal).stdout == "no open improvement items\n"
    every = irdesk("improvements", "--all", "--journal", journal).stdout
    assert every.startswith(f"done  {item}")
    assert "[done: rule app-lesson cites this incident and has been scanned with since " in every
    (row,) = json.loads(
        irdesk("improvements", "--all", "--format", "json", "--journal", journal).stdout
    )
    assert (row["kind"], row["status"]) == ("detection", "done")
    assert [c["rule"] for c in row["covered_by"]] == ["app-lesson"]
    report = irdesk("report", iid, "--journal", journal).stdout
    assert "| done " in report and "(irdesk scan): rule app-lesson cites this incident" in report
    # the rule leaves its file (and a scan sees it): the item is open again
    (home / "rules" / "lesson.yaml").write_text(LESSON.format(incident="INC-0999", today=TODAY))
    irdesk("scan", "--journal", journal)
    assert irdesk("improvements", "--journal", journal).stdout.startswith(f"open  {item}")


def test_a_general_item_is_not_done_by_rules(home: Path, tmp_path: Path):
    journal = str(tmp_path / "j.db")
    iid = irdesk(
        "declare", "account-compromise", "--title", "x", "--journal", journal
    ).stdout.strip()
    irdesk("improvements", "add", iid, "--what", "w", "--owner", "o", "--journal", journal)
    (home / "rules" / "lesson.yaml").write_text(LESSON.format(incident=iid, today=TODAY))
    irdesk("scan", "--journal", journal)
    assert irdesk("improvements", "--journal", journal).stdout.startswith(f"open  {iid}-1")
    bad = irdesk(
        "improvements",
        "add",
        iid,
        "--what",
        "w",
        "--owner",
        "o",
        "--kind",
        "rule",
        "--journal",
        journal,
    )
    assert bad.exit_code == 2 and "'rule' is not one of" in bad.stderr


# --------------------------------------------------------------------------- Sigma


def test_import_writes_a_rules_file_that_scans(home: Path, tmp_path: Path):
    out = home / "rules" / "sigma.yaml"
    result = irdesk("rules", "import", str(FIXTURES / "web-404-burst.yml"), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"wrote 1 rule (web-content-discovery-burst) to {out}\n"
    assert irdesk("validate", str(out)).exit_code == 0
    access = tmp_path / "access.log"
    now = datetime.now(UTC)
    stamps = [
        (now - timedelta(seconds=50 - i)).strftime("%d/%b/%Y:%H:%M:%S +0000") for i in range(20)
    ]
    access.write_text(
        "".join(
            f'198.51.100.4 - - [{at}] "GET /probe{i} HTTP/1.1" 404 12 "-" "gobuster"\n'
            for i, at in enumerate(stamps)
        )
    )
    journal = str(tmp_path / "j.db")
    scan = irdesk("scan", "--source", f"web-access={access}", "--journal", journal)
    title = "Web Content Discovery Burst (c_ip 198.51.100.4)"
    assert f"finding FND-0001 web-content-discovery-burst: {title}" in scan.stdout
    doc = json.loads(irdesk("rules", "--journal", journal, "--format", "json").stdout)
    (imported,) = [r for r in doc["external"] if r["id"] == "web-content-discovery-burst"]
    assert imported["reference"] == "https://attack.mitre.org/techniques/T1595/003/"
    assert imported["findings"]["total"] == 1


def test_import_to_stdout_with_notes_on_stderr(home: Path):  # noqa: ARG001
    result = irdesk(
        "rules", "import", str(FIXTURES / "sshd-errors.yml"), "--id", "sshd-protocol-errors"
    )
    assert result.exit_code == 0
    assert result.stdout.startswith("irdesk: rules/1\nrules:\n  # Converted from a Sigma rule")
    assert "  - id: sshd-protocol-errors\n" in result.stdout
    assert result.stderr.startswith(
        "irdesk: note: sshd-protocol-errors: matches letters in any case"
    )


def test_import_refuses_what_cannot_be_said_in_one_line(home: Path):  # noqa: ARG001
    result = irdesk("rules", "import", str(FIXTURES / "process-creation.yml"))
    one_line_failure(
        result, "process-creation.yml:4:5: logsource: cannot be converted: irdesk has no"
    )
    assert result.stdout == ""
    forced = irdesk("rules", "import", str(FIXTURES / "process-creation.yml"), "--source", "audit")
    one_line_failure(forced, "field 'Image': a plain line has no named fields")


def test_import_refuses_clobbering_and_clashing(home: Path, tmp_path: Path):
    existing = tmp_path / "there.yaml"
    existing.write_text("")
    one_line_failure(
        irdesk("rules", "import", str(FIXTURES / "sshd-errors.yml"), "-o", str(existing)),
        "there.yaml exists; write to another file or remove it first",
    )
    one_line_failure(
        irdesk("rules", "import", str(FIXTURES / "sshd-errors.yml"), "--id", "app-old-rule"),
        "has a rule 'app-old-rule' already; choose another with --id",
    )
    one_line_failure(
        irdesk("rules", "import", str(tmp_path / "none.yml")), "none.yml: no such file"
    )
    one_line_failure(
        irdesk("rules", "import", str(FIXTURES / "sshd-errors.yml"), "--id", "Bad Id"),
        "--id 'Bad Id'",
    )
    assert date.today()  # (the clock is real here; nothing depends on the day)


def test_an_imported_keyword_rule_finds_its_words_in_any_case(home: Path, tmp_path: Path):
    out = home / "rules" / "sshd.yaml"
    irdesk("rules", "import", str(FIXTURES / "sshd-errors.yml"), "-o", str(out))
    log = tmp_path / "auth.log"
    stamp = datetime.now(UTC).strftime("%b %e %H:%M:%S")
    log.write_text(
        f"{stamp} web1 sshd[9]: Accepted publickey for ada\n"
        f"{stamp} web1 sshd[9]: fatal: CORRUPTED MAC ON INPUT\n"
    )
    scan = irdesk("scan", "--source", f"auth={log}", "--journal", str(tmp_path / "j.db"))
    assert "finding FND-0001 openssh-daemon-reports-a-protocol-level-error:" in scan.stdout
    assert "| " + f"{stamp} web1 sshd[9]: fatal: CORRUPTED MAC ON INPUT" in scan.stdout
