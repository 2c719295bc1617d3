"""Journal errors: each one's ``str()`` is a single line a person can act on.

The CLI prints them as they are (``irdesk: <message>``), the TUI shows them in a
notification; neither ever shows a traceback for a bad journal.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from irdesk.errors import IrdeskError


class JournalError(IrdeskError):
    """Something is wrong with the journal file (and nothing in it was harmed)."""


class JournalNotFound(JournalError):
    """There is no journal at the path (and we were asked not to create one)."""


class JournalCorrupt(JournalError):
    """The file is damaged, empty, not a SQLite file, or not an irdesk journal."""


class JournalNewerSchema(JournalError):
    """The journal was written by a newer irdesk than this one."""


class JournalReadOnly(JournalError):
    """The journal cannot be written (opened read-only, read-only media, permissions)."""


class JournalLocked(JournalError):
    """Another process held the journal's write lock for longer than the timeout."""

    def __init__(self, message: str, *, path: Path | str | None = None, waited: float = 0):
        super().__init__(message)
        self.path = path
        self.waited = waited

    @classmethod
    def after(cls, path: Path | str, waited: float) -> JournalLocked:
        """The journal at ``path`` stayed locked for ``waited`` seconds, however many tries
        that took (a screen tries briefly, again and again)."""
        shown = f"{waited:.0f}s" if waited >= 10 else f"{waited:.1f}s".replace(".0s", "s")
        return cls(
            f"journal {path} is locked by another process (waited {shown})",
            path=path,
            waited=waited,
        )


class UnknownIncident(JournalError, KeyError):
    """The journal has no incident (or chain) with that id. Also a ``KeyError``, so code
    that looks ids up can catch either."""

    def __init__(self, incident_id: str, journal: Path | str) -> None:
        super().__init__(f"no incident {incident_id} in {journal}")
        self.incident_id = incident_id
        self.journal = journal


class JournalFull(JournalError):
    """The disk (or the journal's size limit) is full; the write was not recorded."""


# SQLite primary result codes (the low byte of an extended code).
_SQLITE_PERM = 3
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26


def is_busy(exc: sqlite3.Error) -> bool:
    """SQLITE_BUSY / SQLITE_LOCKED: another connection holds the lock (worth retrying)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)
    return "database is locked" in str(exc).lower()


def translate(exc: sqlite3.Error, path: Path | str, *, timeout: float = 0.0) -> JournalError:
    """Map a sqlite3 exception to the JournalError a person should see."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc)
    lowered = text.lower()
    if primary == _SQLITE_NOTADB or "file is not a database" in lowered:
        return JournalCorrupt(f"{path} is not an irdesk journal (not a SQLite file)")
    if primary == _SQLITE_CORRUPT or "malformed" in lowered:
        return JournalCorrupt(
            f"journal {path} is damaged (database disk image is malformed); "
            "keep a copy of it before doing anything else"
        )
    if primary == _SQLITE_FULL or "database or disk is full" in lowered:
        return JournalFull(f"journal {path} is full (disk full): the write was not recorded")
    if primary in (_SQLITE_READONLY, _SQLITE_PERM) or "readonly database" in lowered:
        return JournalReadOnly(f"journal {path} is read-only: {text}")
    if is_busy(exc):
        return JournalLocked.after(path, timeout)
    if primary == _SQLITE_CANTOPEN or "unable to open" in lowered:
        return JournalError(f"cannot open journal {path}: {text}")
    if primary == _SQLITE_IOERR or "disk i/o error" in lowered:
        return JournalError(f"journal {path}: disk I/O error ({text})")
    return JournalError(f"journal {path}: {text}")
