"""Paging people: the roster's notify command, run the careful way.

The command is built from the roster's argv template (:mod:`irdesk.domain.notify`: exact
placeholders, no shell, no value that reads as an option) and run through
:func:`irdesk.services.process.run`, the one way irdesk runs a program: its own process
group (a timeout kills everything it started), no terminal, and only the tail of its
output kept. Nothing here raises for the command's sake: a failure is a result to journal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from irdesk.domain.models import NOTIFY_TIMEOUT, Notify, Roster
from irdesk.domain.notify import Call, Contact, calls
from irdesk.services import process

#: what is read of a notify command's output at most (the tail; the rest is discarded as
#: it arrives, so a command printing a gigabyte costs this much memory, not a gigabyte)
OUTPUT_LIMIT = 16 * 1024
#: what of that tail the journal keeps
JOURNALED_OUTPUT = 1000


@dataclass(frozen=True)
class NotifyResult:
    argv: tuple[str, ...]
    returncode: int | None
    error: str | None  # why it failed, for people; None when it ran and exited 0
    output: str = ""
    person: str | None = None  # the person this run paged (per-person commands)
    truncated: bool = False  # the command printed more than was kept

    @property
    def ok(self) -> bool:
        return self.error is None

    def as_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "argv": list(self.argv),
            "returncode": self.returncode,
            "error": self.error,
            "output": self.output,
        }
        if self.person is not None:
            payload["person"] = self.person
        if self.truncated:
            payload["truncated"] = True
        return payload


def contacts(roster: Roster | None) -> dict[str, Contact]:
    """What the notify command may know of each person on the roster, by name."""
    if roster is None:
        return {}
    return {p.name: Contact(p.name, p.phone, p.email, p.handle) for p in roster.people}


def plan(
    notify: Notify, values: Mapping[str, object], people: Sequence[str], roster: Roster | None
) -> list[Call]:
    """The runs one page needs (see :func:`irdesk.domain.notify.calls`)."""
    return calls(notify.command, values, people, contacts(roster))


def run_call(call: Call, timeout: float = NOTIFY_TIMEOUT.total_seconds()) -> NotifyResult:
    """Run one planned call (or report why it could not be planned). Never raises."""
    if call.argv is None:
        return NotifyResult((), None, call.error or "not run", person=call.person)
    outcome = process.run(list(call.argv), timeout=timeout, output_limit=OUTPUT_LIMIT)
    output = outcome.output[-JOURNALED_OUTPUT:]
    truncated = outcome.truncated or len(outcome.output) > JOURNALED_OUTPUT
    return NotifyResult(
        outcome.argv, outcome.returncode, outcome.error, output, call.person, truncated
    )


def run(argv: Sequence[str], timeout: float = NOTIFY_TIMEOUT.total_seconds()) -> NotifyResult:
    """Run a notify command that is already built."""
    return run_call(Call(tuple(argv)), timeout)
