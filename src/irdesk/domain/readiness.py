"""Readiness: is the desk able to respond? The checks, on facts the services gathered.

SAMM asks that the people and resources a response needs be ready, and that their
unavailability be found and corrected in time (O-IM-3-B), and that exercises run regularly.
Each check here looks at one thing and returns the problems it finds as
:class:`~irdesk.domain.defects.Found` with stable keys, so the same problem found tomorrow
is the same defect, still open:

- ``coverage/<role>/gap`` and ``coverage/<role>/single``: for each of the next N days,
  who can be paged for a contact point (on call, not away, with the details the notify
  command needs); nobody is a gap; one person is a single point of failure. Escalation
  roles are checked for gaps.
- ``role/<role>/nobody``: a contact point or owner role nobody on the roster holds.
- ``roster``: no roster, or one that did not load; ``notify``: no notify command, or its
  program is missing or not executable.
- ``playbook/<id>/review``: not reviewed within the review period;
  ``playbook/<id>/drill``: no drill on it within the exercise cadence.
- ``backup``: the journal's newest backup or replica is missing or older than allowed.

Pure: no clock, no files (the services pass ``today``, ``now`` and what they found).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from irdesk.domain.clock import to_utc
from irdesk.domain.defects import Found
from irdesk.domain.durations import format_duration
from irdesk.domain.models import Person, Playbook, Roster
from irdesk.domain.notify import fields as command_fields

AREA = "readiness"


def _found(key: str, text: str, detail: str = "") -> Found:
    return Found(f"{AREA}/{key}", AREA, text, detail)


def _ranges(days: Sequence[date]) -> str:
    """``2026-12-01 – 2026-12-03, 2026-12-07`` for a sorted list of days."""
    spans: list[list[date]] = []
    for day in days:
        if spans and (day - spans[-1][1]).days == 1:
            spans[-1][1] = day
        else:
            spans.append([day, day])
    return ", ".join(
        a.isoformat() if a == b else f"{a.isoformat()} – {b.isoformat()}" for a, b in spans
    )


def needed_details(roster: Roster) -> frozenset[str]:
    """The contact details the notify command needs of each person it pages."""
    if roster.notify is None:
        return frozenset()
    return frozenset(command_fields(roster.notify.command) & {"phone", "email", "handle"})


def pageable(person: Person, needed: frozenset[str]) -> bool:
    """Whether a page can reach this person (the details the command needs, or with no
    per-person command, any way to reach them at all)."""
    if needed:
        return all(getattr(person, detail) for detail in needed)
    return person.reachable


@dataclass(frozen=True)
class RoleUse:
    """Why a role matters to readiness: the playbooks it is contact point, owner or an
    escalation level of."""

    contact_point: tuple[str, ...] = ()
    owner: tuple[str, ...] = ()
    escalation: tuple[str, ...] = ()

    def describe(self) -> str:
        parts = []
        for label, ids in (
            ("contact point", self.contact_point),
            ("owner", self.owner),
            ("an escalation level", self.escalation),
        ):
            if ids:
                parts.append(f"{label} of {', '.join(sorted(ids))}")
        return "; ".join(parts)


def role_uses(playbooks: Iterable[Playbook]) -> dict[str, RoleUse]:
    found: dict[str, dict[str, set[str]]] = {}
    for playbook in playbooks:
        uses = (
            ("contact_point", [playbook.contact_point]),
            ("owner", [playbook.owner]),
            ("escalation", [lvl.role for t in playbook.timers for lvl in t.escalate]),
        )
        for what, roles in uses:
            for role in roles:
                found.setdefault(role, {}).setdefault(what, set()).add(playbook.id)
    parts = ("contact_point", "owner", "escalation")
    return {
        role: RoleUse(*(tuple(sorted(u.get(part, ()))) for part in parts))
        for role, u in found.items()
    }


def coverage(roster: Roster, uses: Mapping[str, RoleUse], today: date, days: int) -> list[Found]:
    """Who can be paged for each role on each of the next ``days`` days."""
    needed = needed_details(roster)
    problems = []
    for role in sorted(uses):
        use = uses[role]
        if not roster.holders(role):
            if use.contact_point or use.owner:
                problems.append(
                    _found(
                        f"role/{role}/nobody",
                        f"nobody on the roster holds {role} ({use.describe()})",
                    )
                )
            elif use.escalation:
                problems.append(
                    _found(
                        f"coverage/{role}/gap",
                        f"nobody can be paged for {role}: nobody on the roster holds it "
                        f"({use.describe()})",
                    )
                )
            continue
        gaps: list[date] = []
        single: dict[str, list[date]] = {}
        for offset in range(days):
            day = today + timedelta(days=offset)
            able = [p for p in roster.on_call_on(role, day) if pageable(p, needed)]
            if not able:
                gaps.append(day)
            elif len(able) == 1:
                single.setdefault(able[0].name, []).append(day)
        why = "" if not needed else f" (the notify command needs {', '.join(sorted(needed))})"
        if gaps:
            problems.append(
                _found(
                    f"coverage/{role}/gap",
                    f"nobody can be paged for {role} on {_ranges(gaps)}{why}",
                    use.describe(),
                )
            )
        if single and use.contact_point:
            who = "; ".join(f"{name} on {_ranges(d)}" for name, d in sorted(single.items()))
            problems.append(
                _found(
                    f"coverage/{role}/single",
                    f"only one person can be paged for contact point {role}: {who}",
                    use.describe(),
                )
            )
    return problems


def roster_problem(problem: str) -> list[Found]:
    return [_found("roster", problem)]


def notify_command(roster: Roster, found: bool | None, executable: bool) -> list[Found]:
    """``found``: whether the command's program was found (None: no command)."""
    if roster.notify is None:
        return [_found("notify", "the roster has no notify command: escalations page nobody")]
    program = roster.notify.command[0]
    if not found:
        return [_found("notify", f"the notify command's program {program} was not found")]
    if not executable:
        return [_found("notify", f"the notify command's program {program} is not executable")]
    return []


