"""The watcher (``irdesk watch``): the desk's work that must not wait for a screen.

Every ``interval`` the watcher makes one *pass*: it fires every due escalation of every open
live incident and runs the roster's notify command for it (the same
:meth:`~irdesk.services.incident.IncidentSession.fire_due_escalations` a screen uses, so an
escalation is recorded and paged once however many watchers and screens run), and once a
day it runs the readiness checks. Between passes, and between incidents within a pass, it
keeps a heartbeat in the journal's runtime state, so every screen can say whether anybody
is watching.

What a pass does is a list of tasks (:attr:`Watcher.tasks`): escalations of incidents,
scheduled scans (:mod:`irdesk.services.scheduled`, when the config's ``scan:`` section asks
for them), escalations of findings nobody acknowledged in time, then readiness; each task
runs in its turn and sees the same stop flag.

The watcher survives what an unattended process meets: a journal locked by another process
for a while (the pass is abandoned and tried again at the next one, the trouble noted in
the heartbeat and given as the reason when an escalation fires late because of it), a
notify command that hangs or floods its output (:mod:`irdesk.services.notify`), a roster or
config file edited while it runs (read again when it changes; refused when others could
have written it, which is journaled with each escalation instead of paging). A stop
request (SIGTERM) lets the current page finish and be journaled, then ends the pass.
"""

from __future__ import annotations

import os
import threading
import traceback
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from irdesk import paths
from irdesk.domain import readiness as checks
from irdesk.domain.clock import format_ts
from irdesk.domain.config import Config
from irdesk.domain.watching import Beat, why_late
from irdesk.errors import IrdeskError
from irdesk.formats.catalog import load_config
from irdesk.formats.rules import RuleSet
from irdesk.services import heartbeat, scheduled
from irdesk.services import readiness as ready
from irdesk.services.desk import Desk
from irdesk.services.findings import fire_finding_escalations, send_finding_page
from irdesk.services.incident import IncidentSession, Outgoing
from irdesk.services.notify import NotifyResult
from irdesk.store import JournalError
from irdesk.text import single_line

Say = Callable[[str], None]
#: what tells a file was changed: inode, size, mtime, mode, owner
Signature = tuple[int, int, int, int, int]
#: how often cron is assumed to run ``irdesk watch --once`` (to tell its heartbeat stale)
CRON_EVERY = timedelta(minutes=1)


@dataclass
class PassReport:
    """What one pass did."""

    fired: list[Outgoing] = field(default_factory=list)
    failed_pages: int = 0
    readiness: ready.Readiness | None = None
    scans: list[scheduled.Scheduled] = field(default_factory=list)
    trouble: str = ""  # why the pass could not finish (a locked journal)
    stopped: bool = False  # a stop request ended it early

    @property
    def ok(self) -> bool:
        return not self.trouble


class Task(ABC):
    """One kind of work a pass does (escalations, scans, readiness)."""

    name = "task"

    @abstractmethod
    def run(self, watcher: Watcher, report: PassReport) -> None:
        """Do this pass's share of the work, saying what happened in ``report``."""


class EscalationTask(Task):
    """Fire due escalations of every open live incident and page for them. Drills are left
    to their screens: their timers run on the exercise clock, and they page nobody real."""

    name = "escalations"

    def run(self, watcher: Watcher, report: PassReport) -> None:
        journal = watcher.desk.journal
        records = [r for r in journal.incidents(mode="live") if r.status != "closed"]
        open_ids = {r.id for r in records}
        for gone in set(watcher.sessions) - open_ids:
            del watcher.sessions[gone]
        for record in reversed(records):  # oldest first
            if watcher.stopping:
                report.stopped = True
                return
            session = watcher.session(record.id)
            if session is None:
                continue
            for outgoing in session.fire_due_escalations():
                watcher.beat(f"paging for {record.id}")
                failed = [r for r in session.send(outgoing) if not r.ok]
                report.fired.append(outgoing)
                report.failed_pages += len(failed)
                watcher.say(_fired_line(outgoing, failed))


class ScanTask(Task):
    """The scheduled scans of the sources whose time has come (``scan:`` in the config).
    The rules files are read again when one of them changed."""

    name = "scans"

    def __init__(self) -> None:
        self._rules: tuple[object, RuleSet] | None = None

    def ruleset(self, desk: Desk) -> RuleSet:
        files = desk.rule_files()
        signature = tuple((str(p), b, *_stat(p)) for p, b in files)
        if self._rules is None or self._rules[0] != signature:
            self._rules = (signature, desk.ruleset())
        return self._rules[1]

    def run(self, watcher: Watcher, report: PassReport) -> None:
        settings = watcher.config.scan
        if not settings.enabled:
            return
        done = scheduled.run_due(
            watcher.desk,
            settings,
            who=watcher.me.key,
            ruleset=self.ruleset(watcher.desk),
            beat=watcher.beat,
        )
        report.scans.append(done)
        for line in _scan_lines(done):
            watcher.say(line)


