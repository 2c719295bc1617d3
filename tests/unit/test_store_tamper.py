"""Tampering with a raw sqlite3 connection is caught by verify, naming the right entry.

Each attack drops the append-only triggers first, as an attacker would. The journal has two
incidents of 12 entries; only INC-0001 is attacked, and INC-0002 must stay clean.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from irdesk.store import (
    DELETED,
    DESK_ID,
    EDITED,
    INSERTED,
    METADATA,
    REORDERED,
    SCHEMA,
    TRUNCATED,
    Expectation,
    Head,
    Journal,
    VerifyReport,
)
from irdesk.store.chain import entry_hash

try:
    from helpers_store import (
        TRIGGERS,
        attacker,
        chain_problems,
        cover_tracks,
        forge_append,
        forge_insert,
        journal_with_notes,
        row,
        swap,
    )
except ImportError:  # tests/ as a package
    from tests.helpers_store import (
        TRIGGERS,
        attacker,
        chain_problems,
        cover_tracks,
        forge_append,
        forge_insert,
        journal_with_notes,
        row,
        swap,
    )


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IRDESK_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "j.db"
    assert journal_with_notes(path, 11, incidents=2) == ["INC-0001", "INC-0002"]
    return path


@pytest.fixture
def path(tmp_path: Path, template: Path) -> Path:
    """A fresh copy of a journal with two clean incidents of 12 entries each."""
    path = tmp_path / "j.db"
    shutil.copy(template, path)
    return path


def verify(path: Path, incident_id: str | None = None, workers: int = 1) -> VerifyReport:
    with Journal.open(path, readonly=True) as journal:
        return journal.verify(incident_id, workers=workers)


def only_problem(report: VerifyReport):
    assert not report.ok
    problems = chain_problems(report)
    assert [p.incident_id for p in problems] == ["INC-0001"], problems
    [problem] = problems
    assert "\n" not in problem.message and problem.message.startswith("INC-0001 ")
    return problem


def test_untouched_journal_verifies(path: Path):
    report = verify(path)
    assert report.ok and report.problems == []
    assert (report.checked, report.incidents) == (24, 2)
    with Journal.open(path, readonly=True) as journal:
        assert report.heads == {r.id: r.head for r in journal.incidents()}
        assert report.heads["INC-0001"].label("INC-0001") == (
            f"INC-0001@12:{journal.incident('INC-0001').head_hash}"
        )


def test_edited_payload(path: Path):
    conn = attacker(path)
    conn.execute(
        "UPDATE entries SET payload = ? WHERE incident_id = 'INC-0001' AND seq = 7",
        (json.dumps({"text": "root cause: cosmic rays"}),),
    )
    problem = only_problem(verify(path))
    assert (problem.seq, problem.how) == (7, EDITED)
    assert problem.message == "INC-0001 entry 7 was edited: its hash does not match its contents"


@pytest.mark.parametrize(
    "column, value",
    [
        ("actor", "mallory"),
        ("kind", "note.deleted"),
        ("occurred_at", "2026-11-23T08:00:00.000Z"),
        ("recorded_at", "2026-11-23T09:00:09.000Z"),
        ("role", "observer"),
        ("backdate_reason", "because"),
        ("corrects", 2),
        ("uid", "0" * 32),
        ("hash", "f" * 64),
        ("prev_hash", "e" * 64),
    ],
)
def test_any_edited_column(path: Path, column: str, value):
    conn = attacker(path)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute(
        f"UPDATE entries SET {column} = ? WHERE incident_id = 'INC-0001' AND seq = 5", (value,)
    )
    problem = only_problem(verify(path))
    assert (problem.seq, problem.how) == (5, EDITED), problem


def test_edited_and_rehashed(path: Path):
    """The attacker recomputes the edited entry's own hash; the next link gives it away."""
    conn = attacker(path)
    r = row(conn, "INC-0001", 6)
    payload = '{"text":"nothing to see"}'
    h = entry_hash(*r[:10], payload, r[11])
    conn.execute(
        "UPDATE entries SET payload = ?, hash = ? WHERE incident_id = 'INC-0001' AND seq = 6",
        (payload, h),
    )
    problem = only_problem(verify(path))
    assert (problem.seq, problem.how) == (6, EDITED)
    assert "entry 7 still links to the original" in problem.message


