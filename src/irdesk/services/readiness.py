"""Readiness checks (``irdesk check``, and the watcher once a day): gather the facts, run
the checks of :mod:`irdesk.domain.readiness`, record what they find as defects in the desk
chain (opened when first seen, closed when the check passes again).
"""

from __future__ import annotations

import glob
import os
import shutil
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime

from irdesk import paths
from irdesk.domain import readiness
from irdesk.domain.clock import local_date
from irdesk.domain.config import Config
from irdesk.domain.defects import Defect, Found
from irdesk.domain.drill import DK
from irdesk.domain.incident import K
from irdesk.domain.models import Roster
from irdesk.services import defects
from irdesk.services.desk import Desk
from irdesk.store import Journal

#: runtime state: when the readiness checks last ran (the watcher runs them once a day)
NAMESPACE = "readiness"
LAST = "last"


@dataclass
class Readiness:
    """What one run of the checks found, and what it opened and closed in the journal."""

    checked_at: datetime
    problems: list[Found] = field(default_factory=list)
    opened: list[Found] = field(default_factory=list)
    closed: list[Defect] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.problems


def find(desk: Desk, config: Config) -> list[Found]:
    """Every readiness problem now (nothing is recorded)."""
    now = desk.clock.now()
    today = local_date(now)
    settings = config.readiness
    problems: list[Found] = []
    catalog = desk.catalog
    playbooks = list(catalog.playbooks.values())
    if settings.playbooks is not None:
        wanted = set(settings.playbooks)
        for missing in sorted(wanted - set(catalog.playbooks)):
            problems.append(
                Found(
                    f"{readiness.AREA}/playbook/{missing}/missing",
                    readiness.AREA,
                    f"the config's readiness.playbooks names {missing}, which is not a valid "
                    "playbook here (run irdesk validate)",
                )
            )
        playbooks = [p for p in playbooks if p.id in wanted]
    roster = desk.roster
    if roster is None:
        problem = desk.roster_problem or (
            f"no roster at {paths.roster_path()}: nobody can be paged"
        )
        problems += readiness.roster_problem(problem)
    else:
        uses = readiness.role_uses(playbooks)
        problems += readiness.coverage(roster, uses, today, settings.coverage_days)
        problems += readiness.notify_command(roster, *_program(roster))
    problems += readiness.reviews(playbooks, today, settings.review_every)
    problems += readiness.drills(playbooks, last_drills(desk.journal), now, settings.drill_every)
    if settings.backup is not None:
        newest = _newest(settings.backup.path)
        problems += readiness.backup(settings.backup.path, newest, now, settings.backup.max_age)
    return problems


def check(desk: Desk, config: Config, *, record: bool = True) -> Readiness:
    """Run every check; with ``record``, open and close defects and note when it ran."""
    result = Readiness(desk.clock.now(), find(desk, config))
    if record:
        done = defects.record(desk.journal, readiness.AREA, result.problems, actor=desk.actor)
        result.opened, result.closed = done.opened, done.closed
        desk.journal.put_runtime(NAMESPACE, LAST, {"at": result.checked_at.isoformat()})
    return result


def last_checked(journal: Journal) -> datetime | None:
    found = journal.runtime(NAMESPACE).get(LAST)
    if found is None:
        return None
    try:
        return datetime.fromisoformat(str(found[0]["at"])).astimezone(UTC)
    except (KeyError, ValueError):
        return None


def last_drills(journal: Journal) -> dict[str, datetime]:
    """Playbook id → when the latest drill on it that was run (ended, or closed) began."""
    latest: dict[str, datetime] = {}
    for record in journal.incidents(mode="drill"):  # newest first
        if record.playbook_id in latest or record.created_at is None:
            continue
        if record.status == "closed" or _ended(journal, record.id):
            latest[record.playbook_id] = record.created_at
    return latest


def _ended(journal: Journal, drill_id: str) -> bool:
    return any(e.kind in (DK.ENDED, K.CLOSED) for e in journal.entries(drill_id))


def _program(roster: Roster) -> tuple[bool | None, bool]:
    """(found, executable) for the notify command's program."""
    if roster.notify is None:
        return None, False
    program = roster.notify.command[0]
    path = program if os.sep in program else shutil.which(program)
    if path is None:
        return False, False
    try:
        st = os.stat(path)
    except OSError:
        return False, False
    return True, stat.S_ISREG(st.st_mode) and os.access(path, os.X_OK)


def _newest(pattern: str) -> datetime | None:
    """When the newest file matching ``pattern`` was last modified (by ``stat`` alone:
    backups of a journal are journal files, which only SQLite may open)."""
    newest = None
    for name in glob.glob(os.path.expanduser(pattern)):
        try:
            st = os.stat(name)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            newest = max(newest or 0.0, st.st_mtime)
    return datetime.fromtimestamp(newest, UTC) if newest is not None else None
