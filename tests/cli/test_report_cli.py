"""`irdesk report` and `irdesk improvements`, in-process with click's CliRunner."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixtures_report.scripts import Scripted, fixed_uids, fixture_catalog, script_incident
from helpers_store import attacker, cut_short

from irdesk.cli import main
from irdesk.services.desk import Desk
from irdesk.services.review import ReviewSession
from irdesk.store import Journal


@pytest.fixture
def scripted(tmp_path: Path) -> Scripted:
    with fixed_uids():
        s = script_incident(tmp_path / "journal.db", fixture_catalog())
    s.journal.close()
    return s


@pytest.fixture
def journal_path(scripted: Scripted, tmp_path: Path) -> str:
    return str(tmp_path / "journal.db")


def run(*args: str):  # noqa: ANN201
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_report_writes_markdown_to_stdout_by_default(journal_path: str) -> None:
    result = run("report", "INC-0002", "--journal", journal_path)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# INC-0002: CEO mailbox used to request a fraudulent")
    assert "## Timeline" in result.output
    assert "chain verified: the hash chain is intact" in result.output


@pytest.mark.parametrize("fmt, start", [("html", "<!DOCTYPE html>"), ("json", "{")])
def test_report_writes_other_formats_to_a_file(
    journal_path: str, tmp_path: Path, fmt: str, start: str
) -> None:
    out = tmp_path / f"report.{fmt}"
    result = run("report", "INC-0002", "--journal", journal_path, "--format", fmt, "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith(start)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    if fmt == "json":
        assert json.loads(text)["incident"]["id"] == "INC-0002"
    assert not list(tmp_path.glob(".report.*"))  # no temporary file left behind


def test_report_opens_the_journal_read_only(journal_path: str) -> None:
    before = Path(journal_path).stat().st_mtime_ns
    assert run("report", "INC-0001", "--journal", journal_path).exit_code == 0
    assert Path(journal_path).stat().st_mtime_ns == before


def test_report_without_verify_says_so(journal_path: str) -> None:
    result = run("report", "INC-0002", "--journal", journal_path, "--no-verify")
    assert "chain not verified" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["report", "INC-0099"], "irdesk: no incident INC-0099 in"),
        (["report", "INC-0002", "--format", "pdf"], "Invalid value for '--format'"),
    ],
)
def test_report_errors_are_one_line(journal_path: str, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, [*args, "--journal", journal_path])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_report_on_a_missing_journal_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["report", "INC-0001", "--journal", str(tmp_path / "nope.db")]
    )
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert "no journal at" in result.output
    assert not (tmp_path / "nope.db").exists()


def test_report_to_a_missing_folder_is_one_line(journal_path: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "report",
            "INC-0002",
            "--journal",
            journal_path,
            "-o",
            str(tmp_path / "no" / "such" / "r.md"),
        ],
    )
    assert result.exit_code == 2
    assert "cannot write" in result.output


def test_improvements_lists_open_items_overdue_first(journal_path: str) -> None:
    result = run("improvements", "--journal", journal_path)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if not line.startswith(" ")]
    items = [line.split()[1] for line in lines[:-1]]
    # overdue (INC-0001-1 due 2026-11-15, INC-0002-3 due 2026-11-20) before the rest;
    # the list is read today, so all 2026 due dates may be overdue: check the order only
    assert set(items) == {
        "INC-0001-1",
        "INC-0001-2",
        "INC-0002-1",
        "INC-0002-2",
        "INC-0002-3",
        "INC-0002-4",
    }
    assert items.index("INC-0001-1") < items.index("INC-0002-3") < items.index("INC-0002-4")
    assert "INC-0001-3" not in result.output  # done
    assert lines[-1].startswith("6 open, ")


def test_improvements_json_and_all(journal_path: str) -> None:
    result = run("improvements", "--journal", journal_path, "--all", "--format", "json")
    doc = json.loads(result.output)
    assert {d["item"]: d["status"] for d in doc}["INC-0001-3"] == "done"
    assert (
        next(d for d in doc if d["item"] == "INC-0001-3")["note"]
        == "DMARC at p=reject since 2026-11-07"
    )


def test_improvements_done_and_drop_are_journaled(journal_path: str) -> None:
    result = run(
        "improvements",
        "done",
        "INC-0002-1",
        "--note",
        "rolled out to all groups",
        "--journal",
        journal_path,
        "--as",
        "dev",
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("INC-0002-1 done (INC-0002 entry ")
    # the group's --journal reaches the subcommand too
    result = run(
        "improvements",
        "--journal",
        journal_path,
        "drop",
        "INC-0001-2",
        "--note",
        "covered by the annual training",
        "--as",
        "chen",
    )
    assert result.exit_code == 0, result.output
    with Journal.open(journal_path, readonly=True) as journal:
        last = list(journal.entries("INC-0001"))[-1]
        assert (last.kind, last.actor, last.payload["outcome"]) == (
            "improvement.closed",
            "chen",
            "dropped",
        )
        assert journal.verify().ok
    listed = run("improvements", "--journal", journal_path).output
    assert "INC-0002-1" not in listed and "INC-0001-2" not in listed


def test_improvements_add_takes_the_plan_fields(journal_path: str) -> None:
    """A line of the improvement plan from the command line: the area for improvement,
    the owner's organisation and the start date are journaled and listed."""
    with Journal.open(journal_path) as journal:
        desk = Desk(journal, catalog=fixture_catalog(), actor="chen")
        ReviewSession(desk.session("INC-0002")).reopen("the money-recovery plan")
    result = run(
        "improvements",
        "add",
        "INC-0002",
        "--what",
        "Give finance the bank's fraud line",
        "--issue",
        "Nobody called the bank for three hours",
        "--owner",
        "Head of Finance",
        "--organisation",
        "Finance",
        "--start",
        "2026-12-01",
        "--due",
        "2026-12-31",
        "--poete",
        "organisation",
        "--journal",
        journal_path,
    )
    assert result.exit_code == 0, result.output
    item = result.output.strip()
    doc = json.loads(run("improvements", "--journal", journal_path, "--format", "json").output)
    found = next(d for d in doc if d["item"] == item)
    assert (found["issue"], found["organization"], found["start"], found["poete"]) == (
        "Nobody called the bank for three hours",
        "Finance",
        "2026-12-01",
        "organization",
    )
    assert "Head of Finance (Finance)" in run("improvements", "--journal", journal_path).output
    refused = CliRunner().invoke(
        main,
        ["improvements", "add", "INC-0002", "--what", "w", "--owner", "o"]
        + ["--start", "2026-12-31", "--due", "2026-12-01", "--journal", journal_path],
    )
    assert refused.exit_code == 2 and "is before the start date" in refused.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["improvements", "done", "INC-0001-3", "--note", "x"], "already done"),
        (["improvements", "done", "INC-0002-1", "--note", " "], "say what was done"),
        (["improvements", "drop", "INC-0009-1", "--note", "x"], "no improvement item"),
        (["improvements", "done", "INC-0002-1"], "Missing option '--note'"),
    ],
)
def test_improvements_errors_are_one_line(journal_path: str, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, [*args, "--journal", journal_path])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_improvements_on_a_journal_that_does_not_exist(tmp_path: Path) -> None:
    assert run("improvements").output == "no open improvement items\n"  # default journal
    result = run("improvements", "--journal", str(tmp_path / "none.db"))
    assert result.exit_code == 2 and "no journal at" in result.output
    assert not (tmp_path / "none.db").exists()