def test_deleted_row(path: Path):
    conn = attacker(path)
    conn.execute("DELETE FROM entries WHERE incident_id = 'INC-0001' AND seq = 7")
    problem = only_problem(verify(path))
    assert (problem.seq, problem.how) == (7, DELETED)
    assert problem.message == "INC-0001 entry 7 was deleted: the sequence jumps from 6 to 8"


def test_deleted_rows_renumbered(path: Path):
    """Entries 7 and 8 deleted and the rest renumbered to close the gap."""
    conn = attacker(path)
    conn.execute("DELETE FROM entries WHERE incident_id = 'INC-0001' AND seq IN (7, 8)")
    for seq in range(9, 13):
        conn.execute(
            "UPDATE entries SET seq = ? WHERE incident_id = 'INC-0001' AND seq = ?", (seq - 2, seq)
        )
    conn.execute("UPDATE incidents SET last_seq = 10, entry_count = 10 WHERE id = 'INC-0001'")
    problem = only_problem(verify(path))
    assert (problem.seq, problem.how) == (7, DELETED)
    assert problem.message.startswith("INC-0001 entries 7–8 were deleted")


def test_deleted_first_entry(path: Path):
    conn = attacker(path)
    conn.execute("DELETE FROM entries WHERE incident_id = 'INC-0001' AND seq = 1")
    problem = only_problem(verify(path))
    assert (problem.seq, problem.how) == (1, DELETED)
    assert "the chain starts at entry 2" in problem.message


def test_swapped_rows(path: Path):
    swap(attacker(path), "INC-0001", 5, 9)
    problem = only_problem(verify(path))
    assert (problem.seq, problem.how) == (5, REORDERED)
    assert problem.message == (
        "INC-0001 entry 5 was reordered: position 5 holds the original entry 9, and the "
        "original entry 5 is at position 9"
    )


def test_swapped_neighbours(path: Path):
    swap(attacker(path), "INC-0001", 3, 4)
    problem = only_problem(verify(path))
    assert (problem.seq, problem.how) == (3, REORDERED)


def test_rotated_rows(path: Path):
    """5, 6, 7 → 6, 7, 5."""
    conn = attacker(path)
    conn.execute("UPDATE entries SET seq = 999 WHERE incident_id = 'INC-0001' AND seq = 5")
    conn.execute("UPDATE entries SET seq = 5 WHERE incident_id = 'INC-0001' AND seq = 6")
    conn.execute("UPDATE entries SET seq = 6 WHERE incident_id = 'INC-0001' AND seq = 7")
    conn.execute("UPDATE entries SET seq = 7 WHERE incident_id = 'INC-0001' AND seq = 999")
    problem = only_problem(verify(path))
    assert (problem.seq, problem.how) == (5, REORDERED)
    assert "the original entry 5 is at position 7" in problem.message


def test_inserted_forged_row(path: Path):
    forge_insert(attacker(path), "INC-0001", 7)
    problem = only_problem(verify(path))
    assert (problem.seq, problem.how) == (7, INSERTED)
    assert problem.message.startswith("INC-0001 entry 7 was inserted")


def test_inserted_forged_row_at_the_start(path: Path):
    conn = attacker(path)
    for seq in range(12, 0, -1):
        conn.execute(
            "UPDATE entries SET seq = seq + 1 WHERE incident_id = 'INC-0001' AND seq = ?", (seq,)
        )
    r = row(conn, "INC-0001", 2)
    payload = '{"text":"forged declaration"}'
    h = entry_hash(
        "INC-0001",
        1,
        "forged",
        "incident.declared",
        "mallory",
        None,
        r[6],
        r[7],
        None,
        None,
        payload,
        "0" * 64,
    )
    conn.execute(
        "INSERT INTO entries VALUES ('INC-0001', 1, 'forged', 'incident.declared', "
        "'mallory', NULL, ?, ?, NULL, NULL, ?, ?, ?)",
        (r[6], r[7], payload, "0" * 64, h),
    )
    report = verify(path)
    assert report.problems[0].seq == 1 and report.problems[0].how == INSERTED


def test_forged_entry_after_the_end(path: Path):
    seq = forge_append(attacker(path), "INC-0001", fix_record=False)
    problem = only_problem(verify(path))
    assert (problem.seq, problem.how) == (seq, INSERTED) == (13, INSERTED)
    assert "after the recorded end of the chain" in problem.message


