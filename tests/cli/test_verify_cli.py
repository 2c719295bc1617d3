"""``irdesk verify``: exit 0 intact, 1 tampered, 2 unreadable journal; never a traceback."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from irdesk.cli import main
from irdesk.store import SCHEMA_VERSION, Journal

try:
    from helpers_store import (
        attacker,
        cover_tracks,
        cut_short,
        journal_with_notes,
        python,
        subprocess_env,
        swap,
    )
except ImportError:  # tests/ as a package
    from tests.helpers_store import (
        attacker,
        cover_tracks,
        cut_short,
        journal_with_notes,
        python,
        subprocess_env,
        swap,
    )


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("IRDESK_HOME", str(home))
    return home


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "j.db"
    journal_with_notes(path, 11, incidents=2)
    return path


@pytest.fixture
def path(tmp_path: Path, template: Path) -> Path:
    path = tmp_path / "j.db"
    shutil.copy(template, path)
    return path


def run(*args: str):
    return CliRunner().invoke(main, ["verify", *args], prog_name="irdesk")


def assert_one_line_failure(result, needle: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.startswith("irdesk: ") and result.stderr.count("\n") == 1
    assert needle in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert isinstance(result.exception, SystemExit)


def test_intact_journal(path: Path):
    result = run("--journal", str(path))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "ok: 2 incidents, 24 entries, chains intact"
    with Journal.open(path, readonly=True) as journal:
        heads = {r.id: r.head_hash for r in journal.incidents()}
    assert lines[1:] == [
        "seals: none (sealing needs a signing key: irdesk seal --key FILE)",
        "heads:",
        f"  INC-0001@12:{heads['INC-0001']}",
        f"  INC-0002@12:{heads['INC-0002']}",
    ]
    assert result.stderr == ""  # no progress when stderr is not a terminal


def test_default_journal_comes_from_irdesk_home(_home: Path, template: Path):
    _home.mkdir()
    shutil.copy(template, _home / "journal.db")
    result = run()
    assert result.exit_code == 0 and result.stdout.startswith("ok: 2 incidents")


def test_tampered_journal_names_the_entry(path: Path):
    attacker(path).execute(
        "UPDATE entries SET payload = '{}' WHERE incident_id = 'INC-0002' AND seq = 7"
    )
    result = run("--journal", str(path))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("TAMPERED: 1 of 2 incidents broken (24 entries checked")
    assert lines[1] == (
        "  edited: INC-0002 entry 7 was edited: its hash does not match its contents"
    )


@pytest.mark.parametrize(
    "attack, expected",
    [
        (
            lambda c: c.execute("DELETE FROM entries WHERE incident_id = 'INC-0001' AND seq = 4"),
            "  deleted: INC-0001 entry 4 was deleted: the sequence jumps from 3 to 5",
        ),
        (
            lambda c: swap(c, "INC-0001", 5, 9),
            "  reordered: INC-0001 entry 5 was reordered: position 5 holds the original entry 9, "
            "and the original entry 5 is at position 9",
        ),
    ],
)
def test_each_kind_of_tampering_is_named(path: Path, attack, expected: str):
    attack(attacker(path))
    result = run("--journal", str(path))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1] == expected


def test_inserted_row_is_named(path: Path):
    try:
        from helpers_store import forge_insert
    except ImportError:
        from tests.helpers_store import forge_insert
    forge_insert(attacker(path), "INC-0001", 10)
    result = run("--journal", str(path))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1].startswith("  inserted: INC-0001 entry 10 was inserted")


def test_one_incident(path: Path):
    conn = attacker(path)
    conn.execute("DELETE FROM entries WHERE incident_id = 'INC-0001' AND seq = 4")
    cover_tracks(conn)
    assert run("--journal", str(path), "INC-0002").exit_code == 0
    assert run("--journal", str(path), "INC-0001").exit_code == 1
    assert_one_line_failure(run("--journal", str(path), "INC-0404"), "no incident INC-0404")


def test_json_format(path: Path):
    conn = attacker(path)
    conn.execute("DELETE FROM entries WHERE incident_id = 'INC-0001' AND seq = 12")
    cover_tracks(conn)
    result = run("--journal", str(path), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["checked"] == 23 and data["incidents"] == 2
    assert data["problems"] == [
        {
            "incident_id": "INC-0001",
            "seq": 12,
            "how": "truncated",
            "message": "INC-0001 entry 12 was removed from the end: the incident record says the "
            "chain ends at entry 12, the journal stops at 11",
        }
    ]
    assert set(data["heads"]) == {"INC-0001", "INC-0002"}
    with Journal.open(path, readonly=True) as journal:
        head = journal.incident("INC-0002").head_hash
    assert data["heads"]["INC-0002"] == {
        "seq": 12,
        "hash": head,
        "label": f"INC-0002@12:{head}",
    }


def test_progress_on_request(path: Path):
    result = run("--journal", str(path), "--progress")
    assert result.exit_code == 0
    assert "verifying: 24 / 24 entries (100%)" in result.stderr


def test_jobs_option(path: Path):
    result = run("--journal", str(path), "--jobs", "2")
    assert result.exit_code == 0 and result.stdout.startswith("ok: 2 incidents, 24 entries")


def test_verify_leaves_the_journal_untouched(path: Path):
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    assert run("--journal", str(path)).exit_code == 0
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["j.db"]


# ----------------------------------------------------------------------------- bad journals


def test_missing_journal(tmp_path: Path):
    missing = tmp_path / "nope.db"
    assert_one_line_failure(run("--journal", str(missing)), f"no journal at {missing}")
    assert not missing.exists()


def test_not_a_database(tmp_path: Path):
    bad = tmp_path / "j.db"
    bad.write_text("this is a shopping list, not a journal\n" * 50)
    assert_one_line_failure(run("--journal", str(bad)), "not a SQLite file")


def test_empty_file(tmp_path: Path):
    empty = tmp_path / "j.db"
    empty.touch()
    assert_one_line_failure(run("--journal", str(empty)), "is empty")
    assert empty.stat().st_size == 0


def test_truncated_file(path: Path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert_one_line_failure(run("--journal", str(path)), "damaged")


def test_tiny_file(tmp_path: Path):
    bad = tmp_path / "j.db"
    bad.write_bytes(b"SQLite form")
    assert_one_line_failure(run("--journal", str(bad)), "truncated")


def test_directory_instead_of_file(tmp_path: Path, _home: Path):
    (_home / "journal.db").mkdir(parents=True)
    assert_one_line_failure(run(), "is a directory")
    result = run("--journal", str(tmp_path))  # click refuses a directory for --journal
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_newer_schema(path: Path):
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 9")
    conn.commit()
    conn.close()
    assert_one_line_failure(
        run("--journal", str(path)),
        f"was written by a newer irdesk (schema 9, this irdesk knows {SCHEMA_VERSION})",
    )


def test_locked_journal(path: Path):
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO runtime VALUES ('test', 'busy', 'v', 'now')")
    holder.execute("COMMIT")  # keeps the exclusive lock; the change sits in the -wal
    try:
        assert_one_line_failure(
            run("--journal", str(path), "--timeout", "0.2"),
            "is locked by another process (waited 0.2s)",
        )
    finally:
        holder.close()


def test_installed_command_prints_no_traceback(tmp_path: Path):
    """The real entry point, in a subprocess, on a journal that is not one."""
    bad = tmp_path / "j.db"
    bad.write_bytes(b"\x00" * 4096)
    done = subprocess.run(
        [python(), "-m", "irdesk", "verify", "--journal", str(bad)],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr == f"irdesk: {bad} is not an irdesk journal (not a SQLite file)\n"


# ----------------------------------------------------------------------------- --expect


def head_of(path: Path, incident_id: str = "INC-0001") -> str:
    with Journal.open(path, readonly=True) as journal:
        return journal.incident(incident_id).head.label(incident_id)


def test_an_expected_head_holds_after_later_appends(path: Path):
    noted = head_of(path)  # as printed in last month's report
    with Journal.open(path) as journal:
        journal.append("INC-0001", "improvement.closed", {"item": "INC-0001-1"}, actor="lin")
    result = run("--journal", str(path), "--expect", noted)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok: 2 incidents, 25 entries, chains intact")
    assert "expected heads: all found (1 checked)" in result.stdout.splitlines()


def test_without_expectations_verify_does_not_mention_them(path: Path):
    result = run("--journal", str(path))
    assert result.exit_code == 0 and "expected heads" not in result.stdout


def test_a_journal_cut_short_fails_the_expectation(path: Path):
    noted = head_of(path)
    cut_short(path, "INC-0001", keep=10)  # the chain and record now look whole
    assert run("--journal", str(path)).exit_code == 0  # nothing inside the file tells
    result = run("--journal", str(path), "--expect", noted)
    assert result.exit_code == 1
    assert (
        f"  {noted}: INC-0001 ends at entry 10: entries were cut from the end, or the journal "
        "was replaced by an older copy"
    ) in result.stdout.splitlines()


def test_an_older_copy_fails_the_expectation(path: Path, tmp_path: Path):
    older = tmp_path / "older.db"
    shutil.copy(path, older)
    with Journal.open(path) as journal:
        journal.append("INC-0001", "note", {"text": "later"}, actor="lin")
    noted = head_of(path)
    shutil.copy(older, path)  # someone swaps the journal for last week's copy
    result = run("--journal", str(path), "--expect", noted)
    assert result.exit_code == 1
    assert "INC-0001 ends at entry 12: entries were cut from the end" in result.stdout


def test_a_rehashed_chain_fails_the_expectation(path: Path):
    """An entry edited and every later hash recomputed: a whole chain, another head."""
    from irdesk.store.chain import entry_hash

    noted = head_of(path)
    conn = attacker(path)
    rows = conn.execute(
        "SELECT incident_id, seq, uid, kind, actor, role, occurred_at, recorded_at, "
        "backdate_reason, corrects, payload, prev_hash, hash FROM entries "
        "WHERE incident_id = 'INC-0001' ORDER BY seq"
    ).fetchall()
    prev = None
    for r in rows:
        payload = '{"text":"nothing happened"}' if r[1] == 5 else r[10]
        link = r[11] if prev is None else prev
        h = entry_hash(*r[:10], payload, link)
        conn.execute(
            "UPDATE entries SET payload = ?, prev_hash = ?, hash = ? "
            "WHERE incident_id = ? AND seq = ?",
            (payload, link, h, r[0], r[1]),
        )
        prev = h
    conn.execute("UPDATE incidents SET head_hash = ? WHERE id = 'INC-0001'", (prev,))
    cover_tracks(conn)
    assert run("--journal", str(path)).exit_code == 0  # a perfect forgery, inside the file
    result = run("--journal", str(path), "--expect", noted, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is True and data["expected"] == [noted]
    [unmet] = data["unmet"]
    assert unmet.startswith(f"{noted}: entry 12 of INC-0001 now hashes to {prev[:12]}…")


def test_expect_file_takes_heads_from_a_report_or_a_list(path: Path, tmp_path: Path):
    report = tmp_path / "report.md"
    report.write_text(
        f"# INC-0001 after-action report\n\nChain: intact, head {head_of(path)}\n",
        encoding="utf-8",
    )
    heads = tmp_path / "heads.txt"
    heads.write_text(f"{head_of(path, 'INC-0002')}\nINC-0003@1:{'0' * 64}\n", encoding="utf-8")
    assert run("--journal", str(path), "--expect-file", str(report)).exit_code == 0
    result = run("--journal", str(path), "--expect-file", str(report), "--expect-file", str(heads))
    assert result.exit_code == 1
    assert (
        f"  INC-0003@1:{'0' * 64}: the journal has no INC-0003 (removed, or this is another "
        "journal)"
    ) in result.stdout.splitlines()


@pytest.mark.parametrize(
    "value", ["INC-0001", "INC-0001@12:abc", "INC-0001@0:" + "a" * 64, "inc-1@2:" + "a" * 64]
)
def test_a_malformed_expectation_is_one_line(path: Path, value: str):
    assert_one_line_failure(run("--journal", str(path), "--expect", value), "is not a head")


def test_an_expect_file_without_heads_is_one_line(path: Path, tmp_path: Path):
    empty = tmp_path / "nothing.txt"
    empty.write_text("no heads here\n", encoding="utf-8")
    assert_one_line_failure(
        run("--journal", str(path), "--expect-file", str(empty)), "no heads in it"
    )
    assert_one_line_failure(
        run("--journal", str(path), "--expect-file", str(tmp_path / "missing.txt")),
        "cannot read",
    )


@pytest.mark.parametrize(
    "mistyped",
    ["INC-0002@4", "INC-0002@4:" + "a" * 63, "INC-0002@4:" + "a" * 64 + "9", "INC-0002@4:xyz"],
)
def test_a_mistyped_head_in_a_list_is_named_not_skipped(path: Path, tmp_path: Path, mistyped):
    """A list of three heads with one mistyped checked the other two and said nothing:
    one expectation fewer than the list, quietly. The line is named instead."""
    heads = tmp_path / "heads.txt"
    heads.write_text(
        f"{head_of(path)}\n# the second one, copied by hand\n{mistyped}\n", encoding="utf-8"
    )
    result = run("--journal", str(path), "--expect-file", str(heads))
    assert_one_line_failure(result, "is not a head")
    assert f"{heads}:line 3: " in result.stderr