def test_both_commands_are_listed_in_help() -> None:
    result = run("--help")
    assert "report" in result.output and "improvements" in result.output


def test_report_and_replay_read_no_playbook_file_when_the_journal_has_the_copy(
    journal_path: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Every incident keeps its playbook in its first entry: the catalog (every playbook
    and scenario file parsed) is loaded only for a journal that lacks the copy."""
    import sqlite3

    from irdesk.cli.common import Screens
    from irdesk.formats.catalog import Catalog

    loads: list[int] = []
    real = Catalog.load.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(
        Catalog, "load", classmethod(lambda cls, *a, **k: loads.append(1) or real(cls, *a, **k))
    )
    assert run("report", "INC-0002", "--journal", journal_path).exit_code == 0
    opened = []
    screens = Screens(desk=lambda *a, **k: None, replay=lambda replay, **k: opened.append(replay))
    result = CliRunner().invoke(
        main, ["replay", "INC-0002", "--journal", journal_path], obj=screens
    )
    assert result.exit_code == 0, result.output
    assert opened and loads == []
    # a journal whose declaration lost its copy: the catalog it is, then
    copy = tmp_path / "copy.db"
    source = sqlite3.connect(journal_path)
    source.backup(target := sqlite3.connect(copy))
    source.close()
    target.execute("DROP TRIGGER entries_no_update")
    target.execute(
        "UPDATE entries SET payload = json_remove(payload, '$.playbook_source') "
        "WHERE incident_id = 'INC-0002' AND seq = 1"
    )
    target.commit()
    target.close()
    result = run("report", "INC-0002", "--journal", str(copy), "--no-verify")
    assert loads == [1] and result.exit_code == 2 and "cannot be found" in result.output


# --------------------------------------------------------------------------- heads


def _head_of(journal_path: str, incident_id: str):  # noqa: ANN202
    with Journal.open(journal_path, readonly=True) as journal:
        return journal.incident(incident_id).head


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_a_report_can_be_checked_later_with_verify_expect_file(
    journal_path: str, tmp_path: Path, fmt: str
) -> None:
    head = _head_of(journal_path, "INC-0002")
    label = head.label("INC-0002")  # INC-0002@81:<64 hex>
    report = tmp_path / f"report.{fmt}"
    written = run(
        "report", "INC-0002", "--journal", journal_path, "--format", fmt, "-o", str(report)
    )
    assert written.exit_code == 0, written.output
    text = report.read_text(encoding="utf-8")
    assert label in text
    assert f"irdesk verify --expect {label}" in text  # and says how to check it

    def verify():  # noqa: ANN202
        return run("verify", "--journal", journal_path, "--expect-file", str(report))

    assert verify().exit_code == 0
    # closing an improvement item later appends to the incident: the head still holds
    done = run("improvements", "done", "INC-0002-1", "--note", "fixed", "--journal", journal_path)
    assert done.exit_code == 0, done.output
    assert _head_of(journal_path, "INC-0002").seq == head.seq + 1
    assert verify().exit_code == 0
    # a journal cut short before that head is caught, and named
    cut_short(Path(journal_path), "INC-0002", keep=head.seq - 1)
    result = verify()
    assert result.exit_code == 1
    assert f"  {label}: INC-0002 ends at entry {head.seq - 1}: entries were cut" in result.output
    assert result.output.count(label) == 1  # one expectation, however often the report says it


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_text_that_looks_like_a_head_is_not_taken_for_one(
    journal_path: str, tmp_path: Path, fmt: str
) -> None:
    """A note "call the CISO@14:00" reads like a (malformed) head to verify: in a report
    it is written so it reads back the same but only the report's own heads are found."""
    look_alikes = ["call the CISO@14:00", "INC-0001@3:abc", f"INC-0002@1:{'0' * 64}"]
    with Journal.open(journal_path) as journal:
        for text in look_alikes:
            journal.append("INC-0002", "note", {"text": text}, actor="lin")
    report = tmp_path / f"report.{fmt}"
    written = run(
        "report", "INC-0002", "--journal", journal_path, "--format", fmt, "-o", str(report)
    )
    assert written.exit_code == 0, written.output
    result = run("verify", "--journal", journal_path, "--expect-file", str(report))
    assert result.exit_code == 0, result.output
    text = report.read_text(encoding="utf-8")
    if fmt == "json":
        notes = [row["text"] for row in json.loads(text)["timeline"] if row["kind"] == "note"]
        assert notes[-3:] == look_alikes  # the same text, once decoded
    elif fmt == "md":
        assert "call the CISO\\@14:00" in text  # Markdown shows "\@" as "@"
    else:
        assert "call the CISO&#64;14:00" in text


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_a_report_on_a_tampered_journal_says_so_first_marks_the_entry_and_exits_1(
    journal_path: str, tmp_path: Path, fmt: str
) -> None:
    conn = attacker(Path(journal_path))
    conn.execute(
        "UPDATE entries SET payload = json_set(payload, '$.text', 'nothing happened') "
        "WHERE incident_id = 'INC-0002' AND kind = 'note' AND seq = "
        "(SELECT MIN(seq) FROM entries WHERE incident_id = 'INC-0002' AND kind = 'note')"
    )
    (seq,) = conn.execute(
        "SELECT MIN(seq) FROM entries WHERE incident_id = 'INC-0002' AND kind = 'note'"
    ).fetchone()
    conn.close()
    out = tmp_path / f"report.{fmt}"
    result = CliRunner().invoke(
        main, ["report", "INC-0002", "--journal", journal_path, "--format", fmt, "-o", str(out)]
    )
    assert result.exit_code == 1  # the report is still written
    assert f"irdesk: WARNING: the hash chain of this journal is BROKEN at entry {seq}" in (
        result.stderr
    )
    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        doc = json.loads(text)
        assert list(doc)[:2] == ["schema", "warning"]
        assert doc["warning"].startswith("WARNING: the hash chain of this journal is BROKEN")
        [row] = [r for r in doc["timeline"] if r["seq"] == seq]
        assert row["flags"][0].startswith(f"CHAIN BROKEN HERE: INC-0002 entry {seq} was edited")
        return
    first = text.split("# INC-0002")[0] if fmt == "md" else text.split("<header")[0]
    assert "the hash chain of this journal is BROKEN" in first
    assert f"CHAIN BROKEN HERE: INC-0002 entry {seq} was edited" in text


def test_internal_notes_are_left_out_of_reports_unless_asked(journal_path: str) -> None:
    note = ["log", "--incident", "INC-0002", "--internal", "bridge PIN 4471"]
    logged = CliRunner().invoke(main, [*note, "--journal", journal_path])
    assert logged.exit_code == 0, logged.output
    for fmt in ("md", "html", "json"):
        left = run("report", "INC-0002", "--journal", journal_path, "--format", fmt)
        assert left.exit_code == 0
        assert "4471" not in left.stdout
        if fmt == "json":
            assert json.loads(left.stdout)["counts"]["internal_left_out"] == 1
        else:
            assert "1 entry marked internal" in left.stdout
    shown = run("report", "INC-0002", "--journal", journal_path, "--include-internal")
    assert "\\[internal\\] bridge PIN 4471" in shown.stdout  # Markdown-escaped
    assert "marked internal" not in shown.stdout