class FindingEscalationTask(Task):
    """Escalate the new findings nobody acknowledged within their rule's ``acknowledge``
    time, as incidents' escalations are (:func:`fire_finding_escalations`)."""

    name = "finding escalations"

    def run(self, watcher: Watcher, report: PassReport) -> None:
        desk = watcher.desk
        # every escalation journaled here is paged, even when a stop request comes meanwhile
        for outgoing in fire_finding_escalations(desk, token=watcher.token, why_late=desk.why_late):
            watcher.beat(f"paging for {outgoing.entry.incident_id}")
            failed = [r for r in send_finding_page(desk.journal, outgoing) if not r.ok]
            report.fired.append(outgoing)
            report.failed_pages += len(failed)
            watcher.say(_fired_line(outgoing, failed))


class ReadinessTask(Task):
    """The readiness checks, at the config's times of day (and at the first pass ever)."""

    name = "readiness"

    def run(self, watcher: Watcher, report: PassReport) -> None:
        desk = watcher.desk
        now = desk.clock.now()
        if not checks.check_due(
            ready.last_checked(desk.journal), now, watcher.config.watch.check_at
        ):
            return
        watcher.beat("checking readiness")
        watcher.reload_files()
        result = ready.check(desk, watcher.config)
        report.readiness = result
        for found in result.opened:
            watcher.say(f"defect opened: {found.text}")
        for defect in result.closed:
            watcher.say(f"defect closed: {defect.text}")
        watcher.say(
            "readiness: ready"
            if result.ready
            else f"readiness: {len(result.problems)} problem(s); see irdesk defects"
        )


class Watcher:
    """One watcher over one journal. Make a pass with :meth:`run_pass`, or loop with
    :meth:`run` until :meth:`stop` (or the ``stop`` event) is called."""

    def __init__(
        self,
        desk: Desk,
        *,
        config: Config | None = None,
        roster_path: Path | None = None,
        config_path: Path | None = None,
        once: bool = False,
        every: timedelta | None = None,
        interval: timedelta | None = None,
        stop: threading.Event | None = None,
        say: Say | None = None,
    ) -> None:
        """``once``: one pass for cron, whose heartbeat stays (``every``: how often cron
        runs it). ``interval`` overrides the config's time between passes. ``roster_path``
        and ``config_path`` are read again when they change."""
        self.desk = desk
        self.roster_path = roster_path if roster_path is not None else paths.roster_path()
        self.config_path = config_path if config_path is not None else paths.config_path()
        self.config = config if config is not None else load_config(self.config_path)[0]
        self.once = once
        self._interval = interval
        self.stop_event = stop if stop is not None else threading.Event()
        self.say: Say = say or (lambda line: None)
        self.sessions: dict[str, IncidentSession] = {}
        #: what a pass does, in order (scheduled scans and finding escalations join here)
        self.tasks: list[Task] = [
            EscalationTask(),
            ScanTask(),
            FindingEscalationTask(),
            ReadinessTask(),
        ]
        self._signatures = self._file_signatures()
        # what kept the last pass from finishing (shown in the heartbeat until a pass
        # finishes), and the latest such trouble with its time (to explain late escalations)
        self.trouble = ""
        self._last_trouble: tuple[str, datetime] | None = None
        now = desk.clock.now()
        host = heartbeat.host()
        self.me = Beat(
            key=f"{host}:once" if once else f"{host}:{os.getpid()}",
            who=desk.actor,
            host=host,
            pid=os.getpid(),
            started=now,
            beat=now,
            every=(every or CRON_EVERY) if once else (interval or self.config.watch.interval),
            doing="starting",
            once=once,
        )
        #: what this watcher's escalation entries say fired them (``fired_by``)
        self.token = f"{self.me.key}:{uuid.uuid4().hex[:8]}"
        desk.firer = "watcher"
        desk.why_late = self._why_late

    # ----------------------------------------------------------------- state
    @property
    def stopping(self) -> bool:
        return self.stop_event.is_set()

    def stop(self) -> None:
        self.stop_event.set()

    @property
    def interval(self) -> timedelta:
        return self.me.every

    def beat(self, doing: str) -> None:
        """Say we are alive, and what we are doing (a locked journal is noted, not fatal)."""
        now = self.desk.clock.now()
        self.me = replace(self.me, beat=now, doing=doing, trouble=self.trouble)
        heartbeat.put(self.desk.journal, self.me)

    def _why_late(self, due_at: datetime, now: datetime) -> str:
        trouble = self._last_trouble
        text = trouble[0] if trouble is not None and trouble[1] >= due_at else ""
        me = replace(self.me, trouble=text)
        return why_late(heartbeat.beats(self.desk.journal), due_at, now, me)

    def session(self, incident_id: str) -> IncidentSession | None:
        """The incident's session, kept between passes (each pass reads only new entries)."""
        session = self.sessions.get(incident_id)
        if session is None:
            try:
                session = self.desk.session(incident_id)
            except JournalError:
                raise
            except IrdeskError as error:  # its playbook cannot be read, say
                self.say(f"{incident_id} skipped: {error.message}")
                return None
            self.sessions[incident_id] = session
        return session

    # ----------------------------------------------------------------- files
    def _file_signatures(self) -> tuple[Signature | None, Signature | None]:
        def signature(path: Path) -> Signature | None:
            try:
                st = path.stat()
            except OSError:
                return None
            return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_mode, st.st_uid)

        return signature(self.roster_path), signature(self.config_path)

    def _follow_files(self) -> None:
        """Read the roster and config again when either changed on disk."""
        now = self._file_signatures()
        if now == self._signatures:
            return
        self._signatures = now
        self.say("the roster or config changed: reading them again")
        self.reload_files()

    def reload_files(self) -> None:
        config, result = load_config(self.config_path)
        if result is not None and not result.ok:
            first = result.errors[0] if result.errors else result.path
            self.say(f"config not used (defaults apply): {first}")
        self.config = config
        if not self.once and self._interval is None:
            self.me = replace(self.me, every=config.watch.interval)
        self.desk.reload(self.roster_path)
        if self.desk.roster_problem:
            self.say(f"{self.desk.roster_problem}: escalations will journal it, paging nobody")
        self.sessions.clear()  # they hold the old roster

    # ----------------------------------------------------------------- passes
    def run_pass(self) -> PassReport:
        """One pass: every task in turn. A locked or failing journal ends the pass early
        (noted in the report and the heartbeat); the next pass tries again."""
        report = PassReport()
        try:
            self._follow_files()
            self.beat("looking")
            for task in self.tasks:
                if self.stopping:
                    report.stopped = True
                    break
                task.run(self, report)
        except JournalError as error:
            report.trouble = self.trouble = error.message
            self._last_trouble = (error.message, self.desk.clock.now())
            self.say(f"pass abandoned, will try again: {error.message}")
        else:
            self.trouble = ""
        try:
            nxt = self.desk.clock.now() + self.interval
            self.beat("idle" if self.once else f"idle; next pass at {format_ts(nxt)}")
        except JournalError:
            pass  # still locked: the next pass says so
        return report

    def run(self) -> int:
        """Pass after pass until stopped; 0 when stopped cleanly."""
        for beat in heartbeat.prune(self.desk.journal):
            self.say(f"removed the heartbeat of a watcher that is gone: {beat.label}")
        self.say(
            f"watching {self.desk.journal.path} every {self.interval.total_seconds():g}s "
            f"as {self.me.label}"
        )
        try:
            while not self.stopping:
                try:
                    self.run_pass()
                except Exception as exc:  # a bug must not end paging for every incident
                    self.say(f"pass failed ({type(exc).__name__}: {exc}); trying again")
                    self.say(traceback.format_exc().rstrip())
                self.stop_event.wait(self.interval.total_seconds())
        finally:
            self.close()
        return 0

    def close(self) -> None:
        """Stop being visible as a watcher (a cron watcher's heartbeat stays: it is the
        only sign it runs at all)."""
        if self.once:
            return
        try:
            heartbeat.drop(self.desk.journal, self.me.key)
        except JournalError as error:
            self.say(f"could not remove the heartbeat: {error.message}")
        self.say("stopped")


