"""What a note points to: a file, hashed when it is attached, or a link (a URL).

A file is recorded as the responder gave it and as it resolved, with its size and the
SHA-256 of its bytes at that moment, so a later copy can be checked against the journal.
Only regular files up to :data:`MAX_ATTACH_BYTES` are hashed (a disk image is kept
elsewhere and its hash noted by hand); the journal's own files are never opened (see
:mod:`irdesk.store`). A URL is recorded as a link, never fetched.
"""

from __future__ import annotations

import hashlib
import re
import stat
from pathlib import Path
from typing import Any

from irdesk.domain.incident import ActionError

#: the largest file hashed when attached (reading it takes a few seconds at most)
MAX_ATTACH_BYTES = 256 * 1024 * 1024
#: a URL: a scheme, "://" or "mailto:", and something after it
URL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*://|mailto:)\S+$")
_CHUNK = 1024 * 1024


def is_url(ref: str) -> bool:
    return bool(URL.match(ref.strip()))


def check_url(url: str) -> str:
    """A URL as it will be recorded (no spaces or control characters), else ActionError."""
    url = url.strip()
    if not is_url(url) or any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in url):
        raise ActionError(
            f"{url!r} is not a link; give a URL such as https://tickets.example.org/INC-42"
        )
    return url


def attachment(ref: str, *, journal_path: Path | None = None) -> dict[str, Any]:
    """What a note records for ``ref``: ``{"url"}`` for a link; for a file, the path as
    given, the resolved path, its size and SHA-256 (hashed now)."""
    ref = ref.strip()
    if not ref:
        raise ActionError("an attachment needs a file path or a URL")
    if is_url(ref):
        return {"url": check_url(ref)}
    given = Path(ref).expanduser()
    try:
        resolved = given.resolve(strict=True)
        info = resolved.stat()
    except FileNotFoundError:
        raise ActionError(f"cannot attach {ref}: no such file") from None
    except (OSError, RuntimeError) as exc:
        raise ActionError(f"cannot attach {ref}: {getattr(exc, 'strerror', None) or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ActionError(f"cannot attach {ref}: not a regular file")
    if journal_path is not None and _is_journal(resolved, journal_path):
        raise ActionError(f"cannot attach {ref}: it is the journal itself")
    if info.st_size > MAX_ATTACH_BYTES:
        raise ActionError(
            f"cannot attach {ref}: {info.st_size:,} bytes is more than "
            f"{MAX_ATTACH_BYTES // (1024 * 1024)} MiB; keep it elsewhere and note its SHA-256"
        )
    digest = hashlib.sha256()
    size = 0
    try:
        with resolved.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                size += len(chunk)
                if size > MAX_ATTACH_BYTES:
                    raise ActionError(f"cannot attach {ref}: it grew while it was hashed")
                digest.update(chunk)
    except OSError as exc:
        raise ActionError(f"cannot attach {ref}: {exc.strerror or exc}") from None
    return {"path": ref, "resolved": str(resolved), "size": size, "sha256": digest.hexdigest()}


def _is_journal(resolved: Path, journal_path: Path) -> bool:
    try:
        journal = Path(journal_path).resolve()
    except (OSError, RuntimeError):
        return False
    names = {journal.name + suffix for suffix in ("", "-wal", "-shm", "-journal")}
    return resolved.parent == journal.parent and resolved.name in names