def reviews(playbooks: Iterable[Playbook], today: date, every: timedelta) -> list[Found]:
    problems = []
    for playbook in sorted(playbooks, key=lambda p: p.id):
        if today - playbook.reviewed > every:
            problems.append(
                _found(
                    f"playbook/{playbook.id}/review",
                    f"playbook {playbook.id} was last reviewed on {playbook.reviewed}, more "
                    f"than {format_duration(every)} ago",
                )
            )
    return problems


def drills(
    playbooks: Iterable[Playbook],
    last_drill: Mapping[str, datetime],
    now: datetime,
    every: timedelta,
) -> list[Found]:
    """``last_drill``: playbook id → when the latest drill on it was run."""
    problems = []
    for playbook in sorted(playbooks, key=lambda p: p.id):
        last = last_drill.get(playbook.id)
        if last is None:
            text = f"playbook {playbook.id} has never been drilled"
        elif now - last > every:
            text = (
                f"playbook {playbook.id} was last drilled on {last.date()}, more than "
                f"{format_duration(every)} ago"
            )
        else:
            continue
        problems.append(
            _found(
                f"playbook/{playbook.id}/drill",
                text,
                f"exercise cadence: every {format_duration(every)}",
            )
        )
    return problems


def backup(pattern: str, newest: datetime | None, now: datetime, max_age: timedelta) -> list[Found]:
    """``newest``: when the newest file matching ``pattern`` was last modified."""
    if newest is None:
        return [_found("backup", f"no backup or replica of the journal found at {pattern}")]
    age = now - newest
    if age > max_age:
        return [
            _found(
                "backup",
                f"the journal's newest backup ({pattern}) is {format_duration(age)} old; "
                f"at most {format_duration(max_age)} is allowed",
            )
        ]
    return []


def latest_scheduled(now: datetime, check_at: Sequence[time]) -> datetime:
    """The most recent moment, at or before ``now``, that is one of the local times of day
    ``check_at`` (aware, UTC)."""
    local = to_utc(now).astimezone()
    moments = []
    for at in check_at:
        moment = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
        if moment > local:
            moment -= timedelta(days=1)
        moments.append(moment)
    return to_utc(max(moments))


def check_due(last: datetime | None, now: datetime, check_at: Sequence[time]) -> bool:
    """Whether the watcher should run the readiness checks now: never run, or not since
    the latest scheduled time."""
    return last is None or last < latest_scheduled(now, check_at)