def test_a_forged_append_with_the_record_fixed_is_the_limit_of_one_file(path: Path):
    """A forger who appends a well-hashed entry, moves the record's head to it and puts the
    triggers back leaves a whole chain: verify passes, and so does every head noted before
    the forgery (it is still there). Nothing inside one file can tell: only a head noted
    (or sealed) elsewhere *after* the real last entry does. docs/journal.md says so."""
    with Journal.open(path, readonly=True) as journal:
        noted = Expectation("INC-0001", journal.incident("INC-0001").head)
    conn = attacker(path)
    seq = forge_append(conn, "INC-0001", fix_record=True)
    cover_tracks(conn)
    report = verify(path)
    assert report.ok, report.problems
    with Journal.open(path, readonly=True) as journal:
        forged = journal.get_entry("INC-0001", seq)
        assert forged is not None and forged.actor == "mallory"
        assert report.heads["INC-0001"] == (13, forged.hash)
        assert journal.unmet([noted]) == []
        later = Expectation("INC-0001", Head(13, "0" * 64))  # what the real desk had at 13
        assert journal.unmet([later]) == [
            f"{later.label}: entry 13 of INC-0001 now hashes to {forged.hash[:12]}…: "
            "the chain was rewritten or the journal replaced"
        ]


def test_truncated_tail(path: Path):
    conn = attacker(path)
    conn.execute("DELETE FROM entries WHERE incident_id = 'INC-0001' AND seq >= 11")
    problem = only_problem(verify(path))
    assert (problem.seq, problem.how) == (11, TRUNCATED)
    assert problem.message.startswith("INC-0001 entries 11–12 were removed from the end")


def test_last_entry_edited_and_rehashed(path: Path):
    """Inside one file, a re-hashed last entry and a changed head hash in the record look
    the same (the chain is whole, the record's head is not its last entry's hash): verify
    says both, and how to tell them apart (a head noted elsewhere)."""
    conn = attacker(path)
    r = row(conn, "INC-0001", 12)
    payload = '{"text":"resolved by itself"}'
    h = entry_hash(*r[:10], payload, r[11])
    conn.execute(
        "UPDATE entries SET payload = ?, hash = ? WHERE incident_id = 'INC-0001' AND seq = 12",
        (payload, h),
    )
    problem = only_problem(verify(path))
    assert (problem.seq, problem.how) == (None, METADATA)
    assert "entry 12 was rewritten with a recomputed hash" in problem.message
    assert "irdesk verify --expect INC-0001@12:<hash>" in problem.message


def test_incident_record_metadata_changed(path: Path):
    conn = attacker(path)
    conn.execute("UPDATE incidents SET playbook_sha256 = ? WHERE id = 'INC-0001'", ("0" * 64,))
    problem = only_problem(verify(path))
    assert problem.how == METADATA
    assert "playbook_sha256" in problem.message


def test_incident_record_mode_changed(path: Path):
    """A live incident relabelled as a drill."""
    conn = attacker(path)
    conn.execute("UPDATE incidents SET mode = 'drill' WHERE id = 'INC-0001'")
    problem = only_problem(verify(path))
    assert problem.how == METADATA and "mode" in problem.message


def test_incident_record_deleted(path: Path):
    conn = attacker(path)
    conn.execute("DELETE FROM incidents WHERE id = 'INC-0001'")
    problem = only_problem(verify(path))
    assert problem.how == METADATA and "no incident record" in problem.message


def test_all_entries_deleted(path: Path):
    conn = attacker(path)
    conn.execute("DELETE FROM entries WHERE incident_id = 'INC-0001'")
    problem = only_problem(verify(path))
    assert (problem.seq, problem.how) == (1, DELETED)


def test_every_tampered_incident_is_reported(path: Path):
    conn = attacker(path)
    conn.execute("DELETE FROM entries WHERE incident_id = 'INC-0001' AND seq = 4")
    swap(conn, "INC-0002", 2, 3)
    report = verify(path)
    assert [(p.incident_id, p.seq, p.how) for p in chain_problems(report)] == [
        ("INC-0001", 4, DELETED),
        ("INC-0002", 2, REORDERED),
    ]
    assert chain_problems(verify(path, "INC-0002")) == [chain_problems(report)[1]]


