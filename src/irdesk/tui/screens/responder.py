"""The responder's side of a live incident or drill, shared by the runner and drill screens.

Both screens compose the same read-only widgets (header, steps, step panel, timers,
timeline) and mix this in for what a responder does to the incident: the ``runner.*``
keys, each journaled through the services, and keeping the view live (other processes'
writes, escalations as their time comes and their notify commands). A screen that mixes
it in provides ``session`` (the incident's session), ``selected`` (the step shown) and
:meth:`show_state` (paint everything from the fold); :meth:`show_clock` repaints what moves
with time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from textual import on, work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen

from irdesk.domain.clock import local_hms
from irdesk.domain.describe import LABELS, describe, label
from irdesk.domain.entry import Entry
from irdesk.domain.events import MILESTONES
from irdesk.domain.fold import IncidentState
from irdesk.domain.incident import STATUSES
from irdesk.domain.models import Step
from irdesk.domain.timeline import EntryFilter
from irdesk.services.heartbeat import watch_status
from irdesk.services.improvements import item_line, open_items_on_playbook
from irdesk.services.incident import IncidentSession, Outgoing
from irdesk.services.notify import NotifyResult
from irdesk.text import visible
from irdesk.tui.modals.close import CloseDialog, CloseRequest
from irdesk.tui.modals.correct import CorrectDialog, CorrectRequest
from irdesk.tui.modals.milestone import MilestoneDialog, MilestoneRequest
from irdesk.tui.modals.note import NoteDialog
from irdesk.tui.modals.prompts import ChoicePrompt, ConfirmPrompt, TextPrompt
from irdesk.tui.modals.role import RoleDialog, RoleRequest
from irdesk.tui.widgets.header import IncidentHeader
from irdesk.tui.widgets.step_panel import StepPanel
from irdesk.tui.widgets.steps import StepList
from irdesk.tui.widgets.timeline import TIMELINE_LINES, Timeline
from irdesk.tui.widgets.timers import TimerPanel
from irdesk.tui.writes import polling

#: what a responder does, on keys (the runner's and the drill screen's)
RESPONDER_BINDINGS: list[BindingType] = [
    Binding("space", "toggle_item", "Tick", id="runner.tick"),
    Binding("d", "done", "Done", id="runner.done"),
    Binding("s", "skip", "Skip", id="runner.skip"),
    Binding("o", "option", "Option", id="runner.option"),
    Binding("n", "note", "Note", id="runner.note"),
    Binding("m", "milestone", "Milestone", id="runner.milestone"),
    Binding("a", "acknowledge", "Ack", id="runner.acknowledge"),
    Binding("v", "severity", "Severity", id="runner.severity"),
    Binding("t", "status", "Status", id="runner.status"),
    Binding("r", "roles", "Roles", id="runner.roles"),
    Binding("e", "page", "Page", id="runner.page", show=False),
    Binding("slash", "search", "Search", id="runner.search", show=False),
    Binding("l", "timeline", "Timeline", id="runner.timeline", show=False),
    Binding("g", "goto_current", "Current step", id="runner.current", show=False),
    Binding("p", "contacts", "Contacts", id="runner.contacts", show=False),
    Binding("U", "status_update", "Status update", id="runner.update", show=False),
    Binding("c", "close_incident", "Close", id="runner.close"),
    Binding("x", "correct", "Correct", id="runner.correct", show=False),
    Binding("escape", "back", "Home", id="runner.back"),
    *[
        Binding(str(n), f"tick_number({n})", f"Tick item {n}", show=False, id=f"runner.tick_{n}")
        for n in range(1, 10)
    ],
]


#: how often a responder's screen looks for other responders' writes (one cheap PRAGMA):
#: a note written elsewhere shows within this, half of it on average
POLL_SECONDS = 0.25


class Responder(Screen[None]):
    """The base of the runner and drill screens: the responder's actions and a live view.

    Neither screen switches anything of it off: the drill screen adds the facilitator's
    keys and widgets; replay, which writes nothing, is a screen of its own.
    """

    BINDINGS = RESPONDER_BINDINGS
    session: IncidentSession

    @dataclass
    class IncidentClosed(Message):
        """A responder closed the incident: its after-action review comes next."""

        incident_id: str

    def __init__(self, session: IncidentSession) -> None:
        super().__init__()
        self.session = session
        self.selected: str | None = session.state.current or (
            session.playbook.steps[0].id if session.playbook.steps else None
        )
        self._pointer: str | None = session.state.current  # the active step last shown

    # ----------------------------------------------------------------- the view
    @property
    def state(self) -> IncidentState:
        return self.session.state

    def now(self) -> datetime:
        return self.session.now()

    @property
    def selected_step(self) -> Step | None:
        if self.selected is None:
            return None
        return self.session.playbook.step(self.selected)

    def start_live(self) -> None:
        """Paint the incident, then keep it live: other processes' writes (polled twice a
        second) and the clock (every second: escalations, running times)."""
        self.session.listeners.append(self._on_new_entries)
        self.query_one(StepPanel).open_items = open_items_by_step(self.session)
        start = max(0, self.state.last_seq - TIMELINE_LINES)
        self.query_one(Timeline).show(
            self.session.journal.entries(self.session.incident_id, after_seq=start),
            self.state.asides,
        )
        self.show_state()
        self.query_one(StepList).focus()
        self.set_interval(POLL_SECONDS, self.poll)
        self.set_interval(1.0, self.tick_clock)

    def on_unmount(self) -> None:
        if self._on_new_entries in self.session.listeners:
            self.session.listeners.remove(self._on_new_entries)

    def show_state(self) -> None:
        """Paint every widget from the fold (after a write, or another process's)."""
        now = self.now()
        self.query_one(IncidentHeader).show(self.state, now, actor=self.session.actor)
        self.query_one(StepList).show(self.state, now, self.selected)
        self.query_one(StepPanel).show(self.state, self.selected_step, now)
        self.query_one(TimerPanel).show(self.state, now, self.watching(now))

    def show_actor(self) -> None:
        """Someone else took the keyboard (the app's ``u``): the header names them."""
        self.query_one(IncidentHeader).show(self.state, self.now(), actor=self.session.actor)

    def show_clock(self) -> None:
        """Repaint what moves with the clock alone."""
        now = self.now()
        self.query_one(IncidentHeader).show(self.state, now, actor=self.session.actor)
        self.query_one(TimerPanel).show(self.state, now, self.watching(now))
        self.query_one(StepPanel).show_meta(self.state, self.selected_step, now)

    def watching(self, now: datetime) -> str | None:
        """Whether anybody is watching this journal (None where it does not matter: a
        drill's timers are its screen's business alone, and some playbooks have none)."""
        if self.state.mode == "drill" or not self.state.playbook.timers:
            return None
        with polling():
            status = watch_status(self.session.journal, now)
            return "" if status.watching else status.sentence(lambda t: local_hms(t)[:5])
        return None

    def leaving_warning(self) -> str:
        """What quitting now means, when it matters ("" when it does not): a live incident
        whose timers are still running or lapsed keeps them running after this screen is
        gone, and only a watcher escalates and pages then."""
        if self.state.mode == "drill" or self.state.closed:
            return ""
        now = self.now()
        live = [v for v in self.state.timers(now) if v.state in ("running", "lapsed")]
        if not live:
            return ""
        names = ", ".join(repr(v.timer.title) for v in live)
        many = len(live) > 1
        timers = (
            f"{len(live)} timer{'s are' if many else ' is'} running ({names}). "
            f"{'They keep' if many else 'It keeps'} running after you leave"
        )
        if self.watching(now) == "":
            return f"{timers}; the watcher (irdesk watch) escalates and pages on time."
        return (
            f"{timers}, but nobody is watching this "
            "journal: nobody is paged from this screen any more once you quit. Start "
            "irdesk watch, or keep a desk open."
        )

    def _on_new_entries(self, entries: list[Entry]) -> None:
        self.query_one(Timeline).add(entries, self.state.asides)
        # Whoever moved the pointer (this screen or another responder's), a person who was
        # looking at the active step keeps looking at the active one: "what to do now".
        before, self._pointer = self._pointer, self.state.current
        if self.selected == before and self.state.current and self.state.current != before:
            self.selected = self.state.current
        self.show_state()

    def poll(self) -> None:
        """Pick up other responders' writes (a cheap data_version check)."""
        with polling():
            # a reader of its own: the home screen underneath polls the same journal
            if self.session.journal.has_changed(f"responder {self.session.incident_id}"):
                self.session.refresh()

    def tick_clock(self) -> None:
        self.fire_escalations()
        self.show_clock()

    def fire_escalations(self) -> None:
        fired = self.app.in_background("escalation", self.session.fire_due_escalations)
        for outgoing in fired or ():
            self.notify(visible(outgoing.message), severity="error", title="ESCALATION", timeout=15)
            if outgoing.calls:
                self._send_notification(outgoing)

    @work(thread=True, exit_on_error=False, group="notify")
    def _send_notification(self, outgoing: Outgoing) -> None:
        results = self.session.run_notify(outgoing)
        self.app.call_from_thread(self._record_notification, outgoing, results)

    def _record_notification(self, outgoing: Outgoing, results: list[NotifyResult]) -> None:
        def recorded() -> None:
            for result in results:
                if not result.ok:
                    self.notify(
                        visible(f"notify command failed: {result.error}"), severity="warning"
                    )

        self.app.record_quietly(
            lambda: self.session.record_notification(outgoing, results), then=recorded
        )

    def action_page(self) -> None:
        """Page a role of this incident or a person by hand (journaled, then the roster's
        notify command runs as for an escalation; a drill pages nobody real)."""
        if self.state.closed:
            self.notify("the incident is closed; reopen it to page", severity="warning")
            return
        choices = [
            (f"{role.title} ({', '.join(self.session.people_for(role.id)) or 'nobody'})", role.id)
            for role in self.session.playbook.roles
        ]
        listed = {name for _, role in choices for name in self.session.people_for(role)}
        choices += [(p.name, p.name) for p in self.session.roster.people if p.name not in listed]

        def chosen(target: str | None) -> None:
            if target is None:
                return

            def got(text: str | None) -> None:
                if not text:
                    return
                with self.app.attempt("page not sent") as attempt:
                    outgoing = self.session.page(target, text)
                if attempt.failed:
                    return
                people = ", ".join(outgoing.entry.payload.get("people", ()))
                if outgoing.calls:
                    self.notify(visible(f"paging {people}"), title="page")
                    self._send_notification(outgoing)
                elif self.state.mode == "drill":
                    self.notify("drill: the page is journaled; nobody real is paged")
                else:
                    self.notify(visible(f"page to {people} journaled; no notify command"))

            self.app.push_screen(
                TextPrompt(
                    "Page",
                    f"Page {target}: what is it about? (journaled, then the notify command runs)",
                    placeholder="join the bridge, the attacker is back",
                ),
                got,
            )

        self.app.push_screen(ChoicePrompt("Page whom?", choices), chosen)

    # ----------------------------------------------------------------- selection
    @on(StepList.StepHighlighted)
    def _step_highlighted(self, event: StepList.StepHighlighted) -> None:
        if event.step_id != self.selected:
            self.selected = event.step_id
            self.query_one(StepPanel).show(self.state, self.selected_step, self.now())

    @on(StepList.StepChosen)
    def _step_chosen(self) -> None:
        self.query_one(StepPanel).checklist.focus()

    @on(StepPanel.ItemChosen)
    def _item_chosen(self, event: StepPanel.ItemChosen) -> None:
        self._toggle(event.index)

    def action_goto_current(self) -> None:
        if self.state.current:
            self.selected = self.state.current
            self.show_state()

    def _follow_pointer(self, before: str | None) -> None:
        """After finishing the selected step, follow the pointer to the next one."""
        if self.selected == before and self.state.current and self.state.current != before:
            self.selected = self.state.current
        self.show_state()

    # ----------------------------------------------------------------- recording
    def record(
        self, what: str, write: Callable[[], Any], then: Callable[[], None] = lambda: None
    ) -> None:
        """Journal ``write`` (a service call); ``then`` once it is committed."""
        self.app.record(what, write, then=then)

    # ----------------------------------------------------------------- actions
    def action_toggle_item(self) -> None:
        item = self.query_one(StepPanel).highlighted_item
        if item is not None:
            self._toggle(item)

    def action_tick_number(self, number: int) -> None:
        self._toggle(number - 1)

    def _toggle(self, item: int) -> None:
        """Tick item ``item`` of the step shown, or untick it when the screen shows it
        ticked (asking first when somebody else ticked it). What is decided is what the
        person saw: a tick another responder made a moment ago is refused by name (the
        service looks again), never undone; a finished step's ticks stand. After a tick
        the cursor moves on to the next open item."""
        step = self.selected_step
        if step is None:
            return
        if not 0 <= item < len(step.checklist):
            has = f"items 1-{len(step.checklist)}" if step.checklist else "no checklist"
            self.notify(visible(f"{step.title} has {has}: nothing ticked"), severity="warning")
            return
        check = step.checklist[item]

        def move_on() -> None:
            if self.selected == step.id:
                self.query_one(StepPanel).move_on(self.state, step, after=item)

        tick = self.state.steps[step.id].ticks.get(item)
        if tick is not None:

            def untick(sure: bool | None = True) -> None:
                if sure:
                    self.record(
                        f"untick {check.text}",
                        lambda: self.session.untick(step.id, item),
                        then=lambda: self.notify(visible(f"unticked {item + 1}. {check.text}")),
                    )

            if tick.actor == self.session.actor:
                untick()
                return
            # somebody else's tick (maybe a second ago, the same item): never undone by a
            # key pressed to tick it
            self.app.push_screen(
                ConfirmPrompt(
                    "Untick?",
                    f"{tick.actor} ticked {item + 1}. {check.text} at "
                    f"{local_hms(tick.at)}. Untick it?",
                    yes="Untick",
                ),
                untick,
            )
        elif check.evidence:
            self.app.push_screen(
                TextPrompt(
                    "Evidence",
                    f"Evidence for: {visible(check.text)}",
                    placeholder="what was kept and where (file name, ticket, hash)",
                    save=lambda evidence: self.session.tick(step.id, item, evidence),
                ),
                lambda evidence: move_on() if evidence else None,
            )
        else:
            self.record(
                f"tick {check.text}", lambda: self.session.tick(step.id, item), then=move_on
            )

    def action_done(self) -> None:
        step = self.selected_step
        if step is None:
            return
        if step.decision:
            self.action_option()
            return
        st = self.state.steps[step.id]
        open_items = [c for i, c in enumerate(step.checklist) if i not in st.ticks]
        before = self.selected

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.record(
                    f"done: {step.title}",
                    lambda: self.session.complete(step.id),
                    then=lambda: self._follow_pointer(before),
                )

        if open_items and st.status != "done":
            self.app.push_screen(
                ConfirmPrompt(
                    "Complete step?",
                    f"{len(open_items)} checklist item(s) are not ticked. "
                    "Mark the step done anyway?",
                    yes="Done anyway",
                ),
                confirmed,
            )
        else:
            confirmed(True)

    def action_skip(self) -> None:
        step = self.selected_step
        if step is None:
            return
        before = self.selected

        def skipped(reason: str | None) -> None:
            if reason:
                self._follow_pointer(before)

        self.app.push_screen(
            TextPrompt(
                "Skip step",
                f"Why skip {visible(step.title)}?",
                placeholder="reason (journaled)",
                save=lambda reason: self.session.skip(step.id, reason),
            ),
            skipped,
        )

    def action_option(self) -> None:
        step = self.selected_step
        if step is None or not step.decision:
            self.notify("this step is not a decision", severity="warning")
            return
        before = self.selected

        def chosen(option: int | None) -> None:
            if option is not None:
                self.record(
                    f"decision: {step.decision[option].label}",
                    lambda: self.session.decide(step.id, option),
                    then=lambda: self._follow_pointer(before),
                )

        self.app.push_screen(
            ChoicePrompt(
                step.title,
                [(o.label, i) for i, o in enumerate(step.decision)],
                note="Choose the option that matches what you found.",
            ),
            chosen,
        )

    def action_note(self) -> None:
        self.app.push_screen(
            NoteDialog(
                lambda text, internal, attach: self.session.note(
                    text, internal=internal, attach=attach
                )
            )
        )

    def action_milestone(self) -> None:
        names = [m for m in MILESTONES if m != "closed"]
        options = [
            (
                f"{m} (recorded {local_hms(self.state.milestones[m].at)})"
                if m in self.state.milestones
                else m,
                m,
            )
            for m in names
        ]

        def save(request: MilestoneRequest) -> Entry:
            return self.session.milestone(
                request.name, occurred_at=request.when, reason=request.reason
            )

        self.app.push_screen(MilestoneDialog(options, self.now, save=save))

    def action_acknowledge(self) -> None:
        pending = sorted({e.timer for e in self.state.escalations if not e.acknowledged_by})
        if not pending:  # acknowledging the incident works at any time, timer lapsed or not
            if "acknowledged" in self.state.milestones:
                self.notify("the incident is already acknowledged")
            else:
                self.record("acknowledge", self.session.acknowledge)
            return
        titles = {t.id: t.title for t in self.session.playbook.timers}

        def acknowledge(timer: str | None) -> None:
            if timer:
                self.record(
                    f"acknowledge {titles.get(timer, timer)}",
                    lambda: self.session.acknowledge(timer),
                )

        if len(pending) == 1:
            acknowledge(pending[0])
            return
        self.app.push_screen(
            ChoicePrompt("Acknowledge escalation", [(titles.get(t, t), t) for t in pending]),
            acknowledge,
        )

    def action_severity(self) -> None:
        severities = self.session.playbook.severities

        def chosen(severity: str | None) -> None:
            if severity is not None:
                self.app.push_screen(
                    TextPrompt(
                        "Severity",
                        f"Why {severity}?",
                        required=False,
                        save=lambda reason: self.session.set_severity(severity, reason),
                    )
                )

        current = severities.index(self.state.severity) if self.state.severity in severities else 0
        self.app.push_screen(
            ChoicePrompt("Change severity", [(s, s) for s in severities], highlighted=current),
            chosen,
        )

    def action_status(self) -> None:
        def chosen(status: str | None) -> None:
            if status:
                self.record(f"status {status}", lambda: self.session.set_status(status))

        self.app.push_screen(
            ChoicePrompt("Change status", [(s, s) for s in STATUSES if s != "closed"]), chosen
        )

    def action_roles(self) -> None:
        playbook = self.session.playbook
        roles = [
            (
                f"{r.title} ({r.id})"
                + (f" – {self.state.roles[r.id]}" if r.id in self.state.roles else ""),
                r.id,
            )
            for r in playbook.roles
        ]
        people = self.people_to_suggest()

        def save(request: RoleRequest) -> Entry:
            return self.session.assign(request.role, request.person, reason=request.reason)

        self.app.push_screen(RoleDialog(roles, people, dict(self.state.roles), save=save))

    def people_to_suggest(self) -> list[str]:
        """Whom the roles dialog suggests: the roster's people."""
        return [p.name for p in self.session.roster.people]

    def action_search(self) -> None:
        """Search and filter the timeline (kind, who, text) over the whole incident."""
        from irdesk.tui.modals.filter import TimelineFilterDialog

        timeline = self.query_one(Timeline)
        actors = sorted(
            {e.actor for e in timeline.entries}
            | {p.name for p in self.session.roster.people}
            | {self.session.actor}
        )

        def chosen(wanted: EntryFilter | None) -> None:
            if wanted is None:
                return
            everything = self.session.journal.entries(self.session.incident_id)
            timeline.set_filter(wanted, everything)
            timeline.enter()

        self.app.push_screen(
            TimelineFilterDialog(sorted(set(LABELS.values())), actors, timeline.filter),
            chosen,
        )

    def action_timeline(self) -> None:
        """Move into the timeline: arrows choose an entry, enter reads it whole."""
        self.query_one(Timeline).enter()

    def action_status_update(self) -> None:
        """Compose a status update from the state: shown to copy, or written to a file;
        issuing it journals it (and restarts the playbook's update reminder)."""
        from irdesk.services.status_update import compose, issue
        from irdesk.tui.modals.status_update import StatusUpdateDialog, UpdateRequest

        def save(request: UpdateRequest) -> Entry:
            return issue(self.session, request.text, written_to=request.path)

        text = compose(self.session, self.now())
        self.app.push_screen(StatusUpdateDialog(text, save=save))

    def action_contacts(self) -> None:
        from irdesk.tui.screens.contacts import ContactsScreen

        self.app.push_screen(
            ContactsScreen(self.session.roster, self.session.playbook, dict(self.state.roles))
        )

    def action_correct(self) -> None:
        """Correct a recent entry (the selected step's latest is offered first)."""
        entries = self.session.correctable()
        if not entries:
            self.notify("nothing to correct yet")
            return
        step = self.selected
        chosen = next((e.seq for e in entries if e.payload.get("step") == step), None)
        offered = [
            (f"{e.seq} · {local_hms(e.occurred_at)} · {e.actor} · {label(e)}: {describe(e)}", e.seq)
            for e in entries
        ]

        def save(request: CorrectRequest) -> Entry:
            return self.session.correct(request.seq, request.reason)

        self.app.push_screen(CorrectDialog(offered, chosen, save=save))

    def action_close_incident(self) -> None:
        if self.state.closed:
            self.notify("already closed")
            return

        def closed(request: CloseRequest | None) -> None:
            if request is not None:
                self.show_state()
                self.app.post_message(self.IncidentClosed(self.session.incident_id))

        def save(request: CloseRequest) -> Entry:
            return self.session.close(
                request.summary,
                outcome=request.outcome,
                duplicate_of=request.detail if request.outcome == "duplicate" else "",
                handed_to=request.detail if request.outcome == "handed-over" else "",
            )

        unfinished = [step.title for step in self.state.unfinished_steps()]
        self.app.push_screen(CloseDialog(unfinished, save=save), closed)

    def action_back(self) -> None:
        self.dismiss(None)


def open_items_by_step(session: IncidentSession) -> dict[str, list[str]]:
    """The improvement items still open from earlier runs of the playbook, by the step
    they concern, one line each (read once, when the screen opens)."""
    found: dict[str, list[str]] = {}
    for row in open_items_on_playbook(session):
        if row.improvement.step:
            found.setdefault(row.improvement.step, []).append(item_line(row))
    return found
