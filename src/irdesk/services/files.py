"""Files irdesk writes for people (reports, the demo's roster): private, whole or not at all.

What irdesk writes names people and holds incident details, so nothing it creates is
readable by others or writable by the group, whatever the umask: folders are made 0700
level by level, files 0600, each written to a temporary file beside its target and
renamed over it only once complete. (The journal itself is created by the store, the same
way.)
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from irdesk.errors import IrdeskError


class NotWritten(IrdeskError):
    """A file could not be written (nothing was left half-written)."""


def private_dir(folder: Path) -> None:
    """Make ``folder`` and any missing parents, each 0700 (an existing one is left as it is)."""
    missing = []
    current = folder
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for level in reversed(missing):
        try:
            level.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(level, 0o700)  # mkdir's mode is filtered by the umask; this is not


@contextmanager
def private_file(target: Path) -> Iterator[TextIO]:
    """A UTF-8 text stream whose content becomes ``target`` (mode 0600) only when the block
    ends without an error. The folder is made private when missing."""
    try:
        private_dir(target.parent)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)  # 0600
    except OSError as exc:
        raise NotWritten(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise NotWritten(f"cannot write {target}: {exc.strerror or exc}") from None
        raise
