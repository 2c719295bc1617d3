"""Journal writes from the desk: acknowledged only once committed, never lost to a wait.

Every write is an ordinary service call on the UI thread (writes are small; the journal's
connection belongs to that thread), and returns only after the journal committed. What
changes here is waiting. The desk's journal waits at most :data:`ATTEMPT` seconds for the
write lock on each try (the desk reconnects with that timeout when it opens on screen), so
the screen is never frozen for long: while another process holds the lock, a write is
tried again every :data:`RETRY` seconds, for up to :data:`PATIENCE` seconds, and the screen
says it is waiting. A dialog stays open through all of it, holding what the responder
typed, until the write has committed; if it fails (the lock held past the patience, a full
disk, a read-only journal) the dialog says why and enter tries again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, suppress
from typing import Any

from textual.message_pump import MessagePump
from textual.timer import Timer

from irdesk.errors import IrdeskError
from irdesk.store import JournalError, JournalLocked

#: how long one try waits for the journal's write lock (the desk journal's timeout)
ATTEMPT = 0.2
#: pause between tries while the lock is held
RETRY = 0.5
#: how long a write keeps trying on its own before it asks the person
PATIENCE = 30.0


def polling() -> AbstractContextManager[None]:
    """For a read a screen makes on a timer (its poll for other processes' writes): the
    desk's journal waits only briefly for a lock, so a journal busy for a moment (another
    process recovering it after a crash) is read at the next poll instead."""
    return suppress(JournalLocked)


def kept_for_retry(error: IrdeskError) -> bool:
    """A failed write whose text is worth keeping: the journal could not take it (locked,
    full, read-only, damaged). Anything else is a refusal: the action made no sense now."""
    return isinstance(error, JournalError)


def waiting_message(waited: float, then: str) -> str:
    """What a write that waits says (``then``: what the person can do meanwhile)."""
    return f"Waiting for the journal: another process is writing to it ({waited:.0f}s). {then}"


class PatientWrite:
    """One write, tried until it commits, is refused or fails, or the lock stays held
    for ``patience`` seconds. The callbacks say which (``waiting`` once per try that
    found the journal locked, with the seconds waited so far)."""

    def __init__(
        self,
        owner: MessagePump,
        write: Callable[[], Any],
        *,
        done: Callable[[Any], None],
        failed: Callable[[IrdeskError], None],
        waiting: Callable[[float], None] = lambda waited: None,
        patience: float = PATIENCE,
    ) -> None:
        self.owner = owner
        self.write = write
        self.done = done
        self.failed = failed
        self.waiting = waiting
        self.patience = patience
        self._started = 0.0
        self._timer: Timer | None = None
        self.running = False

    def start(self) -> None:
        self._started = time.monotonic()
        self.running = True
        self._try()

    def cancel(self) -> None:
        self.running = False
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _try(self) -> None:
        self._timer = None
        if not self.running:
            return
        try:
            result = self.write()
        except JournalLocked as error:
            waited = time.monotonic() - self._started
            if waited >= self.patience:
                self.running = False
                # the last try waited briefly; the person waited all along
                self.failed(JournalLocked.after(error.path, waited) if error.path else error)
                return
            self.waiting(waited)
            # The next try runs on the owner's own message loop, as a key press would, not
            # in the timer's task: a try that succeeds may close the dialog that owns it.
            self._timer = self.owner.set_timer(RETRY, lambda: self.owner.call_later(self._try))
            return
        except IrdeskError as error:
            self.running = False
            self.failed(error)
            return
        self.running = False
        self.done(result)
