"""Scripted incidents and drills for the report tests, the benchmark and for looking at.

Everything goes through the real store and services (``Desk``, ``IncidentSession``,
``DrillSession``, ``ReviewSession``) with a :class:`FixedClock` and, inside
:func:`fixed_uids`, deterministic uids, so two runs write byte-identical journals (same
hashes) and the golden reports stay stable.

The scripts use the step ids of the bundled ``account-compromise`` playbook; the frozen
copy in this folder (``phish-response``, and the ``ttx-phish`` scenario) has the same ids,
so they run on either.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

from irdesk.domain.clock import FixedClock
from irdesk.formats.catalog import Catalog
from irdesk.services import incident as incident_service
from irdesk.services.desk import Desk
from irdesk.services.drill import DrillSession
from irdesk.services.incident import IncidentSession
from irdesk.services.review import ReviewSession, close_improvement
from irdesk.store import Journal

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
EARLIER = datetime(2026, 10, 20, 14, 0, tzinfo=UTC)
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
REPORT_AT = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
DRILL_T0 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
DRILL_REPORT_AT = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def fixture_catalog() -> Catalog:
    return Catalog.load([(HERE, False)])


def bundled_catalog() -> Catalog:
    return Catalog.load([(REPO / "playbooks", True), (REPO / "scenarios", True)])


@contextmanager
def fixed_uids() -> Iterator[None]:
    """Entry uids and session tokens (uuid4, host name, pid) fixed: stable hashes."""
    counter = itertools.count(1)

    def uuid4():  # noqa: ANN202
        return SimpleNamespace(hex=f"{next(counter):032x}")

    fake = SimpleNamespace(uuid4=uuid4)
    host = SimpleNamespace(gethostname=lambda: "desk")
    with (
        mock.patch("irdesk.store.journal._uid", lambda: uuid4().hex),
        mock.patch("irdesk.services.incident.uuid", fake),
        mock.patch("irdesk.services.incident.socket", host),
        mock.patch.object(os, "getpid", return_value=4242),
    ):
        yield


@dataclass
class Scripted:
    journal: Journal
    clock: FixedClock
    desk: Desk
    earlier: str  # id of the earlier incident on the same playbook
    incident: str  # id of the incident the report is about
    now: datetime


def _at(clock: FixedClock, when: datetime) -> None:
    clock.set(when)


def _walk_done(
    session: IncidentSession,
    clock: FixedClock,
    step: str,
    at: datetime,
    ticks: dict[int, str | None] | None = None,
) -> None:
    """Tick every checklist item of ``step`` (evidence where needed) and complete it."""
    playbook = session.playbook
    items = playbook.step(step).checklist
    for n, item in enumerate(items):
        evidence = (ticks or {}).get(n)
        if item.evidence and not evidence:
            evidence = f"case folder / {step} / item {n + 1}"
        session.tick(step, n, evidence)
    _at(clock, at)
    session.complete(step)


def script_incident(
    path: Path, catalog: Catalog, playbook_id: str = "phish-response", *, actor: str = "ada"
) -> Scripted:
    """Two incidents on one playbook: an earlier one with a saved review and improvement
    items, and the one a report is about, worked through the whole playbook."""
    clock = FixedClock(EARLIER)
    journal = Journal.open(path, clock=clock)
    desk = Desk(journal, catalog=catalog, clock=clock, actor=actor)
    playbook = catalog.playbooks[playbook_id]

    # ---------------------------------------------------------------- the earlier incident
    s1 = desk.declare(playbook, title="Invoice lure sent to the finance team", severity="SEV3")
    s1.assign("security-lead", "chen")
    _at(clock, EARLIER + timedelta(minutes=9))
    _walk_done(s1, clock, "triage", EARLIER + timedelta(minutes=11))
    _walk_done(s1, clock, "scope-campaign", EARLIER + timedelta(minutes=40))
    _at(clock, EARLIER + timedelta(minutes=42))
    s1.decide("credentials-entered", 1)
    _walk_done(s1, clock, "block-indicators", EARLIER + timedelta(minutes=70))
    _at(clock, EARLIER + timedelta(hours=3))
    s1.close("Lure purged from 12 mailboxes; nobody entered credentials.")
    r1 = ReviewSession(s1)
    _at(clock, EARLIER + timedelta(days=1))
    r1.set_root_cause("A lookalike domain registered the day before passed the mail filter.")
    r1.add_note("went_well", "The first recipient reported it within minutes.")
    r1.add_improvement(
        "Log Safe Links clicks for every mailbox, not only pilot users",
        owner="chen",
        due="2026-11-15",
        step="scope-campaign",
        poete="equipment",
    )
    r1.add_improvement(
        "Phishing refresher for the finance team",
        owner="Head of Finance",
        due="2027-01-31",
        poete="training",
        organization="Finance",
        issue="The finance team did not recognise the lure",
    )
    r1.add_improvement(
        "Enforce DMARC p=reject on our own domains", owner="dev", due="2026-11-10", poete="planning"
    )
    r1.save("Low impact; two follow-ups for detection and awareness.")
    _at(clock, EARLIER + timedelta(days=18))
    close_improvement(
        journal, "INC-0001-3", "done", "DMARC at p=reject since 2026-11-07", actor="dev"
    )

    # ---------------------------------------------------------------- the incident
    _at(clock, T0)
    s = desk.declare(
        playbook,
        title="CEO mailbox used to request a fraudulent payment",
        severity="SEV2",
        detected_at=T0 - timedelta(minutes=20),
        started_at=datetime(2026, 11, 22, 18, 10, tzinfo=UTC),
        backdate_reason="detected: SIEM alert time; started: first malicious sign-in in the "
        "identity provider log",
    )
    _at(clock, T0 + timedelta(minutes=2))
    s.assign("scribe", "ben")
    s.assign("security-lead", "chen")
    s.assign("it-ops", "dev")
    _at(clock, T0 + timedelta(minutes=4))
    s.note(
        "Priya (accounts payable) held the 48,200 EUR transfer; the request came from "
        "the CEO's real mailbox in an existing thread."
    )
    # the commander is in a meeting: the acknowledge timer (20m) escalates to her
    _at(clock, T0 + timedelta(minutes=21))
    s.check_timers()
    _at(clock, T0 + timedelta(minutes=23))
    s.acknowledge("acknowledge")
    _walk_done(
        s,
        clock,
        "triage",
        T0 + timedelta(minutes=24),
        {1: "original .eml in case folder INC-0002/evidence/lure.eml"},
    )
    _at(clock, T0 + timedelta(minutes=25))
    s.set_severity("SEV1", "a payment of 12,000 EUR already left yesterday")
    _walk_done(s, clock, "scope-campaign", T0 + timedelta(minutes=63))
    _at(clock, T0 + timedelta(minutes=64))
    s.decide("credentials-entered", 0)
    _walk_done(s, clock, "revoke-access", T0 + timedelta(minutes=92))
    # containment (acknowledged + 1h) runs late while persistence is hunted
    _at(clock, T0 + timedelta(minutes=95))
    s.check_timers()
    _walk_done(s, clock, "hunt-persistence", T0 + timedelta(minutes=150))
    _at(clock, T0 + timedelta(minutes=152))
    note = s.note("Hidden inbox rule '..' forwarded invoices to an outside webmail address")
    _at(clock, T0 + timedelta(minutes=153))
    s.correct(note.seq, "the rule forwarded to two outside addresses, not one")
    _walk_done(s, clock, "block-indicators", T0 + timedelta(minutes=165))
    s.set_status("eradicating")
    _walk_done(s, clock, "assess-exposure", T0 + timedelta(hours=5, minutes=30))
    _walk_done(s, clock, "remove-persistence", T0 + timedelta(hours=6, minutes=10))
    _at(clock, T0 + timedelta(hours=6, minutes=12))
    s.decide("data-at-risk", 0)
    s.assign("legal", "eli")
    _walk_done(s, clock, "legal-review", T0 + timedelta(days=1, hours=1))
    s.set_status("recovering")
    _walk_done(s, clock, "restore-users", T0 + timedelta(days=1, hours=7))
    _at(clock, T0 + timedelta(days=1, hours=8))
    s.skip("compile-timeline", "the journal is the timeline; this report replaces the write-up")
    s.assign("commander", "chen", reason="ada on leave from 2026-11-25")
    desk_chen = Desk(journal, catalog=catalog, clock=clock, actor="chen")
    s = desk_chen.session(s.incident_id)
    _walk_done(s, clock, "root-cause", T0 + timedelta(days=3, hours=5))
    _walk_done(s, clock, "improve", T0 + timedelta(days=4, hours=2))  # marks closed

    # ---------------------------------------------------------------- its review
    _at(clock, T0 + timedelta(days=4, hours=2, minutes=30))
    r = ReviewSession(s)
    r.set_five_whys(
        "An attacker read the CEO's mail for two days and got one fraudulent payment through.",
        [
            "Why did the attacker read the CEO's mail? The assistant's account had delegate "
            "access and was compromised.",
            "Why was it compromised? He approved an MFA push he had not started.",
            "Why did a push suffice? Number matching is off for the assistants' group.",
            "Why is it off? It was exempted during the 2025 rollout and never revisited.",
            "Why did nobody notice the forwarding rule for two days? No detection for new "
            "inbox rules with external forwarding.",
        ],
        "MFA push approval is allowed for executive assistants with delegate access, and "
        "nobody is alerted when a new inbox rule forwards mail outside.",
    )
    r.add_note("went_well", "Accounts payable held the transfer and asked before paying.")
    r.add_note("went_well", "Sessions and refresh tokens were revoked, not only the password.")
    r.add_note("to_improve", "Scoping took 38 minutes: the message trace export is manual.")
    r.add_note("to_improve", "The bank was called 3 hours after we knew of the payment.")
    r.add_note(
        "lesson", "Delegate access makes an assistant's account as valuable as the executive's own."
    )
    r.add_improvement(
        "Turn on number matching for every group, assistants included",
        owner="dev",
        due="2026-12-04",
        step="revoke-access",
        poete="equipment",
    )
    r.add_improvement(
        "Alert on new inbox rules that forward outside the company",
        owner="chen",
        due="2026-12-11",
        step="hunt-persistence",
        poete="equipment",
    )
    r.add_improvement(
        "Give finance the bank's fraud line and the authority to call it",
        owner="Head of Finance",
        due="2026-11-20",
        step="legal-review",
        poete="organization",
    )
    r.add_improvement(
        "Tabletop the CEO-mailbox scenario with the assistants",
        owner="ada",
        due=None,
        poete="exercise",
    )
    r.save("Contained in under three hours; money-recovery steps were too slow.")
    return Scripted(journal, clock, desk, "INC-0001", s.incident_id, REPORT_AT)


@dataclass
class ScriptedDrill:
    journal: Journal
    clock: FixedClock
    desk: Desk
    drill: str
    now: datetime


def script_drill(
    path: Path, catalog: Catalog, scenario_id: str = "ttx-phish", *, actor: str = "fay"
) -> ScriptedDrill:
    """A tabletop on the scenario: injects delivered on the exercise clock (one skipped by
    the facilitator), expectations met, late and missed, hot wash, review."""
    clock = FixedClock(DRILL_T0)
    journal = Journal.open(path, clock=clock)
    desk = Desk(journal, catalog=catalog, clock=clock, actor=actor)
    scenario = catalog.scenarios[scenario_id]
    d: DrillSession = desk.start_drill(scenario, commander="ada")
    # Opening a drill used to build its session twice, drawing one more session token
    # (tokens are never journaled here); draw it, so the entry uids after it, and with
    # them the golden reports' hashes, stay as they were.
    incident_service.uuid.uuid4()
    d.assign("security-lead", "chen")
    d.assign("it-ops", "dev")
    _at(clock, DRILL_T0 + timedelta(minutes=3))
    d.start_clock()
    start = clock.now()

    def at(minutes: float) -> None:
        _at(clock, start + timedelta(minutes=minutes))
        d.deliver_due()

    at(0)
    at(1)
    d.acknowledge_inject("first-report")
    triage = d.playbook.step("triage").checklist
    for n, item in enumerate(triage):
        d.tick("triage", n, "lure.eml saved to the exercise folder" if item.evidence else None)
    at(8)
    d.complete("triage")  # marks acknowledged: met (10m), triage done met (15m)
    at(10)
    d.acknowledge_inject("trace-results")
    at(13)  # assistant-calls: 5m after triage was done
    d.acknowledge_inject("assistant-calls")
    d.complete("scope-campaign")  # met (deadline 30m)
    at(16)
    d.decide("credentials-entered", 0)  # met (deadline 18m)
    at(25)  # hidden-rule arrives: the hunt had not started
    d.acknowledge_inject("hidden-rule")
    at(27)
    d.skip_inject("cfo-pressure", "running short of time; covered in the hot wash")
    at(34)
    d.complete("hunt-persistence")  # in parallel, out of order: met (deadline 40m)
    at(40)  # session-still-live: sessions were not revoked yet
    d.acknowledge_inject("session-still-live")
    at(45)
    d.acknowledge_inject("supplier-calls")
    at(47)
    d.complete("revoke-access")  # late (deadline 43m); the pointer passes the hunt
    at(52)
    d.complete("block-indicators")  # contained: late (deadline 50m)
    d.note("Facilitator: the team never called the bank nor brought in legal.")
    at(60)
    d.end_drill()
    _at(clock, start + timedelta(minutes=62))
    d.answer(0, "Only at minute 40, when the CFO asked; nobody owned the bank call.")
    d.answer(1, "Number matching for everyone; passkeys for assistants first.")
    d.answer(1, "A rule that travelling staff never approve prompts they did not start.")
    d.answer(3, "Legal decides, comms drafts; we did not get there in the hour.")
    d.finish_hotwash()
    _at(clock, start + timedelta(minutes=65))
    d.close("Tabletop finished; hot wash held.")
    r = ReviewSession(d)
    _at(clock, start + timedelta(minutes=80))
    r.set_root_cause(
        "The team had no owner for contacting the bank, so money recovery waited on containment."
    )
    r.add_note("went_well", "Sessions were revoked within 4 minutes of the assistant's call.")
    r.add_note("to_improve", "Nobody brought in legal when the supplier called.")
    r.add_note("lesson", "Name a money-recovery owner at declaration for any payment fraud.")
    r.set_five_whys(
        "The bank was not called during the hour although a payment had already left.",
        [
            "Nobody took the bank call on: it was nobody's step.",
            "The playbook has no money-recovery step before the exposure assessment.",
        ],
        "The playbook leaves money recovery until after containment.",
    )
    r.add_improvement(
        "Add a 'call the bank' step with a named owner to the playbook",
        owner="ada",
        due="2026-12-16",
        step="assess-exposure",
        poete="planning",
        issue="Nobody owned the call to the bank",
        organization="Security",
        start="2026-12-03",
    )
    r.add_improvement(
        "Brief legal on supplier-fraud calls and give them the desk's number",
        owner="eli",
        due="2027-01-15",
        poete="training",
        issue="Legal was not brought in when the supplier called",
        organization="Legal",
    )
    r.save("Containment objective met; money and legal objectives need work.")
    return ScriptedDrill(journal, clock, desk, d.incident_id, DRILL_REPORT_AT)
