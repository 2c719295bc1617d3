"""The journal file: creation, permissions, migrations, read-only opens, and bad journals.

Every bad journal gets a JournalError with one line of explanation, and nothing already in
the file is harmed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from irdesk.store import (
    SCHEMA_VERSION,
    Journal,
    JournalCorrupt,
    JournalError,
    JournalFull,
    JournalLocked,
    JournalNewerSchema,
    JournalNotFound,
    migrations,
)

try:
    from helpers_store import declare, journal_with_notes
except ImportError:  # tests/ as a package
    from tests.helpers_store import declare, journal_with_notes


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IRDESK_HOME", str(tmp_path / "home"))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def fingerprint(folder: Path) -> dict[str, tuple[int, int, str]]:
    """Every file in the folder: size, mtime and content hash."""
    return {
        p.name: (p.stat().st_size, p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(folder.iterdir())
    }


def one_line(exc: BaseException) -> str:
    text = str(exc)
    assert text and "\n" not in text and "Traceback" not in text
    return text


# ----------------------------------------------------------------------------- creation


def test_creation_is_private(tmp_path: Path):
    path = tmp_path / "a" / "b" / "journal.db"
    with Journal.open(path) as journal:
        declare(journal)
        assert mode(tmp_path / "a") == 0o700
        assert mode(tmp_path / "a" / "b") == 0o700
        assert mode(path) == 0o600
        for sidecar in ("journal.db-wal", "journal.db-shm"):
            assert mode(path.parent / sidecar) == 0o600


def test_existing_folder_is_not_chmodded(tmp_path: Path):
    os.chmod(tmp_path, 0o755)
    Journal.open(tmp_path / "j.db").close()
    assert mode(tmp_path) == 0o755
    assert mode(tmp_path / "j.db") == 0o600


def test_umask_is_restored(tmp_path: Path):
    old = os.umask(0o022)
    try:
        Journal.open(tmp_path / "j.db").close()
        assert os.umask(0o022) == 0o022
    finally:
        os.umask(old)


def test_pragmas(tmp_path: Path):
    with Journal.open(tmp_path / "j.db", timeout=2.5) as journal:
        conn = journal._conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 2500
        assert conn.isolation_level is None


def test_migrations_from_an_empty_file(tmp_path: Path):
    path = tmp_path / "j.db"
    path.touch()
    with Journal.open(path) as journal:
        assert journal.schema_version == SCHEMA_VERSION
        declare(journal)
    conn = sqlite3.connect(path)
    applied = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY id",
            (migrations.MIGRATION_SET,),
        )
    ]
    assert applied == [step.__name__ for step in migrations.STEPS]
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA application_id").fetchone()[0] == migrations.APPLICATION_ID
    triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    assert {"entries_no_update", "entries_no_delete"} <= triggers


def test_reopening_does_not_migrate_again(tmp_path: Path):
    path = tmp_path / "j.db"
    Journal.open(path).close()
    Journal.open(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == len(
        migrations.STEPS
    )


def downgrade_to_v1(path: Path) -> None:
    """Make a journal look like one written by an irdesk that knew only migration 1."""
    conn = sqlite3.connect(path, isolation_level=None)
    for name in (
        "entries_no_update",
        "entries_no_delete",
        "incidents_no_delete",
        "incidents_identity_fixed",
        "incidents_follow_chain",
    ):
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DROP INDEX entries_by_kind")
    conn.execute("DROP INDEX incidents_by_closed")
    conn.execute("DROP TABLE runtime")
    conn.execute("ALTER TABLE incidents DROP COLUMN chain")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name != 'm0001_journal'")
    conn.execute("PRAGMA user_version = 1")
    conn.close()


def test_older_journal_reads_readonly_and_migrates_on_write(tmp_path: Path):
    path = tmp_path / "j.db"
    [iid] = journal_with_notes(path, 4)
    downgrade_to_v1(path)
    before = fingerprint(tmp_path)
    with Journal.open(path, readonly=True) as ro:
        assert ro.schema_version == 1
        assert [e.seq for e in ro.entries(iid)] == [1, 2, 3, 4, 5]
        assert ro.verify().ok
    assert fingerprint(tmp_path) == before  # a read-only open migrates nothing
    with Journal.open(path) as journal:
        assert journal.schema_version == SCHEMA_VERSION
        journal.append(iid, "note.added", {}, actor="bob")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            journal._conn.execute("DELETE FROM entries")
        assert journal.verify().ok


def test_triggers_refuse_update_and_delete(tmp_path: Path):
    path = tmp_path / "j.db"
    [iid] = journal_with_notes(path, 2)
    conn = sqlite3.connect(path, isolation_level=None)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE entries SET payload = '{}' WHERE seq = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM entries WHERE seq = 3")
    with pytest.raises(sqlite3.IntegrityError, match="cannot be deleted"):
        conn.execute("DELETE FROM incidents")
    with pytest.raises(sqlite3.IntegrityError, match="identity"):
        conn.execute("UPDATE incidents SET playbook_sha256 = 'x'")
    with pytest.raises(sqlite3.IntegrityError, match="follows its chain"):
        conn.execute("UPDATE incidents SET status = 'closed'")  # the record follows its chain
    assert conn.execute("SELECT count(*) FROM entries").fetchone()[0] == 3


def test_concurrent_first_opens_migrate_once(tmp_path: Path):
    import threading

    path = tmp_path / "new" / "j.db"
    errors: list[BaseException] = []

    def opener() -> None:
        try:
            Journal.open(path, timeout=10).close()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == len(
        migrations.STEPS
    )


def test_the_schema_is_read_in_one_snapshot(tmp_path: Path, monkeypatch):
    """Another first open may commit the migrations at any moment while this one reads the
    schema of the new, empty file: what it reads must all come from before, or all from
    after, never a version of 0 beside the tables the migrations made (which looks like
    someone else's database). The other open is made to commit right after the first read
    that sees the version."""
    path = tmp_path / "j.db"
    real_connect = sqlite3.connect
    migrated: list[int] = []

    class Interleaved(sqlite3.Connection):
        def execute(self, sql, *args):  # noqa: ANN001, ANN202
            cursor = super().execute(sql, *args)
            if "user_version" not in sql or migrated:
                return cursor
            rows = cursor.fetchall()  # this read is done; now the other open commits
            monkeypatch.setattr(sqlite3, "connect", real_connect)
            with Journal.open(path) as other:
                migrated.append(other.schema_version)
            return Rows(rows)

    class Rows(list):
        def fetchone(self):  # noqa: ANN202
            return self[0] if self else None

        def fetchall(self):  # noqa: ANN202
            return list(self)

    def connect(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        return real_connect(*args, factory=Interleaved, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)
    with Journal.open(path) as journal:
        assert migrated == [SCHEMA_VERSION]
        assert journal.schema_version == SCHEMA_VERSION


# ----------------------------------------------------------------------------- read-only


def test_readonly_open_changes_nothing(tmp_path: Path):
    path = tmp_path / "j.db"
    [iid] = journal_with_notes(path, 30)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["j.db"]  # checkpointed on close
    before = fingerprint(tmp_path)
    with Journal.open(path, readonly=True) as ro:
        assert len(list(ro.entries(iid, page_size=7))) == 31
        assert ro.incidents()[0].id == iid
        assert ro.verify().ok
        assert not ro.has_changed()
        assert "immutable=1" in ro._uri
    assert fingerprint(tmp_path) == before  # same files, bytes and mtimes: no -wal, no -shm


def test_readonly_sees_uncheckpointed_wal(tmp_path: Path):
    """A writer still has entries only in the -wal: a read-only open must see them."""
    path = tmp_path / "j.db"
    writer = Journal.open(path)
    rec = declare(writer)
    for n in range(5):
        writer.append(rec.id, "note.added", {"n": n}, actor="bob")
    assert (tmp_path / "j.db-wal").stat().st_size > 0
    with Journal.open(path, readonly=True) as ro:
        assert "immutable=1" not in ro._uri
        assert ro.last_seq(rec.id) == 6
        writer.append(rec.id, "note.added", {"n": 6}, actor="bob")
        assert ro.has_changed() and ro.last_seq(rec.id) == 7  # a live reader
        assert ro.verify().ok

    # A copy taken while the writer was running (db + wal, no -shm): still complete.
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(path, copy / "j.db")
    shutil.copy(tmp_path / "j.db-wal", copy / "j.db-wal")
    writer.close()
    with Journal.open(copy / "j.db", readonly=True) as ro:
        assert ro.last_seq(rec.id) == 7 and ro.verify().ok
    assert (copy / "j.db-wal").exists()  # nothing was checkpointed into the copy


def test_readonly_is_not_immutable_while_a_writer_is_connected(tmp_path: Path):
    """An idle writer has an empty -wal but a -shm: a reader must still use WAL locking,
    so that a checkpoint when the writer closes cannot hand it torn pages."""
    path = tmp_path / "j.db"
    [iid] = journal_with_notes(path, 2)
    with Journal.open(path) as writer:
        writer.data_version()
        assert (tmp_path / "j.db-shm").exists()
        with Journal.open(path, readonly=True) as ro:
            assert "immutable=1" not in ro._uri
            writer.append(iid, "note.added", {}, actor="bob")
            assert ro.has_changed() and ro.last_seq(iid) == 4


def test_readonly_never_creates(tmp_path: Path):
    with pytest.raises(JournalNotFound, match="no journal at"):
        Journal.open(tmp_path / "missing.db", readonly=True)
    with pytest.raises(JournalNotFound):
        Journal.open(tmp_path / "missing.db", create=False)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("missing")] == []


# ----------------------------------------------------------------------------- bad journals


def test_not_a_sqlite_file(tmp_path: Path):
    path = tmp_path / "j.db"
    path.write_text("incident notes\n" * 100)
    before = fingerprint(tmp_path)
    for readonly in (False, True):
        with pytest.raises(JournalCorrupt, match="not a SQLite file") as info:
            Journal.open(path, readonly=readonly)
        one_line(info.value)
    assert fingerprint(tmp_path) == before


def test_empty_file_readonly(tmp_path: Path):
    path = tmp_path / "j.db"
    path.touch()
    with pytest.raises(JournalCorrupt, match="empty") as info:
        Journal.open(path, readonly=True)
    one_line(info.value)
    with pytest.raises(JournalCorrupt, match="empty"):
        Journal.open(path, create=False)
    assert path.stat().st_size == 0


def test_tiny_truncated_file(tmp_path: Path):
    path = tmp_path / "j.db"
    path.write_bytes(b"SQLite format 3\x00\x10\x00")
    with pytest.raises(JournalCorrupt, match="truncated"):
        Journal.open(path)


def test_truncated_journal(tmp_path: Path):
    path = tmp_path / "j.db"
    [iid] = journal_with_notes(path, 300)
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.truncate(size // 2)
    before = fingerprint(tmp_path)
    with pytest.raises(JournalCorrupt, match="damaged") as info:
        with Journal.open(path, readonly=True) as ro:
            ro.verify()
    one_line(info.value)
    assert fingerprint(tmp_path) == before


def test_damaged_pages(tmp_path: Path):
    path = tmp_path / "j.db"
    journal_with_notes(path, 300)
    data = bytearray(path.read_bytes())
    data[4096 * 3 : 4096 * 5] = b"\xde\xad\xbe\xef" * 2048  # scribble over two pages
    path.write_bytes(bytes(data))
    with pytest.raises(JournalCorrupt) as info:
        with Journal.open(path, readonly=True) as ro:
            ro.verify()
    one_line(info.value)


def test_directory_instead_of_file(tmp_path: Path):
    folder = tmp_path / "j.db"
    folder.mkdir()
    for readonly in (False, True):
        with pytest.raises(JournalError, match="is a directory") as info:
            Journal.open(folder, readonly=readonly)
        one_line(info.value)


def test_newer_schema(tmp_path: Path):
    path = tmp_path / "j.db"
    journal_with_notes(path, 2)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 7")
    conn.commit()
    conn.close()
    before = fingerprint(tmp_path)
    for readonly in (False, True):
        with pytest.raises(JournalNewerSchema) as info:
            Journal.open(path, readonly=readonly)
        assert one_line(info.value) == (
            f"journal {path} was written by a newer irdesk (schema 7, this irdesk knows "
            f"{SCHEMA_VERSION}); upgrade irdesk"
        )
    assert fingerprint(tmp_path) == before


def test_other_programs_database_is_left_alone(tmp_path: Path):
    path = tmp_path / "notes.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.commit()
    conn.close()
    before = fingerprint(tmp_path)
    with pytest.raises(JournalCorrupt, match="not an irdesk journal"):
        Journal.open(path)
    with pytest.raises(JournalCorrupt, match="not an irdesk journal"):
        Journal.open(path, readonly=True)
    assert fingerprint(tmp_path) == before  # not even switched to WAL


def test_locked_journal(tmp_path: Path):
    path = tmp_path / "j.db"
    [iid] = journal_with_notes(path, 2)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another responder mid-write, for too long
    with Journal.open(path, timeout=0.2) as journal:
        with pytest.raises(JournalLocked) as info:
            journal.append(iid, "note.added", {}, actor="bob")
        assert one_line(info.value) == (
            f"journal {path} is locked by another process (waited 0.2s)"
        )
        assert journal.incident(iid).last_seq == 3  # readers are not blocked (WAL)
        holder.execute("ROLLBACK")
        journal.append(iid, "note.added", {}, actor="bob")  # and it recovers
        assert journal.last_seq(iid) == 4


def test_exclusively_locked_journal(tmp_path: Path):
    path = tmp_path / "j.db"
    journal_with_notes(path, 2)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO runtime VALUES ('test', 'k', 'v', 'now')")
    holder.execute("COMMIT")  # the exclusive lock is kept, and the -wal has the change
    assert (tmp_path / "j.db-wal").stat().st_size > 0
    for readonly in (False, True):
        with pytest.raises(JournalLocked, match="locked by another process"):
            Journal.open(path, readonly=readonly, timeout=0.2).verify()
    holder.close()
    with Journal.open(path, readonly=True) as ro:
        assert ro.verify().ok


def test_disk_full_fails_visibly_and_keeps_earlier_entries(tmp_path: Path):
    path = tmp_path / "j.db"
    with Journal.open(path) as journal:
        rec = declare(journal)
        pages = journal._conn.execute("PRAGMA page_count").fetchone()[0]
        journal._conn.execute(f"PRAGMA max_page_count = {pages + 4}")
        acknowledged = []
        with pytest.raises(JournalFull) as info:
            for n in range(200):
                acknowledged.append(
                    journal.append(rec.id, "note.added", {"n": n, "text": "x" * 3000}, actor="bob")
                )
        assert "full" in one_line(info.value)
        assert acknowledged  # some made it before the disk filled up
        assert not journal._conn.in_transaction
        assert journal.last_seq(rec.id) == len(acknowledged) + 1
        journal.append(rec.id, "note.added", {"text": "short"}, actor="bob")  # still usable
    with Journal.open(path) as journal:
        assert [e.hash for e in journal.entries(rec.id)][1 : len(acknowledged) + 1] == [
            e.hash for e in acknowledged
        ]
        assert journal._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert journal.verify().ok


def test_unwritable_location(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(JournalError) as info:
        Journal.open(blocker / "sub" / "j.db")
    one_line(info.value)


def test_store_at_work_imports_no_ui_and_no_sqlite_utils(tmp_path: Path):
    """In a fresh interpreter: opening an up-to-date journal, appending and verifying
    imports neither textual nor rich, nor even sqlite_utils (only migrations need it)."""
    import json
    import subprocess

    try:
        from helpers_store import python, subprocess_env
    except ImportError:
        from tests.helpers_store import python, subprocess_env

    path = tmp_path / "j.db"
    journal_with_notes(path, 2)
    code = (
        "import json, sys\n"
        "from irdesk.store import Journal\n"
        "with Journal.open(sys.argv[1]) as j:\n"
        "    j.append('INC-0001', 'note.added', {}, actor='x')\n"
        "    assert j.verify().ok\n"
        "print(json.dumps(sorted(m for m in sys.modules\n"
        "      if m.split('.')[0] in ('textual', 'rich', 'sqlite_utils'))))\n"
    )
    done = subprocess.run(
        [python(), "-c", code, str(path)],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


# ----------------------------------------------------------------------------- odd files


def test_named_pipe_is_refused_without_hanging(tmp_path: Path):
    """A FIFO given as the journal used to hang the command (open() blocks on a pipe
    with no writer); it is a one-line error, for reading and for writing."""
    fifo = tmp_path / "j.db"
    os.mkfifo(fifo)
    for readonly in (False, True):
        with pytest.raises(JournalError, match="is a named pipe, not a journal file") as info:
            Journal.open(fifo, readonly=readonly, timeout=0.2)
        one_line(info.value)


def test_symlink_to_a_missing_file_is_refused_not_followed(tmp_path: Path):
    link = tmp_path / "journal.db"
    target = tmp_path / "elsewhere" / "real.db"
    link.symlink_to(target)
    with pytest.raises(JournalError, match="symbolic link to .*does not exist") as info:
        Journal.open(link)
    one_line(info.value)
    assert not target.exists() and not target.parent.exists()


def test_symlink_to_a_journal_is_followed(tmp_path: Path):
    real = tmp_path / "real.db"
    [iid] = journal_with_notes(real, 2)
    link = tmp_path / "journal.db"
    link.symlink_to(real)
    with Journal.open(link) as journal:
        assert journal.last_seq(iid) == 3


def test_loose_permissions_are_warned_about(tmp_path: Path):
    path = tmp_path / "j.db"
    journal_with_notes(path, 1)
    with Journal.open(path) as journal:
        assert journal.warnings == []
    os.chmod(path, 0o644)
    for readonly in (False, True):
        with Journal.open(path, readonly=readonly) as journal:
            [warning] = journal.warnings
            assert warning == (
                f"journal {path} can be read by others (mode 0644); it names people and "
                f"holds incident details: chmod 600 {path}"
            )


def test_sidecars_are_never_looser_than_the_journal(tmp_path: Path):
    path = tmp_path / "j.db"
    [iid] = journal_with_notes(path, 1)
    with Journal.open(path) as writer:
        writer.append(iid, "note", {"text": "keeps the -wal and -shm"}, actor="a")
        for suffix in ("-wal", "-shm"):
            os.chmod(f"{path}{suffix}", 0o666)
        with Journal.open(path) as second:
            second.append(iid, "note", {"text": "x"}, actor="b")
        for suffix in ("-wal", "-shm"):
            assert mode(Path(f"{path}{suffix}")) == 0o600
