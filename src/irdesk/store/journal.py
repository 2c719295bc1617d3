"""The journal: an append-only, hash-chained, crash-safe SQLite file.

**Nothing but SQLite opens a journal's files** (the database, its ``-wal`` and ``-shm``),
in any irdesk process, on any path: header checks, size checks, copies, permission
checks. On POSIX, closing *any* descriptor of a file drops every advisory lock the process
holds on it, SQLite's included ("How To Corrupt An SQLite Database File", section 2.2).
One plain ``open()``/``close()`` while this process has a connection lets another process
believe it holds the last connection, checkpoint, and delete the live ``-wal`` under us.
So files are judged by ``stat``/``lstat`` (type, size, mode), changed only by name
(``chmod``), and read only through SQLite, which reports a file that is not a database.
``tests/test_store_only_sqlite_opens.py`` watches for any other open while every store
operation runs.

Durability: every write is ``BEGIN IMMEDIATE`` → read the chain head → insert → ``COMMIT``
on a WAL journal with ``synchronous=FULL``; a method returns only after COMMIT, so whatever
the caller was told is on disk and survives a crash or ``kill -9``. Several processes may
append to one journal: ``BEGIN IMMEDIATE`` serialises them (waiting up to ``timeout``
seconds for the write lock, then :class:`JournalLocked`).

Threads: a :class:`Journal` owns one sqlite3 connection, usable only from the thread that
opened it (sqlite3's default check). Open one Journal per thread.

Read-only opens never write to the journal. The database is opened with the URI
``mode=ro``, and also with ``immutable=1`` when no connection can be using it (there is no
``-wal`` with content and no ``-shm``: the last connection closed cleanly, or the journal
is a copy, or on read-only media). Immutable means SQLite skips locking and the sidecar
files entirely, so such an open creates no file and leaves every byte and mtime as it was.
Otherwise a writer is connected (or crashed) and entries may sit only in the ``-wal``:
then the reader takes part in WAL locking, which may create or update the ``-shm``
wal-index (a transient shared-memory index, never journal content; on read-only media
SQLite keeps it in private memory) but never writes the journal or its ``-wal``. An
immutable open does not notice writes that start after it; live views should open
read-write (``readonly=False``), which is how ``has_changed()`` sees other writers.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import stat
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

from irdesk.domain.clock import Clock, SystemClock, format_ts, parse_ts, to_utc
from irdesk.domain.entry import Entry
from irdesk.store import migrations, summary
from irdesk.store import seals as seals_format
from irdesk.store.chain import GENESIS_HASH, canonical_json, entry_hash
from irdesk.store.errors import (
    JournalCorrupt,
    JournalError,
    JournalLocked,
    JournalNewerSchema,
    JournalNotFound,
    JournalReadOnly,
    UnknownIncident,
    is_busy,
    translate,
)
from irdesk.store.records import DESK_ID, Expectation, IncidentRecord, VerifyReport
from irdesk.store.seals import Seal
from irdesk.store.verify import IDENTITY_FIELDS, verify_journal

MODES = ("live", "drill")
#: id prefixes by chain and mode
ID_PREFIXES = {"incident": {"live": "INC", "drill": "DRL"}, "finding": {"live": "FND"}}
GENESIS = frozenset(summary.GENESIS_KINDS.values())
DESK_OPENED = summary.DESK_OPENED
#: the desk-chain entry written when a read-write open put the journal's triggers back
REPAIRED = "journal.repaired"
_DESK_META: dict[str, Any] = {
    "mode": "live",
    "chain": "desk",
    "title": "The desk",
    "severity": "-",
    "playbook_id": "desk",
    "playbook_version": "1",
    "playbook_sha256": GENESIS_HASH,
    "scenario_id": None,
    "scenario_sha256": None,
}
#: occurred_at may trail recorded_at by this much before it counts as backdated.
BACKDATE_TOLERANCE = timedelta(seconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: A SQLite file's header is this long; a shorter non-empty file cannot be a journal.
_SQLITE_HEADER = 100
_FILE_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)

_ENTRY_COLS = (
    "incident_id, seq, uid, kind, actor, role, occurred_at, recorded_at, backdate_reason, "
    "corrects, payload, prev_hash, hash"
)
#: an incident's entry rows as :meth:`Journal.entries` pages them: the incident is known,
#: and the fields a fold never reads come last, so it can leave them out (``_FOLD_COLS``:
#: even a constant in their place cost a sixth of reading the rows)
_FOLD_COLS = "seq, kind, actor, role, occurred_at, recorded_at, backdate_reason, corrects, payload"
_PAGE_COLS = f"{_FOLD_COLS}, uid, prev_hash, hash"
_INSERT_ENTRY = f"INSERT INTO entries ({_ENTRY_COLS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
_READ_HEAD = "SELECT last_seq, head_hash FROM incidents WHERE id = ?"
_UPDATE_HEAD = (
    "UPDATE incidents SET last_seq = ?, head_hash = ?, updated_at = ?, entry_count = ? WHERE id = ?"
)
_INCIDENT_COLS = (
    "id, mode, title, severity, status, playbook_id, playbook_version, playbook_sha256, "
    "scenario_id, scenario_sha256, created_at, updated_at, closed_at, last_seq, head_hash, "
    "entry_count, chain"
)
#: what an older journal (before migration 3, read-only) is read with: all incidents
_INCIDENT_COLS_V2 = _INCIDENT_COLS.replace("chain", "'incident' AS chain")
# the schema version, the application id and the tables, one row per table (one snapshot)
_SCHEMA_SQL = (
    "SELECT user_version, application_id, name FROM pragma_user_version, pragma_application_id "
    "LEFT JOIN sqlite_master ON type = 'table' AND name NOT LIKE 'sqlite_%'"
)


@contextmanager
def _private_umask() -> Iterator[None]:
    """Files and folders created meanwhile (journal, -wal, -shm) are owner-only."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def _format_utc(when: datetime) -> str:
    """format_ts() for an aware UTC datetime, without strftime (this is on the append
    path; tests check it agrees with irdesk.domain.clock.format_ts)."""
    return (
        f"{when.year:04d}-{when.month:02d}-{when.day:02d}T{when.hour:02d}:{when.minute:02d}:"
        f"{when.second:02d}.{when.microsecond // 1000:03d}Z"
    )


_fromisoformat = datetime.fromisoformat
_loads = json.loads
# the scanner json.loads runs (C); typeshed does not describe JSONDecoder.scan_once
_scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
_new_object = object.__new__
_set_attribute = object.__setattr__


def _json(text: str) -> Any:
    """json.loads() of a stored payload. Payloads are stored as canonical JSON (no
    whitespace around them), so the scanner reads them directly, without json.loads'
    checks and whitespace matching; anything else takes json.loads itself, errors too."""
    try:
        value, end = _scan(text, 0)
    except (StopIteration, TypeError, ValueError):
        return _loads(text)
    return value if end == len(text) else _loads(text)