def test_only_the_first_broken_entry_is_named(path: Path):
    conn = attacker(path)
    conn.execute("UPDATE entries SET actor = 'x' WHERE incident_id = 'INC-0001' AND seq = 3")
    conn.execute("DELETE FROM entries WHERE incident_id = 'INC-0001' AND seq = 9")
    problem = only_problem(verify(path))
    assert (problem.seq, problem.how) == (3, EDITED)


def test_one_incident(path: Path):
    attacker(path).execute("DELETE FROM entries WHERE incident_id = 'INC-0001' AND seq = 4")
    report = verify(path, "INC-0002")
    assert chain_problems(report) == [] and report.incidents == 1 and report.checked == 12
    with pytest.raises(KeyError):
        verify(path, "INC-0404")


def test_chunked_and_parallel_verify_agree(path: Path, monkeypatch: pytest.MonkeyPatch):
    """Ranges are stitched correctly wherever the chunk boundaries fall."""
    import irdesk.store.verify as v

    conn = attacker(path)
    swap(conn, "INC-0001", 5, 9)
    conn.execute("DELETE FROM entries WHERE incident_id = 'INC-0002' AND seq = 8")
    expected = verify(path).problems
    for chunk in (1, 2, 3, 4, 5, 7):
        monkeypatch.setattr(v, "CHUNK", chunk)
        assert verify(path).problems == expected, chunk
    monkeypatch.setattr(v, "CHUNK", 3)
    in_process: list[tuple] = []
    real_scan = v.scan_range
    monkeypatch.setattr(v, "scan_range", lambda *a: in_process.append(a) or real_scan(*a))
    assert verify(path, workers=2).problems == expected
    assert in_process == []  # the ranges were checked by worker processes