def _stat(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except OSError:
        return (0, -1)
    return (st.st_mtime_ns, st.st_size)


def _scan_lines(done: scheduled.Scheduled) -> list[str]:
    """What the watcher prints about one pass's scheduled scan."""
    lines = [f"defect opened: {found.text}" for found in done.opened]
    lines += [f"defect closed: {text}" for text in done.closed]
    if done.problem:
        return [*lines, done.problem]
    report = done.report
    if report is None:
        return lines
    for finding in report.findings:
        record = done.recorded.get(finding.id, "")
        name = f"{record} {finding.rule}" if record else finding.rule
        lines.append(f"finding {name}: {single_line(finding.title)}")
    for defect in report.opened:
        lines.append(f"defect opened: log source {defect.source} {defect.problem}")
    for defect in report.closed:
        lines.append(f"defect closed: log source {defect.source} {defect.problem}")
    lines.append(
        f"scanned {', '.join(done.sources)}: {report.lines:,} line(s), "
        f"{len(report.findings)} new finding(s)"
        + ("; more to read at the next pass" if report.more else "")
    )
    return lines


def _fired_line(outgoing: Outgoing, failed: list[NotifyResult]) -> str:
    payload = outgoing.entry.payload
    line = (
        f"{outgoing.entry.incident_id} {payload.get('timer')} level {payload.get('level')}"
        + (f" reminder {payload['repeat']}" if payload.get("repeat") else "")
        + f" fired (due {payload.get('due_at')})"
    )
    if payload.get("late_reason"):
        line += f", late: {payload['late_reason']}"
    if not outgoing.calls:
        return line + "; no notify command"
    if failed:
        return line + "; notify failed: " + "; ".join(str(r.error) for r in failed)
    return line + "; notified"