def _uid() -> str:
    """``uuid.uuid4().hex``, without building a UUID object (on every append)."""
    n = int.from_bytes(os.urandom(16))
    return f"{n & _UUID4_CLEAR | _UUID4_SET:032x}"


#: the bits uuid4 fixes: the version (4) and the RFC 4122 variant
_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)


def _time(text: str) -> datetime:
    """parse_ts() of a stored time; the canonical ``...Z`` form without its detour (this is
    on every read of every entry)."""
    value = _fromisoformat(text)
    return value if value.tzinfo is UTC else parse_ts(text)


def _entry(
    incident_id: str,
    seq: int,
    uid: str,
    kind: str,
    actor: str,
    occurred_at: datetime,
    recorded_at: datetime,
    payload: dict[str, Any],
    role: str | None,
    backdate_reason: str | None,
    corrects: int | None,
    prev_hash: str,
    hash: str,
) -> Entry:
    """``Entry(...)`` of values the store has just read or written, built without the
    frozen dataclass's ``__init__`` (one ``object.__setattr__`` per field: most of the cost
    of reading an entry). Equal to the Entry the constructor builds (a test checks)."""
    entry = _new_object(Entry)
    _set_attribute(
        entry,
        "__dict__",
        {
            "incident_id": incident_id,
            "seq": seq,
            "uid": uid,
            "kind": kind,
            "actor": actor,
            "occurred_at": occurred_at,
            "recorded_at": recorded_at,
            "payload": payload,
            "role": role,
            "backdate_reason": backdate_reason,
            "corrects": corrects,
            "prev_hash": prev_hash,
            "hash": hash,
            "damage": None,
        },
    )
    return entry


def _entry_from_row(row: tuple[Any, ...], fallback: datetime | None = None) -> Entry:
    """An Entry from its row. A row that cannot be read as written (tampered, or written by
    something other than irdesk) still becomes an Entry, marked ``damage``, with an empty
    payload and, for a time that does not parse, the other time of the row, else
    ``fallback`` (the previous entry's), else the epoch: one bad entry never stops a
    reader, and every reader shows it in place."""
    (iid, seq, uid, kind, actor, role, occ, rec, reason, corrects, payload, prev, h) = row
    try:
        recorded = _time(rec)
        occurred = recorded if occ == rec else _time(occ)
        data = _json(payload)
    except (TypeError, ValueError):
        return _damaged_entry(row, fallback)
    if type(data) is not dict:
        return _damaged_entry(row, fallback)
    return _entry(
        iid, seq, uid, kind, actor, occurred, recorded, data, role, reason, corrects, prev, h
    )


def _by_position(row: tuple[Any, ...]) -> tuple[str, int]:
    """An entry row's place: (incident, seq) (a seq that is not a number, in a journal
    rebuilt by hand, sorts first rather than failing)."""
    return str(row[0]), row[1] if type(row[1]) is int else 0


def _damaged_entry(row: tuple[Any, ...], fallback: datetime | None) -> Entry:
    (iid, seq, uid, kind, actor, role, occ, rec, reason, corrects, payload, prev, h) = row
    problems = []
    times: list[datetime | None] = []
    for name, text in (("occurred_at", occ), ("recorded_at", rec)):
        try:
            times.append(_time(text))
        except (TypeError, ValueError):
            times.append(None)
            problems.append(f"its {name} {str(text)[:40]!r} is not a time")
    try:
        data = json.loads(payload)
        if not isinstance(data, dict):
            problems.append("its payload is not a JSON object")
    except (TypeError, ValueError):
        problems.append("its payload is not JSON")
    stand_in = next((t for t in times if t is not None), None) or fallback or _EPOCH
    return Entry(
        incident_id=iid,
        seq=seq,
        uid=str(uid),
        kind=str(kind),
        actor=str(actor),
        occurred_at=times[0] or stand_in,
        recorded_at=times[1] or stand_in,
        payload={},
        role=role if isinstance(role, str) else None,
        backdate_reason=reason if isinstance(reason, str) else None,
        corrects=corrects if isinstance(corrects, int) else None,
        prev_hash=str(prev),
        hash=str(h),
        damage="; ".join(problems),
    )


def _incident_from_row(row: tuple[Any, ...]) -> IncidentRecord:
    (
        iid,
        mode,
        title,
        severity,
        status,
        pb_id,
        pb_version,
        pb_sha,
        sc_id,
        sc_sha,
        created,
        updated,
        closed,
        last_seq,
        head,
        count,
        chain,
    ) = row
    return IncidentRecord(
        id=iid,
        mode=mode,
        title=title,
        severity=severity,
        status=status,
        playbook_id=pb_id,
        playbook_version=pb_version,
        playbook_sha256=pb_sha,
        scenario_id=sc_id,
        scenario_sha256=sc_sha,
        created_at=parse_ts(created),
        updated_at=parse_ts(updated),
        closed_at=parse_ts(closed) if closed else None,
        last_seq=last_seq,
        head_hash=head,
        entry_count=count,
        chain=chain,
    )