def test_a_verify_worker_needs_nothing_but_the_standard_library(path: Path):
    """A worker is irdesk/store/scan.py run by a bare interpreter (isolated, no site):
    ready in milliseconds, because it imports neither irdesk nor anything installed."""
    import ast
    import subprocess
    import sys

    import irdesk.store.scan as scan
    from irdesk.store import summary
    from irdesk.store.verify import scan_range

    tree = ast.parse(Path(scan.__file__).read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert {name.split(".")[0] for name in imported} - {"__future__"} <= sys.stdlib_module_names
    job = {
        "uri": f"file:{path}?mode=ro",
        "picked": sorted(summary.KINDS),
        "marks": sorted(summary.MARK_KINDS),
        "closing": summary.CLOSING_MARK,
        "tasks": [["INC-0001", 1, 5], ["INC-0002", 3, 12]],
    }
    done = subprocess.run(
        [sys.executable, "-I", "-S", scan.__file__],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=60,
        env={},
    )
    assert done.returncode == 0, done.stderr
    conn = sqlite3.connect(path)
    expected = [json.loads(json.dumps(scan_range(conn, *task))) for task in job["tasks"]]
    assert [json.loads(line) for line in done.stdout.splitlines()] == expected


def test_verify_progress(path: Path):
    calls: list[tuple[int, int]] = []
    with Journal.open(path, readonly=True) as journal:
        journal.verify(progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, 24) and calls[-1] == (24, 24)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_workers_do_not_rerun_the_callers_script(path: Path, tmp_path: Path):
    """A script without an ``if __name__ == "__main__"`` guard appends once and verifies
    with worker processes: the workers must not run the script again."""
    import subprocess

    try:
        from helpers_store import python, subprocess_env
    except ImportError:
        from tests.helpers_store import python, subprocess_env

    script = tmp_path / "unguarded.py"
    script.write_text(
        "import sys\n"
        "import irdesk.store.verify as v\n"
        "from irdesk.store import Journal\n"
        "v.CHUNK = 2\n"
        "with Journal.open(sys.argv[1]) as j:\n"
        "    j.append('INC-0001', 'note.added', {'text': 'once'}, actor='script')\n"
        "    seen = []\n"
        "    report = j.verify(workers=2, progress=lambda d, t: seen.append(d))\n"
        "    print(report.ok, report.checked, seen[-1])\n"
    )
    done = subprocess.run(
        [python(), str(script), str(path)],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "25", "25"]
    with Journal.open(path, readonly=True) as journal:
        assert journal.last_seq("INC-0001") == 13  # appended exactly once


# ----------------------------------------------------------------------------- the record


@pytest.mark.parametrize(
    ("field", "value", "chain_says"),
    [
        ("title", "Nothing to see here", "Payments API returning 500s"),
        ("severity", "SEV4", "SEV2"),
        ("status", "closed", "open"),
        ("closed_at", "2026-11-01T00:00:00.000Z", None),
    ],
)
def test_a_record_field_edited_with_plain_sql_is_named(path: Path, field, value, chain_says):
    conn = attacker(path)
    conn.execute(f"UPDATE incidents SET {field} = ? WHERE id = 'INC-0001'", (value,))
    problem = only_problem(verify(path))
    assert (problem.seq, problem.how) == (None, METADATA)
    assert problem.message == (
        f"INC-0001 incident record was changed: {field} is {value!r} in the record but "
        f"{chain_says!r} in its chain"
    )


def test_a_hidden_incident_comes_back_when_the_journal_is_next_opened(path: Path):
    """Status set to closed with plain SQL hid a live incident from the open list. Verify
    names it; the next read-write open puts the triggers and the record back, and says so
    in the desk chain."""
    conn = attacker(path)
    conn.execute("UPDATE incidents SET status = 'closed' WHERE id = 'INC-0001'")
    conn.close()
    with Journal.open(path, readonly=True) as ro:
        assert [r.id for r in ro.incidents(status="open")] == ["INC-0002"]
    with Journal.open(path) as journal:
        [warning] = journal.warnings
        assert (
            "incidents_follow_chain" in warning and "INC-0001 status 'closed' → 'open'" in warning
        )
        assert [r.id for r in journal.incidents(status="open")] == ["INC-0002", "INC-0001"]
        [opened, repaired] = list(journal.entries(DESK_ID))
        assert (opened.kind, repaired.kind) == ("desk.opened", "journal.repaired")
        assert repaired.payload["records"] == {"INC-0001": {"status": ["closed", "open"]}}
        assert repaired.payload["triggers"] == {name: "missing" for name in TRIGGERS}
        report = journal.verify()
        assert report.ok, report.problems
        assert journal.incidents(chain="desk")[0].id == DESK_ID
        assert DESK_ID not in [r.id for r in journal.incidents()]
    with Journal.open(path) as again:
        assert again.warnings == []  # repaired once
        assert again.last_seq(DESK_ID) == 2


def test_dropped_triggers_are_reported_last(path: Path):
    attacker(path).close()
    report = verify(path)
    assert chain_problems(report) == []
    assert [(p.incident_id, p.how) for p in report.problems] == [("", SCHEMA)] * len(TRIGGERS)
    assert report.problems[0].message == (
        "journal trigger entries_no_delete was dropped: the journal was opened for changes "
        "outside irdesk"
    )


def test_a_trigger_added_outside_irdesk_is_reported_and_removed(path: Path):
    conn = sqlite3.connect(path, isolation_level=None)
    sql = "CREATE TRIGGER sneaky AFTER INSERT ON entries BEGIN SELECT 1; END"
    conn.execute(sql)
    conn.close()
    [problem] = verify(path).problems
    assert problem.how == SCHEMA and "sneaky was added by something other than irdesk" in (
        problem.message
    )
    with Journal.open(path) as journal:
        repaired = journal.get_entry(DESK_ID, 2)
        assert repaired.payload["removed"] == {"sneaky": sql}
        assert journal.verify().ok


def test_a_lowered_last_seq_is_named_as_a_record_edit(path: Path):
    conn = attacker(path)
    conn.execute("UPDATE incidents SET last_seq = 9 WHERE id = 'INC-0001'")
    problem = only_problem(verify(path))
    assert (problem.seq, problem.how) == (None, METADATA)
    assert problem.message == (
        "INC-0001 incident record was changed: last_seq is 9 but its own head hash is "
        "entry 12's, the end of an intact chain"
    )


def test_a_changed_head_hash_is_named_as_a_record_edit(path: Path):
    conn = attacker(path)
    conn.execute("UPDATE incidents SET head_hash = ? WHERE id = 'INC-0001'", ("f" * 64,))
    problem = only_problem(verify(path))
    assert (problem.seq, problem.how) == (None, METADATA)
    assert problem.message.startswith("INC-0001 incident record was changed, or entry 12")
