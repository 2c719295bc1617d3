"""Is anybody watching? The watcher's heartbeats, read: running, stale since, or none.

Each ``irdesk watch`` keeps a heartbeat in the journal's runtime state (not the record):
who runs it, on which host and pid, since when, when it last looked and what it is doing.
A long-running watcher removes its heartbeat when it stops cleanly; ``--once`` (cron) leaves
its own, with how often cron runs it, so the desk can tell a cron watcher from none.

A heartbeat older than :func:`stale_after` is *stale*: the watcher was killed, the machine
slept, or the journal was locked too long. Pure: the services read and write heartbeats.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from irdesk.domain.clock import parse_ts

#: what nobody watching means
SCREENS_ONLY = "escalations fire only while a screen is open"
#: a heartbeat is stale when it is older than this many intervals, plus the grace below
STALE_INTERVALS = 2
STALE_GRACE = timedelta(seconds=30)


@dataclass(frozen=True)
class Beat:
    """One watcher's heartbeat."""

    key: str  # host:pid, or host:once for cron
    who: str
    host: str
    pid: int
    started: datetime
    beat: datetime  # when it last said it was alive
    every: timedelta  # how often it looks (cron: how often cron runs it)
    doing: str = ""
    once: bool = False
    trouble: str = ""  # what kept it from working at its last pass (a locked journal)

    def as_json(self) -> dict[str, Any]:
        return {
            "who": self.who,
            "host": self.host,
            "pid": self.pid,
            "started": self.started.isoformat(),
            "beat": self.beat.isoformat(),
            "every_s": self.every.total_seconds(),
            "doing": self.doing,
            "once": self.once,
            "trouble": self.trouble,
        }

    @classmethod
    def from_json(cls, key: str, data: Mapping[str, Any]) -> Beat | None:
        """None when ``data`` is not a heartbeat (runtime state is never trusted blindly)."""
        try:
            return cls(
                key,
                str(data["who"]),
                str(data["host"]),
                int(data["pid"]),
                parse_ts(str(data["started"])),
                parse_ts(str(data["beat"])),
                timedelta(seconds=float(data["every_s"])),
                str(data.get("doing", "")),
                bool(data.get("once", False)),
                str(data.get("trouble", "")),
            )
        except (KeyError, TypeError, ValueError):
            return None

    @property
    def label(self) -> str:
        kind = "cron" if self.once else f"pid {self.pid}"
        return f"{self.who}@{self.host} ({kind})"


def stale_after(beat: Beat) -> timedelta:
    return beat.every * STALE_INTERVALS + STALE_GRACE


def is_fresh(beat: Beat, now: datetime) -> bool:
    return now - beat.beat <= stale_after(beat)


@dataclass(frozen=True)
class WatchStatus:
    """What the desk says about the watcher."""

    state: str  # running | stale | none
    beats: tuple[Beat, ...] = ()  # the fresh ones when running, else the stale ones
    since: datetime | None = None  # stale: when a watcher was last seen alive

    @property
    def watching(self) -> bool:
        return self.state == "running"

    def sentence(self, when: Callable[[datetime], str] = datetime.isoformat) -> str:
        """One line for people; ``when`` shows the time a stale watcher was last seen."""
        if self.state == "running":
            names = ", ".join(b.label for b in self.beats)
            return f"watcher running: {names}"
        if self.state == "stale" and self.since is not None:
            return f"watcher not responding since {when(self.since)}: {SCREENS_ONLY}"
        return f"nobody is watching: {SCREENS_ONLY}"


def status(beats: Iterable[Beat], now: datetime) -> WatchStatus:
    beats = tuple(beats)
    fresh = tuple(b for b in beats if is_fresh(b, now))
    if fresh:
        return WatchStatus("running", fresh)
    if beats:
        last = max(beats, key=lambda b: b.beat)
        return WatchStatus("stale", beats, last.beat)
    return WatchStatus("none")


def why_late(beats: Iterable[Beat], due_at: datetime, now: datetime, me: Beat | None) -> str:
    """Why an escalation due at ``due_at`` is only fired ``now``: what the journal's
    heartbeats say, seen from a watcher (``me``) or from a screen (``me`` None)."""
    others = [b for b in beats if me is None or b.key != me.key]
    running = [b for b in others if b.started <= due_at and is_fresh(b, now)]
    if me is not None and me.started <= due_at:
        if me.trouble:
            return f"the watcher was running but could not fire it in time: {me.trouble}"
        return "the watcher was running but fell behind"
    if running:
        trouble = next((b.trouble for b in running if b.trouble), "")
        return "a watcher was running but had not fired it yet" + (
            f": {trouble}" if trouble else ""
        )
    if me is not None:
        return "no watcher was running when it was due; fired when the watcher started"
    return "no watcher was running when it was due; fired when a screen opened the incident"
