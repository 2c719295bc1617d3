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
from irdesk.store import Journal

try:
    from helpers_store import attacker, journal_with_notes, python, subprocess_env, swap
except ImportError:  # tests/ as a package
    from tests.helpers_store import attacker, journal_with_notes, python, subprocess_env, swap


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
        "heads:",
        f"  INC-0001  {heads['INC-0001']}",
        f"  INC-0002  {heads['INC-0002']}",
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
    attacker(path).execute("DELETE FROM entries WHERE incident_id = 'INC-0001' AND seq = 4")
    assert run("--journal", str(path), "INC-0002").exit_code == 0
    assert run("--journal", str(path), "INC-0001").exit_code == 1
    assert_one_line_failure(run("--journal", str(path), "INC-0404"), "no incident INC-0404")


def test_json_format(path: Path):
    attacker(path).execute("DELETE FROM entries WHERE incident_id = 'INC-0001' AND seq = 12")
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
        run("--journal", str(path)), "was written by a newer irdesk (schema 9, this irdesk knows 2)"
    )


def test_locked_journal(path: Path):
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("UPDATE incidents SET status = 'busy'")
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
