"""Links and evidence (issue 12): a note points to files (hashed when attached) or URLs; an
incident links its ticket or chat channel, shown in the timeline and reports (the
header: tests/tui/test_header_links.py)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from helpers_cli import irdesk, one_line_failure

from irdesk.domain.incident import K
from irdesk.services import evidence
from irdesk.store import Journal


@pytest.fixture
def journal(tmp_path: Path) -> str:
    return str(tmp_path / "j.db")


@pytest.fixture
def incident(journal: str) -> str:
    result = irdesk("declare", "ransomware", "--title", "Files encrypted", "--journal", journal)
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


def notes(journal: str, iid: str):
    with Journal.open(journal, readonly=True) as j:
        return [e for e in j.entries(iid) if e.kind == K.NOTE]


def test_a_note_records_a_file_as_given_and_resolved_with_its_hash(
    journal, incident, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "note.txt").write_bytes(b"READ ME to restore your files\n")
    result = irdesk(
        "log", "--incident", incident, "ransom note copied", "--attach", "note.txt",
        "--attach", "https://chat.example.org/c/42", "--journal", journal,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    [note] = notes(journal, incident)
    digest = hashlib.sha256(b"READ ME to restore your files\n").hexdigest()
    assert note.payload["attachments"] == [
        {
            "path": "note.txt",
            "resolved": str((tmp_path / "note.txt").resolve()),
            "size": 30,
            "sha256": digest,
        },
        {"url": "https://chat.example.org/c/42"},
    ]
    (tmp_path / "note.txt").write_bytes(b"changed later")  # the journal keeps the hash of then
    report = irdesk("report", incident, "--journal", journal).stdout
    assert f"SHA-256 {digest}" in report and "link https://chat.example.org/c/42" in report


@pytest.mark.parametrize(
    ("ref", "needle"),
    [
        ("missing.txt", "cannot attach missing.txt: no such file"),
        (".", "cannot attach .: not a regular file"),
        ("j.db", "cannot attach j.db: it is the journal itself"),
    ],
)
def test_what_cannot_be_attached_is_one_line_and_nothing_is_written(
    journal, incident, tmp_path, monkeypatch, ref, needle
):
    monkeypatch.chdir(tmp_path)
    args = ("log", "--incident", incident, "x", "--attach", ref, "--journal", journal)
    one_line_failure(irdesk(*args), needle)
    assert notes(journal, incident) == []


def test_a_file_too_large_is_refused(journal, incident, tmp_path, monkeypatch):
    monkeypatch.setattr(evidence, "MAX_ATTACH_BYTES", 10)
    big = tmp_path / "disk.img"
    big.write_bytes(b"x" * 11)
    result = irdesk("log", "--incident", incident, "x", "--attach", str(big), "--journal", journal)
    one_line_failure(result, "11 bytes is more than")
    assert notes(journal, incident) == []


def test_link_is_shown_in_the_timeline_the_header_and_every_report(journal, incident):
    common = ("--incident", incident, "--journal", journal)
    out = irdesk("link", "https://tickets.example.org/SEC-42", "--label", "ticket", *common)
    assert out.stdout == f"{incident} entry 2: link ticket: https://tickets.example.org/SEC-42\n"
    one_line_failure(irdesk("link", "not a url", *common), "'not a url' is not a link")
    one_line_failure(irdesk("link", "https://tickets.example.org/SEC-42", *common), "already links")
    md = irdesk("report", incident, "--journal", journal).stdout
    assert "| Link | ticket: https://tickets.example.org/SEC-42 |" in md
    html = irdesk("report", incident, "--format", "html", "--journal", journal).stdout
    assert "<tr><th>Link</th><td>ticket: https://tickets.example.org/SEC-42</td></tr>" in html
    doc = json.loads(irdesk("report", incident, "--format", "json", "--journal", journal).stdout)
    [link] = doc["incident"]["links"]
    assert (link["label"], link["url"]) == ("ticket", "https://tickets.example.org/SEC-42")


def test_status_update_is_composed_printed_written_and_journaled(journal, incident, tmp_path):
    common = ("--journal", journal)
    irdesk("severity", "SEV1", "--incident", incident, "--reason", "FS01 encrypted", *common)
    irdesk("milestone", "contained", "--incident", incident, *common)
    irdesk("link", "https://tickets.example.org/SEC-42", "--label", "ticket",
           "--incident", incident, *common)  # fmt: skip
    preview = irdesk("status-update", incident, "--preview", *common)
    assert preview.exit_code == 0 and preview.stderr == ""
    text = preview.stdout
    assert text.startswith(f"Status update: {incident} Files encrypted\nSeverity SEV1 · ")
    assert "Impact\n  Severity SEV1 (from SEV2 at " in text and ": FS01 encrypted).\n" in text
    assert "  Contained " in text and "  Not resolved yet.\n" in text
    assert "Next steps\n  - now: Confirm ransomware and take command (commander)\n" in text
    assert "Next update\n  by " in text and "(every 30m at SEV1).\n" in text
    assert text.endswith("Links\n  ticket: https://tickets.example.org/SEC-42\n")
    with Journal.open(journal, readonly=True) as j:
        assert not [e for e in j.entries(incident) if e.kind == K.UPDATE]
    out = tmp_path / "update.txt"
    issued = irdesk("status-update", incident, "-o", str(out), *common)
    assert issued.exit_code == 0 and issued.stdout == ""
    assert issued.stderr.endswith("status update issued\n")
    with Journal.open(journal, readonly=True) as j:
        [entry] = [e for e in j.entries(incident) if e.kind == K.UPDATE]
    assert entry.payload["written_to"] == str(out)
    assert out.read_text(encoding="utf-8") == entry.payload["text"]
    one_line_failure(
        irdesk("status-update", incident, "-o", journal, *common), "is the journal itself"
    )
