"""Files that decide what irdesk runs: read only when nobody else could have written them.

The roster names the program the notify command runs, unattended, often as a service
account; the config file says where backups are looked for. Whoever can write either file,
or the folder it sits in, decides what the watcher runs. So these files are refused (one
clear line each) unless:

- the file is a regular file owned by the user irdesk runs as, or by root;
- neither the group nor others can write it;
- every folder on its path (and on the path it links to) is owned by that user or by root
  and cannot be written by the group or others, unless it has the sticky bit (``/tmp``),
  which stops others from renaming or removing a file they do not own.

Group write is allowed where the group is the user's own private group (named after the
user, nobody else in it): the "user private groups" of Debian and Ubuntu, where a umask
of 002 makes every new file group-writable. (Debian's OpenSSH makes the same exception.)

The file is opened once, checked with ``fstat`` on that descriptor and read from it, so it
cannot be swapped between the check and the read. (Not for journals: those are judged by
``stat`` alone and opened by SQLite only, see :mod:`irdesk.store.journal`.)
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
from pathlib import Path

from irdesk.errors import IrdeskError


class Untrusted(IrdeskError):
    """A file others could have written: irdesk will not let it decide what runs."""


def _who(uid: int) -> str:
    try:
        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except KeyError:
        return f"uid {uid}"


def _private_group(gid: int) -> bool:
    """Whether ``gid`` is the user's own group with nobody else in it."""
    try:
        me = pwd.getpwuid(os.geteuid())
        group = grp.getgrgid(gid)
    except KeyError:
        return False
    return gid == me.pw_gid and group.gr_name == me.pw_name and set(group.gr_mem) <= {me.pw_name}


def _writable(st: os.stat_result) -> int:
    """The group/other write bits that matter (group write in a private group does not)."""
    bits = stat.S_IMODE(st.st_mode) & 0o022
    if bits & 0o020 and _private_group(st.st_gid):
        bits &= ~0o020
    return bits


def _check_owner(st: os.stat_result, what: str, path: Path) -> None:
    me = os.geteuid()
    if st.st_uid not in (me, 0):
        raise Untrusted(
            f"{what} {path} is owned by {_who(st.st_uid)}, not by you ({_who(me)}) or root: "
            f"irdesk will not use it to decide what runs; chown it or use your own copy"
        )


def _check_folders(path: Path, what: str) -> None:
    """Every folder from ``path``'s parent up to ``/``."""
    for folder in path.parents:
        try:
            st = os.stat(folder)
        except OSError as exc:
            message = f"cannot check {folder} (holding {what} {path}): {exc.strerror}"
            raise Untrusted(message) from None
        if st.st_uid not in (os.geteuid(), 0):
            raise Untrusted(
                f"{what} {path} is in {folder}, which belongs to {_who(st.st_uid)}: they "
                f"could replace it; keep the file in a folder only you (or root) control"
            )
        writable = _writable(st)
        if writable and not st.st_mode & stat.S_ISVTX:
            who = "anyone" if writable & 0o002 else "its group"
            raise Untrusted(
                f"{what} {path} is in {folder}, which {who} can write "
                f"(mode {stat.S_IMODE(st.st_mode):04o}): they could replace it; "
                f"chmod go-w {folder}"
            )


def read_trusted(path: Path, what: str, limit: int) -> bytes:
    """The bytes of ``path`` (at most ``limit`` + 1, so a caller can tell it is too big),
    or :class:`Untrusted` saying why it may not be used. ``OSError`` (missing, unreadable)
    is left to the caller."""
    path = Path(os.path.abspath(path))
    _check_folders(path, what)
    real = Path(os.path.realpath(path))
    if real != path:
        _check_folders(real, what)
    fd = os.open(path, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Untrusted(f"{what} {path} is not a regular file")
        _check_owner(st, what, path)
        mode = stat.S_IMODE(st.st_mode)
        writable = _writable(st)
        if writable:
            who = "anyone" if writable & 0o002 else "its group"
            raise Untrusted(
                f"{what} {path} can be written by {who} (mode {mode:04o}): irdesk will not "
                f"use it to decide what runs; chmod go-w {path}"
            )
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