def _text(name: str, value: object, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string, not {value!r}")
    return value


def _inspect_path(path: Path) -> int | None:
    """The size of the journal file at ``path`` (None if there is none), or a JournalError.

    Uses ``lstat``/``stat`` only, never ``open()``: closing any descriptor of a database
    file drops every POSIX lock this process holds on it, SQLite's included (see the
    module docstring), so nothing but SQLite may open a journal's files.
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise JournalError(f"cannot open journal {path}: {exc.strerror}") from exc
    if stat.S_ISLNK(info.st_mode):
        try:
            info = os.stat(path)
        except FileNotFoundError:
            target = os.readlink(path)
            raise JournalError(
                f"{path} is a symbolic link to {target}, which does not exist; "
                "refusing to create a journal through it"
            ) from None
        except OSError as exc:
            raise JournalError(f"cannot open journal {path}: {exc.strerror}") from exc
    if stat.S_ISDIR(info.st_mode):
        raise JournalError(f"{path} is a directory, not a journal file")
    for test, what in _FILE_KINDS:
        if test(info.st_mode):
            raise JournalError(f"{path} is {what}, not a journal file")
    if not os.access(path, os.R_OK):
        raise JournalReadOnly(f"cannot read journal {path}: permission denied")
    return info.st_size


class Journal:
    """One open journal file. Use :meth:`open`; close it (or use ``with``)."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path,
        *,
        clock: Clock,
        readonly: bool,
        timeout: float,
        uri: str,
    ) -> None:
        self._conn = conn
        self.path = path
        self.clock = clock
        self.readonly = readonly
        self.timeout = timeout
        self._uri = uri  # how a reader (e.g. a verify worker) opens the same journal
        self._own_writes = 0
        self._depth = 0  # write transactions open on this connection (transaction() nests)
        self._seen_writes = 0
        self._seen_version: int | None = None
        self._readers: dict[str, tuple[int, int]] = {}  # has_changed(reader): what each saw
        self.schema_version = 0
        self._cols = _INCIDENT_COLS
        self._kind_index = False  # whether the journal has its index of entries by kind
        #: one-line warnings about the file (loose permissions) for the caller to show
        self.warnings: list[str] = []

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        clock: Clock | None = None,
        readonly: bool = False,
        create: bool = True,
        timeout: float = 5.0,
    ) -> Journal:
        """Open (and with ``create``, create and migrate) the journal at ``path``.

        Raises a :class:`JournalError` subclass with a one-line message for every bad
        journal: missing, a directory, empty, not SQLite, damaged, from a newer irdesk,
        read-only, or locked for longer than ``timeout`` seconds.
        """
        path = Path(path).expanduser()
        clock = clock if clock is not None else SystemClock()
        size = _inspect_path(path)
        if size is None and (readonly or not create):
            raise JournalNotFound(f"no journal at {path}")
        if size == 0 and (readonly or not create):
            raise JournalCorrupt(f"journal {path} is empty (0 bytes): it holds no journal")
        if readonly:
            journal = cls._open_readonly(path, clock, timeout, size)
        else:
            journal = cls._open_readwrite(path, clock, timeout, size)
        journal._check_modes()
        return journal

    @classmethod
    def _open_readwrite(cls, path: Path, clock: Clock, timeout: float, size: int | None) -> Journal:
        creating = size is None
        guard = _private_umask() if creating else nullcontext()
        with guard:
            if creating:
                try:
                    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    os.close(fd)  # no connection to this new file exists yet
                except FileExistsError:
                    pass  # another process created it a moment ago: just open it
                except OSError as exc:
                    raise JournalReadOnly(f"cannot create journal {path}: {exc.strerror}") from exc
            uri = "file:" + quote(os.path.abspath(path)) + "?mode=ro"
            try:
                conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
            except sqlite3.Error as exc:
                raise translate(exc, path, timeout=timeout) from exc
            journal = cls(conn, path, clock=clock, readonly=False, timeout=timeout, uri=uri)
            try:
                journal._prepare(size)
            except BaseException:
                conn.close()
                raise
        return journal

    @classmethod
    def _open_readonly(cls, path: Path, clock: Clock, timeout: float, size: int | None) -> Journal:
        # immutable=1 only when no connection can be using the journal: no -wal with
        # content and no -shm. A writer that is connected (or crashed) leaves a -shm; then
        # the reader must take part in WAL locking, or a checkpoint running under it could
        # hand it a torn page.
        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
        try:
            live_wal = (wal.exists() and wal.stat().st_size > 0) or shm.exists()
        except OSError:
            live_wal = True
        uri = "file:" + quote(os.path.abspath(path)) + "?mode=ro"
        if not live_wal:
            uri += "&immutable=1"
        with _private_umask():  # in case SQLite creates a -shm index for a live WAL
            try:
                conn = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
            except sqlite3.Error as exc:
                raise translate(exc, path, timeout=timeout) from exc
            journal = cls(conn, path, clock=clock, readonly=True, timeout=timeout, uri=uri)
            try:
                journal._prepare(size)
            except BaseException:
                conn.close()
                raise
        return journal

    def _prepare(self, size: int | None) -> None:
        """Let SQLite judge the file (it alone reads it), with a clearer word for a file
        too short to hold even a header."""
        try:
            self._retry_busy(self._prepare_readonly if self.readonly else self._prepare_readwrite)
        except JournalCorrupt:
            if size is not None and 0 < size < _SQLITE_HEADER:
                raise JournalCorrupt(
                    f"journal {self.path} is truncated or not a journal ({size} bytes, "
                    "shorter than a SQLite header)"
                ) from None
            raise

    def _check_modes(self) -> None:
        """Warn about a journal others can read or write, and keep its -wal/-shm no looser
        than the database (``chmod`` by name: no descriptor is opened)."""
        try:
            mode = stat.S_IMODE(os.stat(self.path).st_mode)
        except OSError:
            return
        if mode & 0o077:
            self.warnings.append(
                f"journal {self.path} can be read by others (mode {mode:04o}); "
                f"it names people and holds incident details: chmod 600 {self.path}"
            )
        for suffix in ("-wal", "-shm"):
            side = f"{self.path}{suffix}"
            try:
                side_mode = stat.S_IMODE(os.stat(side).st_mode)
                if side_mode & ~mode:
                    os.chmod(side, side_mode & mode)
            except OSError:
                continue  # absent (or not ours to change): SQLite creates it like the journal

    def _schema_check(self) -> int:
        """Read the schema version; refuse newer journals and foreign databases.

        One statement, so one snapshot: another first open may commit the migrations
        between two reads, and a version of 0 beside the tables they made would look like
        someone else's database.
        """
        rows = self._conn.execute(_SCHEMA_SQL).fetchall()
        version: int = rows[0][0]
        app_id = rows[0][1]
        if version > migrations.SCHEMA_VERSION:
            raise JournalNewerSchema(
                f"journal {self.path} was written by a newer irdesk (schema {version}, "
                f"this irdesk knows {migrations.SCHEMA_VERSION}); upgrade irdesk"
            )
        if app_id not in (0, migrations.APPLICATION_ID):
            raise JournalCorrupt(
                f"{self.path} is a SQLite database of another program, not an irdesk journal"
            )
        if version == 0:
            tables = {name for _, _, name in rows if name is not None}
            ours = {"incidents", "entries", "_sqlite_migrations"}
            if tables and not tables <= ours:
                raise JournalCorrupt(f"{self.path} is a SQLite database but not an irdesk journal")
        return version

    def _has_index(self, name: str) -> bool:
        return (
            self._conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)
            ).fetchone()
            is not None
        )

    def _prepare_readwrite(self) -> None:
        conn = self._conn
        with self._errors():
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            version = self._schema_check()
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if mode.lower() != "wal":
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if mode.lower() != "wal":
                    raise JournalError(f"journal {self.path}: cannot switch to WAL mode")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            if version < migrations.SCHEMA_VERSION:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    version = self._schema_check()  # someone may have migrated meanwhile
                    if version < migrations.SCHEMA_VERSION:
                        version = migrations.apply(conn)
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            self.schema_version = version
            self._kind_index = self._has_index("entries_by_kind")
        self._repair_triggers()
        self._seen_version = self.data_version()

    def _prepare_readonly(self) -> None:
        conn = self._conn
        with self._errors():
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            version = self._schema_check()
            has_entries = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'entries'"
            ).fetchone()
            if version == 0 and has_entries is None:
                raise JournalCorrupt(
                    f"{self.path} is not an irdesk journal (it has no journal tables)"
                )
            self.schema_version = version
            self._kind_index = self._has_index("entries_by_kind")
            if version < 3:
                self._cols = _INCIDENT_COLS_V2
            self._seen_version = self.data_version()

    # ------------------------------------------------------------------ plumbing

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise translate(exc, self.path, timeout=self.timeout) from exc

    def _begin(self) -> sqlite3.Connection:
        """Start a write: BEGIN IMMEDIATE takes the write lock (waiting up to timeout)."""
        if self.readonly:
            raise JournalReadOnly(f"journal {self.path} was opened read-only")
        conn = self._conn
        self._retry_busy(lambda: conn.execute("BEGIN IMMEDIATE"))
        return conn

    def _retry_busy(self, attempt: Callable[[], object]) -> None:
        """Run ``attempt`` until it does not fail with BUSY, for up to ``timeout`` seconds.

        SQLite's busy handler waits for a lock, but some BUSY results skip it: a WAL being
        recovered after a writer was killed mid-transaction, or two connections switching
        a new journal to WAL at once (one of them would deadlock waiting). Those are retried
        here, with a growing jittered pause, until ``timeout`` has really gone by.
        """
        deadline = time.monotonic() + self.timeout
        pause = 0.002
        while True:
            try:
                attempt()
                return
            except sqlite3.Error as exc:
                if not is_busy(exc) or time.monotonic() >= deadline:
                    raise translate(exc, self.path, timeout=self.timeout) from exc
            except JournalLocked:
                if time.monotonic() >= deadline:
                    raise
            time.sleep(pause * (0.5 + random.random()))
            pause = min(pause * 2, 0.05)

    def _commit(self, conn: sqlite3.Connection, before: int) -> None:
        """COMMIT; only once it returns is the write durable and may be acknowledged."""
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback(conn)
            raise translate(exc, self.path, timeout=self.timeout) from exc
        if conn.total_changes != before:
            self._own_writes += 1

    def _rollback(self, conn: sqlite3.Connection) -> None:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # the original error is the one to report; SQLite rolls back anyway

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Journal {str(self.path)!r}{' readonly' if self.readonly else ''}>"

    # ------------------------------------------------------------------ writing

    def create_incident(
        self,
        *,
        mode: str,
        title: str,
        severity: str,
        playbook_id: str,
        playbook_version: str,
        playbook_sha256: str,
        scenario_id: str | None = None,
        scenario_sha256: str | None = None,
        actor: str,
        role: str | None = None,
        payload: Mapping[str, Any] | None = None,
        occurred_at: datetime | None = None,
        backdate_reason: str | None = None,
        uid: str | None = None,
        chain: str = "incident",
    ) -> IncidentRecord:
        """Open a chain: its record and entry 1 in one transaction.

        For an incident (``chain="incident"``), entry 1 is ``incident.declared`` and the
        id is INC-0001… for live incidents, DRL-0001… for drills; a finding's chain starts
        with ``finding.recorded`` (FND-0001…, the rule in the playbook fields). The id is
        allocated inside the transaction. Entry 1's payload is the metadata merged with
        ``payload``, so the chain protects the metadata. A retried call with the same
        ``uid`` returns the chain that call created and writes nothing.
        """
        if mode not in MODES:
            raise ValueError(f"mode must be 'live' or 'drill', not {mode!r}")
        if chain not in ID_PREFIXES or (chain == "finding" and mode != "live"):
            raise ValueError(f"chain must be 'incident' or a live 'finding', not {chain!r}")
        meta: dict[str, Any] = {
            "mode": mode,
            "title": _text("title", title),
            "severity": _text("severity", severity),
            "playbook_id": _text("playbook_id", playbook_id),
            "playbook_version": _text("playbook_version", playbook_version),
            "playbook_sha256": _text("playbook_sha256", playbook_sha256),
            "scenario_id": _text("scenario_id", scenario_id, optional=True),
            "scenario_sha256": _text("scenario_sha256", scenario_sha256, optional=True),
        }
        if chain != "incident":
            meta["chain"] = chain
        prefix = ID_PREFIXES[chain][mode]
        return self._open_chain(
            chain, prefix, meta, payload, actor, role, occurred_at, backdate_reason, uid
        )

    def desk(self, actor: str = "irdesk") -> IncidentRecord:
        """The journal's own chain (``DESK``), opened on first use: what concerns the
        journal itself (repairs, detection defects, checklist changes) is recorded there."""
        try:
            return self.incident(DESK_ID)
        except UnknownIncident:
            pass
        meta = dict(_DESK_META)
        return self._open_chain("desk", DESK_ID, meta, None, actor, None, None, None, None)

    def _open_chain(
        self,
        chain: str,
        prefix: str,
        meta: dict[str, Any],
        payload: Mapping[str, Any] | None,
        actor: str,
        role: str | None,
        occurred_at: datetime | None,
        backdate_reason: str | None,
        uid: str | None,
    ) -> IncidentRecord:
        genesis = summary.GENESIS_KINDS[chain]
        body = dict(payload or {})
        clash = sorted(k for k in meta if k in body and body[k] != meta[k])
        if clash:
            raise ValueError(f"payload contradicts the incident's metadata: {', '.join(clash)}")
        body.update(meta)
        if chain == "desk":
            uid = "desk/opened"
        uid, payload_json = self._validate(genesis, body, actor, role, uid, backdate_reason)
        with self._writing() as conn:
            existing = self._entry_by_uid(uid)
            if existing is not None:
                self._same_write(existing, uid, existing.incident_id, genesis, payload_json)
                return self.incident(existing.incident_id)
            return self._insert_chain(
                conn,
                chain,
                prefix,
                meta,
                body,
                payload_json,
                uid,
                actor,
                role,
                occurred_at,
                backdate_reason,
            )

    def _insert_chain(
        self,
        conn: sqlite3.Connection,
        chain: str,
        prefix: str,
        meta: dict[str, Any],
        body: dict[str, Any],
        payload_json: str,
        uid: str,
        actor: str,
        role: str | None,
        occurred_at: datetime | None,
        backdate_reason: str | None,
    ) -> IncidentRecord:
        """Insert a chain's record and entry 1 (inside the caller's write transaction)."""
        genesis = summary.GENESIS_KINDS[chain]
        if chain == "desk":
            iid = prefix
        else:
            (highest,) = conn.execute(
                "SELECT max(CAST(substr(id, ?) AS INTEGER)) FROM incidents WHERE id LIKE ?",
                (len(prefix) + 2, prefix + "-%"),
            ).fetchone()
            iid = f"{prefix}-{(highest or 0) + 1:04d}"
        now, recorded, occurred = self._timestamps(occurred_at, backdate_reason)
        h = entry_hash(
            iid,
            1,
            uid,
            genesis,
            actor,
            role,
            occurred,
            recorded,
            backdate_reason,
            None,
            payload_json,
            GENESIS_HASH,
        )
        fields = summary.change(genesis, body, recorded)
        conn.execute(
            f"INSERT INTO incidents ({_INCIDENT_COLS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 1, ?, 1, ?)",
            (
                iid,
                meta["mode"],
                fields["title"],
                fields["severity"],
                fields["status"],
                meta["playbook_id"],
                meta["playbook_version"],
                meta["playbook_sha256"],
                meta["scenario_id"],
                meta["scenario_sha256"],
                recorded,
                recorded,
                h,
                chain,
            ),
        )
        conn.execute(
            _INSERT_ENTRY,
            (
                iid,
                1,
                uid,
                genesis,
                actor,
                role,
                occurred,
                recorded,
                backdate_reason,
                None,
                payload_json,
                GENESIS_HASH,
                h,
            ),
        )
        return IncidentRecord(
            id=iid,
            mode=meta["mode"],
            title=fields["title"],
            severity=fields["severity"],
            status=fields["status"],
            playbook_id=meta["playbook_id"],
            playbook_version=meta["playbook_version"],
            playbook_sha256=meta["playbook_sha256"],
            scenario_id=meta["scenario_id"],
            scenario_sha256=meta["scenario_sha256"],
            created_at=now,
            updated_at=now,
            closed_at=None,
            last_seq=1,
            head_hash=h,
            entry_count=1,
            chain=chain,
        )

    def append(
        self,
        incident_id: str,
        kind: str,
        payload: Mapping[str, Any],
        *,
        actor: str,
        role: str | None = None,
        occurred_at: datetime | None = None,
        backdate_reason: str | None = None,
        corrects: int | None = None,
        uid: str | None = None,
    ) -> Entry:
        """Append one entry to an incident's chain; returns it once it is committed.

        ``occurred_at`` defaults to the recorded time; more than a second earlier needs a
        ``backdate_reason`` (ValueError otherwise). ``corrects`` is the seq of an entry of
        the same incident that this one corrects. A ``uid`` that is already in the
        journal returns that entry and writes nothing (a retried write). The incident
        record (head, and title/severity/status/closed_at where the kind changes them,
        see :mod:`irdesk.store.summary`) follows in the same transaction. Raises
        :class:`UnknownIncident` for an unknown incident.
        """
        if kind in GENESIS:
            raise ValueError(f"{kind!r} entries are written by create_incident() or desk()")
        if not isinstance(payload, Mapping):
            raise ValueError(f"payload must be a dict, not {type(payload).__name__}")
        if corrects is not None and (
            type(corrects) is not int or corrects < 1  # bool is not a seq
        ):
            raise ValueError(f"corrects must be the seq (>= 1) of an entry, not {corrects!r}")
        uid, payload_json = self._validate(kind, payload, actor, role, uid, backdate_reason)
        with self._writing() as conn:
            return self._insert_entry(
                conn,
                incident_id,
                kind,
                payload,
                payload_json,
                uid,
                actor,
                role,
                occurred_at,
                backdate_reason,
                corrects,
            )

    def _insert_entry(
        self,
        conn: sqlite3.Connection,
        incident_id: str,
        kind: str,
        payload: Mapping[str, Any],
        payload_json: str,
        uid: str,
        actor: str,
        role: str | None,
        occurred_at: datetime | None,
        backdate_reason: str | None,
        corrects: int | None,
    ) -> Entry:
        """Extend a chain by one entry (inside the caller's write transaction)."""
        head = conn.execute(_READ_HEAD, (incident_id,)).fetchone()
        if head is None:
            raise UnknownIncident(incident_id, self.path)
        last_seq, prev = head
        if corrects is not None and corrects > last_seq:
            raise ValueError(
                f"{incident_id} has no entry {corrects} to correct (last is {last_seq})"
            )
        now, recorded, occurred = self._timestamps(occurred_at, backdate_reason)
        seq = last_seq + 1
        h = entry_hash(
            incident_id,
            seq,
            uid,
            kind,
            actor,
            role,
            occurred,
            recorded,
            backdate_reason,
            corrects,
            payload_json,
            prev,
        )
        try:
            conn.execute(
                _INSERT_ENTRY,
                (
                    incident_id,
                    seq,
                    uid,
                    kind,
                    actor,
                    role,
                    occurred,
                    recorded,
                    backdate_reason,
                    corrects,
                    payload_json,
                    prev,
                    h,
                ),
            )
        except sqlite3.IntegrityError as exc:
            if "entries.uid" not in str(exc):
                raise
            # A retried write: the uid is already recorded. Return that entry and write
            # nothing (the failed INSERT changed nothing; committing nothing is free).
            existing = self._entry_by_uid(uid)
            assert existing is not None
            self._same_write(existing, uid, incident_id, kind, payload_json)
            return existing
        fields = summary.change(kind, payload, recorded) if kind in summary.KINDS else None
        if fields:
            sets = "".join(f", {name} = ?" for name in fields)
            conn.execute(
                _UPDATE_HEAD.replace(" WHERE", sets + " WHERE"),
                (seq, h, recorded, seq, *fields.values(), incident_id),
            )
        else:
            conn.execute(_UPDATE_HEAD, (seq, h, recorded, seq, incident_id))
        return _entry(
            incident_id,
            seq,
            uid,
            kind,
            actor,
            now if occurred is recorded else _time(occurred),
            now,
            _json(payload_json),  # the payload as every reader will see it
            role,
            backdate_reason,
            corrects,
            prev,
            h,
        )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Several writes, and the reads that decide them, as one: everything this Journal
        writes inside the block joins one ``BEGIN IMMEDIATE … COMMIT``, and no other
        process writes in between. Use it where a check and the write it allows must not
        be separated by another writer (is this finding known already? then record it);
        keep it short, since every other writer waits. An exception rolls back the whole
        block; a write that raises and is caught inside (a uid already used) changed
        nothing and the block goes on."""
        with self._writing():
            yield

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: BEGIN IMMEDIATE, the body, COMMIT (ROLLBACK on any error,
        sqlite3 errors translated). Returns only once the commit is durable. Inside
        :meth:`transaction`, the body joins the transaction already open."""
        if self._depth:
            self._depth += 1
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise translate(exc, self.path, timeout=self.timeout) from exc
            finally:
                self._depth -= 1
            return
        conn = self._begin()
        before = conn.total_changes
        self._depth = 1
        try:
            yield conn
        except BaseException as exc:
            self._rollback(conn)
            if isinstance(exc, sqlite3.Error):
                raise translate(exc, self.path, timeout=self.timeout) from exc
            raise
        finally:
            self._depth = 0
        self._commit(conn, before)

    def _repair_triggers(self) -> None:
        """Put back triggers that were dropped, altered or added outside irdesk, and say
        so in the desk chain in the same transaction: nothing changes silently.

        While the triggers were gone, an incident record could have been edited (an
        incident marked closed to hide it from the open list): the records' title,
        severity, status and closed_at are put back to what their chains say, and named
        in the same note. Their heads are left alone: a head that disagrees with its chain
        is evidence of a cut or forged chain, for verify to name.
        """
        with self._errors():
            if not migrations.trigger_changes(self._conn):
                return
        with self._writing() as conn:
            changes = migrations.trigger_changes(conn)  # under the lock, for certain
            if not changes:
                return
            found = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
            conn.execute("DROP TRIGGER IF EXISTS incidents_follow_chain")
            records = self._restore_records(conn)
            migrations.restore_triggers(conn, {**changes, "incidents_follow_chain": "missing"})
            if self._desk_record(conn) is None:
                body = dict(_DESK_META)
                uid, body_json = self._validate(
                    DESK_OPENED, body, "irdesk", None, "desk/opened", None
                )
                self._insert_chain(
                    conn, "desk", DESK_ID, body, body, body_json, uid, "irdesk", None, None, None
                )
            text = "journal triggers were " + ", ".join(
                f"{how} ({name})" for name, how in sorted(changes.items())
            )
            if records:
                text += "; incident records put back to what their chains say: " + "; ".join(
                    f"{iid} {name} {was!r} → {now!r}"
                    for iid, fields in records.items()
                    for name, (was, now) in fields.items()
                )
            payload = {
                "triggers": dict(sorted(changes.items())),
                "removed": {n: found[n] for n in sorted(changes) if changes[n] == "unknown"},
                "records": records,
                "text": text,
            }
            uid, payload_json = self._validate(REPAIRED, payload, "irdesk", None, None, None)
            self._insert_entry(
                conn,
                DESK_ID,
                REPAIRED,
                payload,
                payload_json,
                uid,
                "irdesk",
                None,
                None,
                None,
                None,
            )
        self.warnings.append(text + " (recorded in the desk chain)")

    def _desk_record(self, conn: sqlite3.Connection) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = conn.execute(
            "SELECT id FROM incidents WHERE id = ?", (DESK_ID,)
        ).fetchone()
        return row

    def _restore_records(self, conn: sqlite3.Connection) -> dict[str, dict[str, list[Any]]]:
        """Set every record's summary fields to what its chain says; return what changed
        ({incident: {field: [was, now]}}). Reads only the entries that change records."""
        kinds = sorted(summary.KINDS)
        rows: dict[str, list[tuple[int, str, str, str]]] = {}
        for iid, seq, kind, payload, recorded in conn.execute(
            "SELECT incident_id, seq, kind, payload, recorded_at FROM entries "
            f"WHERE kind IN ({','.join('?' * len(kinds))})",
            kinds,
        ):
            if summary.picks(kind, payload):
                rows.setdefault(iid, []).append((seq, kind, payload, recorded))
        changed: dict[str, dict[str, list[Any]]] = {}
        columns = ", ".join(summary.FIELDS)
        for iid, *stored in conn.execute(f"SELECT id, {columns} FROM incidents").fetchall():
            derived = summary.fold(rows.get(iid, []))
            if not derived:
                continue
            diff = {
                name: [was, derived[name]]
                for name, was in zip(summary.FIELDS, stored, strict=True)
                if name in derived and derived[name] != was
            }
            if diff:
                sets = ", ".join(f"{name} = ?" for name in diff)
                conn.execute(
                    f"UPDATE incidents SET {sets} WHERE id = ?",
                    (*(now for _, now in diff.values()), iid),
                )
                changed[iid] = diff
        return changed

    @staticmethod
    def _validate(
        kind: str,
        payload: Mapping[str, Any],
        actor: str,
        role: str | None,
        uid: str | None,
        backdate_reason: str | None,
    ) -> tuple[str, str]:
        """Check what needs no database; returns (uid, canonical payload JSON)."""
        _text("kind", kind)
        _text("actor", actor)
        _text("role", role, optional=True)
        _text("backdate_reason", backdate_reason, optional=True)
        if uid is None:
            uid = _uid()
        else:
            _text("uid", uid)
        return uid, canonical_json(payload if type(payload) is dict else dict(payload))

    def _timestamps(
        self, occurred_at: datetime | None, backdate_reason: str | None
    ) -> tuple[datetime, str, str]:
        """recorded_at from the clock (read inside the write lock, so it follows the
        chain's order) as (datetime at ms precision, text), and occurred_at's text."""
        now = self.clock.now()
        if now.tzinfo is not UTC:
            now = to_utc(now)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        recorded = _format_utc(now)
        if occurred_at is None:
            return now, recorded, recorded
        if not isinstance(occurred_at, datetime):
            raise ValueError(f"occurred_at must be a datetime, not {occurred_at!r}")
        when = to_utc(occurred_at)
        if when < now - BACKDATE_TOLERANCE and backdate_reason is None:
            raise ValueError(
                f"occurred_at {format_ts(when)} is before now ({recorded}): "
                "a backdated entry needs a backdate_reason"
            )
        return now, recorded, _format_utc(when)

    @staticmethod
    def _same_write(
        existing: Entry, uid: str, incident_id: str, kind: str, payload_json: str
    ) -> None:
        """A uid names one write: refuse to reuse it for a different one."""
        if (
            existing.incident_id != incident_id
            or existing.kind != kind
            or existing.payload != json.loads(payload_json)
        ):
            raise ValueError(
                f"uid {uid} was already used for {existing.incident_id} entry {existing.seq} "
                f"({existing.kind})"
            )

    def _entry_by_uid(self, uid: str) -> Entry | None:
        row = self._conn.execute(
            f"SELECT {_ENTRY_COLS} FROM entries WHERE uid = ?", (uid,)
        ).fetchone()
        return _entry_from_row(row) if row else None

    # ------------------------------------------------------------------ reading

    def entries(
        self,
        incident_id: str,
        *,
        after_seq: int = 0,
        until_seq: int | None = None,
        page_size: int = 250,
        chain_fields: bool = True,
    ) -> Iterator[Entry]:
        """An incident's entries in seq order, fetched ``page_size`` at a time (keyset
        paging: memory stays constant however long the incident; no read transaction is
        held between pages). Nothing for an unknown incident. A page stays in the CPU's
        cache while it becomes entries: 250 rows read a 1M-entry incident ~4 % faster than
        1000, and 2000 ~6 % slower (one query a page costs next to nothing).

        ``chain_fields=False`` leaves each entry's ``uid``, ``prev_hash`` and ``hash``
        empty (``""``), unread: only for a fold that drops the entries as it goes (the
        fold reads none of the three; a test holds it to that). Not reading them takes about
        a tenth off opening a 1M-entry incident (2.87 s to 2.53 s of CPU, loaded machine)."""
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        upper = until_seq if until_seq is not None else 2**63 - 1
        last = after_seq
        previous: datetime | None = None
        # The incident's id is not read back: the WHERE fixes it (one string fewer a row).
        sql = (
            f"SELECT {_PAGE_COLS if chain_fields else _FOLD_COLS} FROM entries "
            "WHERE incident_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?"
        )
        while True:
            with self._errors():
                rows = self._conn.execute(sql, (incident_id, last, upper, page_size)).fetchall()
            # _entry_from_row and _entry inlined (this loop runs for every entry an incident
            # has, and a call a row was a tenth of opening one): a row written as irdesk
            # writes it (canonical times and payload) is built here; anything else, a
            # damaged row included, takes _entry_from_row, so both build the same Entry.
            uid = prev = h = ""  # what chain_fields=False leaves them
            for row in rows:
                if chain_fields:
                    seq, kind, actor, role, occ, rec, reason, corrects, payload, uid, prev, h = row
                else:
                    seq, kind, actor, role, occ, rec, reason, corrects, payload = row
                data = None
                try:
                    recorded = _fromisoformat(rec)
                    occurred = recorded if occ == rec else _fromisoformat(occ)
                    data, end = _scan(payload, 0)
                except (StopIteration, TypeError, ValueError):
                    pass
                if (
                    type(data) is dict
                    and end == len(payload)
                    and recorded.tzinfo is UTC
                    and occurred.tzinfo is UTC
                ):
                    entry = _new_object(Entry)
                    _set_attribute(
                        entry,
                        "__dict__",
                        {
                            "incident_id": incident_id,
                            "seq": seq,
                            "uid": uid,
                            "kind": kind,
                            "actor": actor,
                            "occurred_at": occurred,
                            "recorded_at": recorded,
                            "payload": data,
                            "role": role,
                            "backdate_reason": reason,
                            "corrects": corrects,
                            "prev_hash": prev,
                            "hash": h,
                            "damage": None,
                        },
                    )
                else:
                    whole = (incident_id, seq, uid, kind, actor, role, occ, rec, reason)
                    entry = _entry_from_row((*whole, corrects, payload, prev, h), previous)
                previous = entry.recorded_at
                yield entry
            if len(rows) < page_size:
                return
            last = rows[-1][0]

    def entries_by_kind(
        self, kinds: Iterable[str], *, incident_id: str | None = None
    ) -> list[Entry]:
        """The entries of these kinds, of every chain (or of one incident), by incident and
        seq. Found through the ``entries_by_kind`` index: the cost follows how many such
        entries there are, not how long the journal is. For the kinds that are few
        (improvement items, review entries, milestones), never for notes or ticks."""
        wanted = sorted(set(kinds))
        if not wanted:
            return []
        # Told which index to use, and asked for its own order: left to choose, SQLite
        # would rather walk the whole primary key of the incident (every entry it has).
        source = "entries INDEXED BY entries_by_kind" if self._kind_index else "entries"
        sql = f"SELECT {_ENTRY_COLS} FROM {source} WHERE kind IN ({','.join('?' * len(wanted))})"
        params: list[object] = list(wanted)
        if incident_id is not None:
            sql += " AND incident_id = ?"
            params.append(incident_id)
        sql += " ORDER BY kind, incident_id, seq"
        with self._errors():
            rows = self._conn.execute(sql, params).fetchall()
        rows.sort(key=_by_position)
        found: list[Entry] = []
        for row in rows:
            # a time that cannot be read stands in as the previous entry's of its incident
            before = found[-1] if found and found[-1].incident_id == row[0] else None
            found.append(_entry_from_row(row, before.recorded_at if before else None))
        return found

    def entry_by_uid(self, uid: str) -> Entry | None:
        """The entry with this client-generated uid, if it was recorded."""
        with self._errors():
            return self._entry_by_uid(uid)

    def get_entry(self, incident_id: str, seq: int) -> Entry | None:
        with self._errors():
            row = self._conn.execute(
                f"SELECT {_ENTRY_COLS} FROM entries WHERE incident_id = ? AND seq = ?",
                (incident_id, seq),
            ).fetchone()
        return _entry_from_row(row) if row else None

    def last_of_kind(self, incident_id: str, kind: str) -> Entry | None:
        """The incident's latest entry of ``kind`` (None when it has none)."""
        with self._errors():
            row = self._conn.execute(
                f"SELECT {_ENTRY_COLS} FROM entries WHERE incident_id = ? AND kind = ? "
                "ORDER BY seq DESC LIMIT 1",
                (incident_id, kind),
            ).fetchone()
        return _entry_from_row(row) if row else None

    def last_seq(self, incident_id: str) -> int:
        """The seq of the incident's last entry (UnknownIncident if there is none)."""
        with self._errors():
            row = self._conn.execute(
                "SELECT (SELECT 1 FROM incidents WHERE id = :i), "
                "(SELECT max(seq) FROM entries WHERE incident_id = :i)",
                {"i": incident_id},
            ).fetchone()
        if row[0] is None:
            raise UnknownIncident(incident_id, self.path)
        return row[1] or 0

    def entry_count(self, incident_id: str) -> int:
        """How many entries the incident has (from its record: O(1))."""
        with self._errors():
            row = self._conn.execute(
                "SELECT entry_count FROM incidents WHERE id = ?", (incident_id,)
            ).fetchone()
        if row is None:
            raise UnknownIncident(incident_id, self.path)
        count: int = row[0]
        return count

    def incident(self, incident_id: str) -> IncidentRecord:
        with self._errors():
            row = self._conn.execute(
                f"SELECT {self._cols} FROM incidents WHERE id = ?", (incident_id,)
            ).fetchone()
        if row is None:
            raise UnknownIncident(incident_id, self.path)
        return _incident_from_row(row)

    def incidents(
        self,
        *,
        mode: str | None = None,
        status: str | None = None,
        closed: bool | None = None,
        limit: int | None = None,
        chain: str = "incident",
    ) -> list[IncidentRecord]:
        """Records of one kind of chain (incidents and drills unless ``chain`` says
        otherwise), newest (most recently opened) first: :meth:`each_incident`, as a list."""
        return list(
            self.each_incident(mode=mode, status=status, closed=closed, limit=limit, chain=chain)
        )

    def each_incident(
        self,
        *,
        mode: str | None = None,
        status: str | None = None,
        closed: bool | None = None,
        limit: int | None = None,
        chain: str = "incident",
        page_size: int = 500,
    ) -> Iterator[IncidentRecord]:
        """Records of one kind of chain, newest first, fetched ``page_size`` at a time
        (keyset paging on the table's order of insertion: memory stays flat however many
        there are, and no read transaction is held between pages). ``closed`` keeps the
        closed (True) or the not-closed (False) ones; ``limit`` stops after that many."""
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        # With ``closed``, the index incidents_by_closed (migration 4) finds the newest at
        # once; without it, "+chain" keeps SQLite off that index (it would sort the whole
        # chain by rowid to find the first page) and on the table's own order.
        if self._cols is _INCIDENT_COLS_V2:
            where = ["? = 'incident'"]  # an older journal (read-only) has incidents only
        else:
            where = ["+chain = ?" if closed is None else "chain = ?"]
        params: list[object] = [chain]
        if closed is not None:
            where.append("(status = 'closed') = ?")
            params.append(int(closed))
        if mode is not None:
            where.append("mode = ?")
            params.append(mode)
        if status is not None:
            where.append("status = ?")
            params.append(status)
        sql = (
            f"SELECT rowid, {self._cols} FROM incidents WHERE "
            + " AND ".join(where)
            + " AND rowid < ? ORDER BY rowid DESC LIMIT ?"
        )
        left = limit if limit is not None else -1
        below = 2**63 - 1
        while left != 0:
            size = page_size if left < 0 else min(page_size, left)
            with self._errors():
                rows = self._conn.execute(sql, (*params, below, size)).fetchall()
            for row in rows:
                yield _incident_from_row(row[1:])
            if len(rows) < size:
                return
            left = left - len(rows) if left > 0 else left
            below = rows[-1][0]

    def data_version(self) -> int:
        """``PRAGMA data_version``: changes whenever another connection commits."""
        with self._errors():
            version: int = self._conn.execute("PRAGMA data_version").fetchone()[0]
        return version

    def has_changed(self, reader: str = "") -> bool:
        """True (once) if anything was committed, by this Journal or any other process,
        since the previous call (or since opening). One cheap PRAGMA: poll it.

        ``reader`` names who asks: each named reader has its own "once" (the first call
        of a new one is True), so two screens polling one Journal never hide a change
        from each other."""
        version = self.data_version()
        if reader:
            now = (version, self._own_writes)
            seen = self._readers.get(reader)
            self._readers[reader] = now
            return seen != now
        changed = version != self._seen_version or self._own_writes != self._seen_writes
        self._seen_version = version
        self._seen_writes = self._own_writes
        return changed

    def seals(self, incident_id: str | None = None) -> list[tuple[Seal | None, int, str]]:
        """Every seal in the journal (or one incident's), oldest first, as (seal, entry
        seq, incident id); the seal is None where its payload cannot be read."""
        sql = (
            "SELECT incident_id, seq, actor, recorded_at, payload FROM entries "
            "WHERE kind = ?"
            + (" AND incident_id = ?" if incident_id else "")
            + " ORDER BY incident_id, seq"
        )
        params = (seals_format.KIND, incident_id) if incident_id else (seals_format.KIND,)
        with self._errors():
            rows = self._conn.execute(sql, params).fetchall()
        return [(Seal.from_row(row), row[1], row[0]) for row in rows]

    def hash_at(self, incident_id: str, seq: int) -> str | None:
        """The hash of an incident's entry ``seq`` (None if there is no such entry)."""
        with self._errors():
            row = self._conn.execute(
                "SELECT hash FROM entries WHERE incident_id = ? AND seq = ?", (incident_id, seq)
            ).fetchone()
        return row[0] if row else None

    # ------------------------------------------------------------------ runtime state

    def put_runtime(self, namespace: str, key: str, value: Mapping[str, Any]) -> None:
        """Set operational state that is not part of the record (a scan checkpoint, a
        watcher's heartbeat): mutable, never chained, never shown as history."""
        text = canonical_json(dict(value))
        _text("namespace", namespace)
        _text("key", key)
        with self._writing() as conn:
            now = _format_utc(to_utc(self.clock.now()))
            conn.execute(
                "INSERT INTO runtime (namespace, key, value, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, "
                "updated_at = excluded.updated_at",
                (namespace, key, text, now),
            )

    def drop_runtime(self, namespace: str, key: str) -> None:
        with self._writing() as conn:
            conn.execute("DELETE FROM runtime WHERE namespace = ? AND key = ?", (namespace, key))

    def runtime(self, namespace: str) -> dict[str, tuple[dict[str, Any], datetime]]:
        """key -> (value, when it was last set) for one namespace of runtime state."""
        if self.schema_version < 3:
            return {}  # an older journal (read-only) has none
        with self._errors():
            rows = self._conn.execute(
                "SELECT key, value, updated_at FROM runtime WHERE namespace = ? ORDER BY key",
                (namespace,),
            ).fetchall()
        found = {}
        for key, value, updated in rows:
            try:
                data = json.loads(value)
            except ValueError:
                continue  # not part of the record; an unreadable value is simply absent
            if isinstance(data, dict):
                found[key] = (data, parse_ts(updated))
        return found

    # ------------------------------------------------------------------ verifying

    def unmet(self, expectations: Iterable[Expectation]) -> list[str]:
        """Which written-down heads this journal no longer has, each as one line saying
        how (an incident gone, a chain cut short or rolled back, an entry re-hashed). A
        head stays checkable after later appends: entry ``seq`` must still have ``hash``."""
        failures = []
        with self._errors():
            for expected in expectations:
                iid, (seq, digest) = expected
                row = self._conn.execute(
                    "SELECT (SELECT hash FROM entries WHERE incident_id = :i AND seq = :s), "
                    "(SELECT max(seq) FROM entries WHERE incident_id = :i)",
                    {"i": iid, "s": seq},
                ).fetchone()
                found, last = row
                if last is None:
                    failures.append(
                        f"{expected.label}: the journal has no {iid} (removed, or this is "
                        "another journal)"
                    )
                elif found is None:
                    failures.append(
                        f"{expected.label}: {iid} ends at entry {last}: entries were cut "
                        "from the end, or the journal was replaced by an older copy"
                    )
                elif found != digest:
                    failures.append(
                        f"{expected.label}: entry {seq} of {iid} now hashes to {found[:12]}…: "
                        "the chain was rewritten or the journal replaced"
                    )
        return failures

    def verify(
        self,
        incident_id: str | None = None,
        *,
        progress: Callable[[int, int], None] | None = None,
        workers: int | None = None,
    ) -> VerifyReport:
        """Recompute every chain (or one incident's); see :mod:`irdesk.store.verify`.

        ``progress(done, total)`` is called as ranges of entries are checked. ``workers``:
        None lets big journals be checked by several processes; 1 keeps it in-process.
        Raises UnknownIncident for an unknown incident.
        """
        with self._errors():
            try:
                return verify_journal(
                    self._conn,
                    incident_id=incident_id,
                    progress=progress,
                    workers=workers,
                    worker_uri=self._uri,
                )
            except UnknownIncident:
                raise UnknownIncident(incident_id or "", self.path) from None


__all__ = ["Journal", "IDENTITY_FIELDS"]
