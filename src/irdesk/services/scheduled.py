"""Scheduled scans: the detection the watcher runs (``scan:`` in the config; docs/watch.md).

Each pass, :func:`run_due` scans the log sources whose time has come (``scan.every``, or
the source's own ``scan.sources.<id>``), with the rules ``irdesk scan`` uses (bundled,
then ``<home>/rules/``: :meth:`~irdesk.services.desk.Desk.ruleset`), recording findings
and defects exactly as ``irdesk scan`` does
(:class:`~irdesk.services.findings.JournalRecorder`), so cron and the watcher can both
scan one journal and a finding is still recorded once.

A source's scans never overlap: before scanning, a watcher *claims* the source in the
journal's runtime state (namespace ``scan``, key ``schedule``: per source when its last
scan started, when it finished and who ran it), in one write transaction, so a second
watcher sees it claimed and leaves it; a claim whose scanner vanished (no finish after
:data:`CLAIM_EXPIRES`) is taken over, and one of the watcher's own that it could not mark
finished (a locked journal) is scanned again at its next pass. Each scan reads at most
:data:`MAX_READ` bytes of each file group; a source with more to read is due again at the
next pass.

A scan that cannot run is a **defect** (area ``scan``), not a crash: rules files with
errors (``scan/rules``), or a scan that failed (``scan/failed``, with the error). Each is
closed by the next scan that runs. A journal that is locked is the watcher's to handle
(the pass is tried again).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from irdesk.domain.clock import to_utc
from irdesk.domain.config import ScanSettings
from irdesk.domain.defects import Found
from irdesk.formats.rules import RuleSet
from irdesk.services import defects
from irdesk.services.desk import Desk
from irdesk.services.findings import JournalRecorder
from irdesk.services.scan import SCAN_NAMESPACE, ScanReport, scan
from irdesk.store import Journal, JournalError

SCHEDULE_KEY = "schedule"
AREA = "scan"  # the defects of scheduled scans
MAX_READ = 64 * 1024 * 1024  # bytes of each file group one scheduled scan reads at most
CLAIM_EXPIRES = timedelta(hours=1)  # a scan unfinished for this long was abandoned


@dataclass
class Scheduled:
    """What one pass's scheduled scan did."""

    sources: list[str] = field(default_factory=list)  # the sources scanned
    report: ScanReport | None = None
    recorded: dict[str, str] = field(default_factory=dict)  # finding id -> FND id
    problem: str = ""  # why no scan could run (also a defect)
    opened: list[Found] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)  # texts of the defects closed


def due(
    settings: ScanSettings,
    sources: Sequence[str],
    schedule: dict[str, Any],
    now: datetime,
    who: str,
) -> list[str]:
    """The sources due for a scan by ``who`` at ``now``, given the saved ``schedule``. A
    scan ``who`` claimed and never finished (the journal was locked when it ended) is
    ``who``'s to run again: one scanner scans one source at a time."""
    found = []
    for sid in sources:
        every = settings.every_for(sid)
        if every is None:
            continue
        started, finished, more, by = _slot(schedule.get(sid))
        if started is None:
            found.append(sid)
        elif finished is None:  # running, or its scanner vanished
            if by == who or now - started >= CLAIM_EXPIRES:
                found.append(sid)
        elif more or now - started >= every:
            found.append(sid)
    return found


def _slot(value: object) -> tuple[datetime | None, datetime | None, bool, str]:
    if not isinstance(value, dict):
        return None, None, False, ""
    started, finished = _when(value.get("started")), _when(value.get("finished"))
    return started, finished, bool(value.get("more")), str(value.get("by", ""))


def _when(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return to_utc(datetime.fromisoformat(value))
    except ValueError:
        return None


def claim(
    journal: Journal, settings: ScanSettings, sources: Sequence[str], now: datetime, who: str
) -> list[str]:
    """Claim the sources due now for this scanner (one transaction: two watchers never
    claim the same source at once); the others are left to whoever holds them."""
    with journal.transaction():
        saved = journal.runtime(SCAN_NAMESPACE).get(SCHEDULE_KEY)
        schedule = dict(saved[0]) if saved else {}
        mine = due(settings, sources, schedule, now, who)
        if mine:
            for sid in mine:
                schedule[sid] = {"started": now.isoformat(), "finished": None, "by": who}
            journal.put_runtime(SCAN_NAMESPACE, SCHEDULE_KEY, schedule)
    return mine


def release(journal: Journal, sources: Sequence[str], now: datetime, who: str, more: bool) -> None:
    """Mark the claimed sources' scan finished (``more``: due again at the next pass)."""
    with journal.transaction():
        saved = journal.runtime(SCAN_NAMESPACE).get(SCHEDULE_KEY)
        schedule = dict(saved[0]) if saved else {}
        for sid in sources:
            slot = schedule.get(sid)
            if isinstance(slot, dict) and slot.get("by") == who:
                schedule[sid] = {**slot, "finished": now.isoformat(), "more": more}
        journal.put_runtime(SCAN_NAMESPACE, SCHEDULE_KEY, schedule)


def run_due(
    desk: Desk,
    settings: ScanSettings,
    *,
    who: str,
    ruleset: RuleSet | None = None,
    beat: Callable[[str], None] | None = None,
) -> Scheduled:
    """Scan the sources due now (none when nothing is due, or scanning is off); ``beat``
    is told what is being scanned (the watcher's heartbeat)."""
    done = Scheduled()
    if not settings.enabled:
        return done
    journal = desk.journal
    ruleset = ruleset if ruleset is not None else desk.ruleset()
    errors = ruleset.errors
    if errors:
        count = len(errors)
        done.problem = (
            f"{count} problem{'s' * (count != 1)} in the rules files: scheduled scans "
            "stopped until they are fixed (irdesk validate shows them)"
        )
        _record(desk, done, [Found(f"{AREA}/rules", AREA, done.problem, str(errors[0]))])
        return done
    needed = list(dict.fromkeys(s for rule in ruleset.rules.values() for s in rule.requires))
    now = desk.clock.now()
    mine = claim(journal, settings, needed, now, who)
    if not mine:
        return done
    done.sources = mine
    if beat is not None:
        beat(f"scanning {', '.join(mine)}")
    rules = [r for r in ruleset.rules.values() if set(r.requires) & set(mine)]
    files = [m.source for m in ruleset.used_files() if m.source is not None]
    recorder = JournalRecorder(journal, ruleset, desk.actor)
    more = False
    try:
        done.report = scan(
            rules, ruleset.sources, recorder, now=now, rules_files=files, max_read=MAX_READ
        )
        done.recorded = dict(recorder.recorded)
        more = done.report.more
    except JournalError:
        raise  # a locked journal: the watcher tries the whole pass again
    except Exception as exc:  # a scan that fails is a defect, not the watcher's end
        done.problem = f"a scheduled scan of {', '.join(mine)} failed: {type(exc).__name__}"
        _record(desk, done, [Found(f"{AREA}/failed", AREA, done.problem, str(exc))])
        return done
    finally:
        release(journal, mine, desk.clock.now(), who, more)
    _record(desk, done, [])
    return done


def _record(desk: Desk, done: Scheduled, found: list[Found]) -> None:
    recorded = defects.record(desk.journal, AREA, found, actor=desk.actor)
    done.opened = recorded.opened
    done.closed = [d.text for d in recorded.closed]
