"""A write that fails is one clear line and exit 2, never a traceback, and loses nothing
already committed: the write lock held past the timeout, a full disk, a file the user may
only read, damaged pages, a named pipe given as the journal."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from irdesk.cli import main
from irdesk.formats.catalog import Catalog
from irdesk.services.desk import Desk
from irdesk.store import Journal

PLAYBOOK = Path(__file__).parents[1] / "fixtures" / "playbook-valid.yaml"


def run(*args: str):  # noqa: ANN201
    return CliRunner().invoke(main, list(args))


def one_line_exit_2(result, needle: str) -> None:  # noqa: ANN001
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith("irdesk: ") and result.stderr.count("\n") == 1, result.stderr
    assert needle in result.stderr, result.stderr
    assert "Traceback" not in result.output


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    """A journal with INC-0001 declared on a playbook of the tests' own, and a few notes."""
    path = tmp_path / "j.db"
    catalog = Catalog.load([(PLAYBOOK, False)])
    with Journal.open(path) as journal:
        desk = Desk(journal, catalog=catalog, actor="ada")
        playbook = next(iter(catalog.playbooks.values()))
        session = desk.declare(playbook, title="Failing writes", severity="SEV3", commander="Ada")
        for n in range(3):
            session.note(f"note {n}")
    return path


def entries(path: Path) -> list[str]:
    with Journal.open(path, readonly=True) as journal:
        return [e.hash for e in journal.entries("INC-0001")]


@pytest.mark.slow
def test_the_write_lock_held_too_long(journal_path: Path):
    before = entries(journal_path)
    holder = sqlite3.connect(journal_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process mid-write, for longer than 5 s
    try:
        result = run("log", "--journal", str(journal_path), "--incident", "INC-0001", "x")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    one_line_exit_2(result, f"journal {journal_path} is locked by another process (waited 5s)")
    assert entries(journal_path) == before


def test_a_full_disk(journal_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The journal's size limit stands in for a full disk (SQLite reports both alike)."""
    before = entries(journal_path)
    real_open = Journal.open

    def limited(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        journal = real_open(*args, **kwargs)
        pages = journal._conn.execute("PRAGMA page_count").fetchone()[0]
        journal._conn.execute(f"PRAGMA max_page_count = {pages}")
        return journal

    monkeypatch.setattr(Journal, "open", limited)
    result = run("log", "--journal", str(journal_path), "--incident", "INC-0001", "x" * 20000)
    one_line_exit_2(
        result, f"journal {journal_path} is full (disk full): the write was not recorded"
    )
    monkeypatch.undo()
    assert entries(journal_path) == before


def test_a_journal_that_cannot_be_written(journal_path: Path):
    """An immutable file (chattr +i: not even root may write it) stands in for a read-only
    file or medium: reading works, the write is refused in one line."""
    if shutil.which("chattr") is None:
        pytest.skip("needs chattr (e2fsprogs)")
    before = entries(journal_path)
    if subprocess.run(["chattr", "+i", str(journal_path)], check=False).returncode != 0:
        pytest.skip("this file system does not support immutable files")
    try:
        listed = run("list", "--journal", str(journal_path))
        assert listed.exit_code == 0 and "INC-0001" in listed.stdout, listed.output
        result = run("log", "--journal", str(journal_path), "--incident", "INC-0001", "x")
    finally:
        subprocess.run(["chattr", "-i", str(journal_path)], check=True)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith("irdesk: ") and result.stderr.count("\n") == 1
    assert "read-only" in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert entries(journal_path) == before


def test_damaged_pages(journal_path: Path):
    data = bytearray(journal_path.read_bytes())
    data[4096:] = b"\xde\xad\xbe\xef" * ((len(data) - 4096) // 4)  # every page but the first
    journal_path.write_bytes(bytes(data))
    result = run("log", "--journal", str(journal_path), "--incident", "INC-0001", "x")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("irdesk: ") and result.stderr.count("\n") == 1
    assert "damaged" in result.stderr or "not an irdesk journal" in result.stderr
    assert "Traceback" not in result.output


def test_a_named_pipe(tmp_path: Path):
    fifo = tmp_path / "j.db"
    os.mkfifo(fifo)
    for args in (["log", "--incident", "INC-0001", "x"], ["list"], ["verify"]):
        result = run(*args, "--journal", str(fifo))
        one_line_exit_2(result, f"{fifo} is a named pipe, not a journal file")


def test_the_installed_command_prints_one_line_when_locked(journal_path: Path):
    """The real entry point in a process of its own, with the lock held throughout."""
    if shutil.which("irdesk") is None:
        pytest.skip("irdesk is not installed on PATH")
    holder = sqlite3.connect(journal_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        done = subprocess.run(
            ["irdesk", "log", "--journal", str(journal_path), "--incident", "INC-0001", "x"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "locked by another process" in done.stderr
