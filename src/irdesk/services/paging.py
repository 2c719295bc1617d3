"""Paging by hand: who a page to a role or a person reaches, and the test page.

``irdesk page ROLE|PERSON --incident ID "message"`` (and the runner's page key) goes through
:meth:`irdesk.services.incident.IncidentSession.page`, journaled in the incident like an
escalation. ``--test`` goes through :func:`test_page`: the roster's notify command runs with
test values, touching no incident; what it did is recorded in the desk chain, so the last
time the command was seen to work is on record.
"""

from __future__ import annotations

from dataclasses import dataclass

from irdesk.domain.clock import local_date
from irdesk.domain.incident import ActionError
from irdesk.domain.notify import page_target
from irdesk.services import notify
from irdesk.services.desk import Desk
from irdesk.services.notify import NotifyResult
from irdesk.store import DESK_ID

TESTED = "page.tested"


@dataclass(frozen=True)
class TestPage:
    role: str | None
    people: tuple[str, ...]
    results: tuple[NotifyResult, ...]

    @property
    def ok(self) -> bool:
        return bool(self.results) and all(r.ok for r in self.results)


def test_page(desk: Desk, target: str, text: str = "") -> TestPage:
    """Run the roster's notify command for ``target`` with test values, as a page would,
    and record what it did in the desk chain (``page.tested``). Touches no incident."""
    roster = desk.roster
    if roster is None:
        raise ActionError(desk.roster_problem or "there is no roster: nobody to page")
    if roster.notify is None:
        raise ActionError("the roster has no notify command to test")
    roles = {p.contact_point for p in desk.catalog.playbooks.values()}
    role, people = page_target(target.strip(), roster, roles, {}, local_date(desk.clock.now()))
    message = f"irdesk test page from {desk.actor}: {text.strip() or 'please ignore'}"
    values = {
        "incident": "TEST",
        "timer": "test",
        "level": "0",
        "role": role or "",
        "people": ", ".join(people),
        "message": message,
    }
    timeout = roster.notify.timeout.total_seconds()
    calls = notify.plan(roster.notify, values, people, roster)
    results = tuple(notify.run_call(call, timeout) for call in calls)
    desk.journal.desk(desk.actor)
    desk.journal.append(
        DESK_ID,
        TESTED,
        {
            "target": target.strip(),
            "role": role,
            "people": list(people),
            "message": message,
            "results": [r.as_payload() for r in results],
        },
        actor=desk.actor,
    )
    return TestPage(role, people, results)
