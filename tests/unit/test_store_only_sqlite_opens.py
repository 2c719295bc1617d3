"""Nothing but SQLite opens a journal's files while this process has a connection to it.

Closing *any* descriptor of a file drops every POSIX lock the process holds on it,
SQLite's included: a plain ``open()``/``close()`` of the journal (a header check, a size
check, a copy) let another process believe it held the last connection, checkpoint and
delete the live ``-wal``, and the desk went on writing into an unlinked file. This test
watches every Python-level way of opening a file while each journal operation runs with
a journal already open, and fails on any open of the journal, its ``-wal`` or ``-shm``.
"""

from __future__ import annotations

import builtins
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from helpers_store import subprocess_env

from irdesk.domain.clock import FixedClock
from irdesk.formats.catalog import Catalog
from irdesk.services.desk import Desk
from irdesk.services.replay import chain_problem, open_replay
from irdesk.services.review import load_report
from irdesk.store import Journal

FIXTURE_PLAYBOOK = Path(__file__).parents[1] / "fixtures" / "playbook-valid.yaml"


class ForeignOpen(AssertionError):
    pass


@contextmanager
def watching(journal_path: Path) -> Iterator[list[str]]:
    """Fail (and record) any os.open / open / io.open of the journal's files."""
    watched = {str(journal_path.resolve()) + suffix for suffix in ("", "-wal", "-shm")}
    hits: list[str] = []
    real_os_open, real_open, real_io_open = os.open, builtins.open, io.open

    def check(target: object) -> None:
        if isinstance(target, int):
            return  # an already-open descriptor
        try:
            name = str(Path(os.fsdecode(target)).resolve())  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return
        if name in watched:
            hits.append(name)
            raise ForeignOpen(f"something other than SQLite opened {name}")

    def os_open(path, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        check(path)
        return real_os_open(path, *args, **kwargs)

    def py_open(file, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        check(file)
        return real_open(file, *args, **kwargs)

    os.open = os_open  # type: ignore[assignment]
    builtins.open = py_open  # type: ignore[assignment]
    io.open = py_open  # type: ignore[assignment]
    try:
        yield hits
    finally:
        os.open, builtins.open, io.open = real_os_open, real_open, real_io_open


@pytest.fixture
def worked(tmp_path: Path) -> tuple[Path, str]:
    """A journal with a closed incident that has a playbook of the tests' own."""
    clock = FixedClock()
    path = tmp_path / "journal.db"
    catalog = Catalog.load([(FIXTURE_PLAYBOOK, False)])
    with Journal.open(path, clock=clock) as journal:
        desk = Desk(journal, catalog=catalog, clock=clock, actor="ada")
        playbook = next(iter(catalog.playbooks.values()))
        session = desk.declare(playbook, title="Guarded", severity="SEV2", commander="Ada")
        for n in range(5):
            clock.advance(30)
            session.note(f"note {n}")
        clock.advance(timedelta(minutes=5))
        session.close("done")
        iid = session.incident_id
    return path, iid


def test_the_watch_catches_a_plain_open(tmp_path: Path):
    """The guard itself can fail: a plain open() of the journal is caught."""
    path = tmp_path / "j.db"
    path.write_bytes(b"")
    with watching(path) as hits, pytest.raises(ForeignOpen):
        with open(path, "rb"):
            pass
    assert hits == [str(path.resolve())]


def test_every_store_operation_leaves_the_files_to_sqlite(worked, tmp_path: Path):
    path, iid = worked
    catalog = Catalog.load([(FIXTURE_PLAYBOOK, False)])
    live = Journal.open(path)  # the desk's own connection, held throughout
    try:
        live.append(iid, "note", {"text": "the desk is open"}, actor="ada")
        with watching(path) as hits:
            with Journal.open(path, readonly=True) as ro:
                assert ro.verify().ok
            with Journal.open(path) as again:
                again.append(iid, "note", {"text": "a second handle"}, actor="lin")
                assert again.verify(workers=1).ok
            assert live.verify().ok
            with Journal.open(path, readonly=True) as ro:
                report = load_report(ro, iid, now=FixedClock().now(), catalog=catalog)
                report.close()
            replay = open_replay(path, iid, catalog)
            replay.seek(replay.total)
            replay.journal.close()
            assert chain_problem(path, iid) is None
            live.append(iid, "note", {"text": "still writing"}, actor="ada")
        assert hits == []
    finally:
        live.close()


def test_a_second_handle_never_unlinks_the_live_wal(worked):
    """The reproduction: a desk holds two handles, a shell appends and exits; the desk's
    -wal must still be the file on disk and its entries visible to everyone."""
    path, iid = worked
    live = Journal.open(path)
    try:
        live.append(iid, "note", {"text": "before"}, actor="ada")
        other = Journal.open(path, readonly=True)
        other.close()
        code = (
            "import sys\nfrom irdesk.store import Journal\n"
            "with Journal.open(sys.argv[1]) as j:\n"
            "    j.append(sys.argv[2], 'note', {'text': 'from a shell'}, actor='q')\n"
        )
        subprocess.run(
            [sys.executable, "-c", code, str(path), iid], check=True, env=subprocess_env()
        )
        assert deleted_journal_files(path) == []
        entry = live.append(iid, "note", {"text": "after"}, actor="ada")
        with Journal.open(path, readonly=True) as ro:
            assert ro.get_entry(iid, entry.seq) == entry
    finally:
        live.close()


def deleted_journal_files(path: Path) -> list[str]:
    """This process's descriptors that point at a deleted file of the journal."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(path)) and target.endswith("(deleted)"):
            found.append(target)
    return found
