"""The watcher's heartbeats in the journal's runtime state: written by ``irdesk watch``,
read by everyone (home, the runner, ``irdesk check``) to say whether anybody is watching.

Runtime state is not part of the record (never chained, never shown as history): a
heartbeat is overwritten at every pass and removed when the watcher stops cleanly.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime

from irdesk.domain.watching import Beat, WatchStatus, status
from irdesk.store import Journal

NAMESPACE = "watcher"


def host() -> str:
    return socket.gethostname()


def beats(journal: Journal) -> list[Beat]:
    found = []
    for key, (value, _updated) in journal.runtime(NAMESPACE).items():
        beat = Beat.from_json(key, value)
        if beat is not None:
            found.append(beat)
    return found


def watch_status(journal: Journal, now: datetime) -> WatchStatus:
    """Running, stale since, or none (see :mod:`irdesk.domain.watching`)."""
    return status(beats(journal), now)


def put(journal: Journal, beat: Beat) -> None:
    journal.put_runtime(NAMESPACE, beat.key, beat.as_json())


def drop(journal: Journal, key: str) -> None:
    journal.drop_runtime(NAMESPACE, key)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def prune(journal: Journal) -> list[Beat]:
    """Remove the heartbeats of watchers on this host whose process is gone (killed with
    -9, or the machine rebooted): they would read as stale forever. Returns them."""
    here = host()
    gone = [b for b in beats(journal) if b.host == here and not b.once and not _alive(b.pid)]
    for beat in gone:
        drop(journal, beat.key)
    return gone
