"""The runner: one incident, step by step. What to do now, what is overdue, what just happened."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Markdown, OptionList, RichLog, Static
from textual.widgets.option_list import Option

from irdesk.domain.clock import local_hms
from irdesk.domain.durations import format_clock, format_duration
from irdesk.domain.entry import Entry
from irdesk.domain.events import MILESTONES
from irdesk.domain.fold import IncidentState
from irdesk.domain.incident import STATUSES
from irdesk.domain.models import PHASES, Step
from irdesk.services.heartbeat import watch_status
from irdesk.services.incident import IncidentSession, Outgoing
from irdesk.text import single_line, visible
from irdesk.tui.messages import IncidentClosed
from irdesk.tui.modals.milestone import MilestoneDialog, MilestoneRequest
from irdesk.tui.modals.prompts import ChoicePrompt, ConfirmPrompt, TextPrompt
from irdesk.tui.modals.role import RoleDialog, RoleRequest
from irdesk.tui.safe import literal
from irdesk.tui.widgets.timeline import timeline_line

TIMELINE_LINES = 300
STATE_MARK = {"done": "✔", "active": "▶", "pending": "·", "skipped": "↷"}


class RunnerScreen(Screen[None]):
    """A live incident (or drill) runner. Services come in through ``__init__``."""

    BINDINGS = [
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
        Binding("e", "page", "Page", id="runner.page"),
        Binding("g", "goto_current", "Current step", id="runner.current", show=False),
        Binding("p", "contacts", "Contacts", id="runner.contacts", show=False),
        Binding("c", "close_incident", "Close", id="runner.close"),
        Binding("escape", "back", "Home", id="runner.back"),
        *[
            Binding(
                str(n), f"tick_number({n})", f"Tick item {n}", show=False, id=f"runner.tick_{n}"
            )
            for n in range(1, 10)
        ],
    ]

    def __init__(self, session: IncidentSession) -> None:
        super().__init__()
        self.session = session
        self.selected: str | None = session.state.current or (
            session.playbook.steps[0].id if session.playbook.steps else None
        )
        self._shown_step: str | None = None
        self._step_options: list[str] = []
        self._pointer: str | None = session.state.current  # the active step last shown

    # ----------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        yield Static(id="incident-header")
        with Horizontal(id="runner-main"):
            yield OptionList(id="steps")
            with Vertical(id="right"):
                with Vertical(id="now"):
                    yield Static(id="step-title")
                    with VerticalScroll(id="step-body"):
                        yield Markdown(id="step-instructions")
                        yield Static(id="step-decision")
                    yield OptionList(id="checklist")
                    yield Static(id="step-meta")
                yield from self.compose_side()
        yield Static(id="timers")
        yield RichLog(id="timeline", max_lines=TIMELINE_LINES, wrap=False, markup=False)
        yield Footer()

    def compose_side(self) -> ComposeResult:
        """Widgets under the current step (a drill adds its injects panel here)."""
        yield from ()

    def on_mount(self) -> None:
        self.query_one("#steps").border_title = "Steps"
        self.query_one("#timers").border_title = "Timers"
        self.query_one("#timeline").border_title = "Timeline"
        self.session.listeners.append(self._on_new_entries)
        self._load_timeline()
        self.refresh_view()
        self.query_one("#steps", OptionList).focus()
        self.set_interval(0.5, self.poll)
        self.set_interval(1.0, self.tick_clock)
        self.after_mount()

    def after_mount(self) -> None:
        """For subclasses (drill, replay). Textual calls ``on_mount`` of every class in
        the MRO by itself, so subclasses extend mounting here rather than there."""

    def on_unmount(self) -> None:
        if self._on_new_entries in self.session.listeners:
            self.session.listeners.remove(self._on_new_entries)

    # ----------------------------------------------------------------- data
    @property
    def state(self) -> IncidentState:
        return self.session.state

    def now(self) -> datetime:
        return self.session.now()

    def _load_timeline(self) -> None:
        log = self.query_one("#timeline", RichLog)
        log.clear()
        start = max(0, self.state.last_seq - TIMELINE_LINES)
        for entry in self.session.journal.entries(self.session.incident_id, after_seq=start):
            log.write(timeline_line(entry))

    def _on_new_entries(self, entries: list[Entry]) -> None:
        log = self.query_one("#timeline", RichLog)
        for entry in entries:
            log.write(timeline_line(entry))
        # Whoever moved the pointer (this screen or another responder's), a person who was
        # looking at the active step keeps looking at the active one: "what to do now".
        before, self._pointer = self._pointer, self.state.current
        if self.selected == before and self.state.current and self.state.current != before:
            self.selected = self.state.current
        self.refresh_view()

    def poll(self) -> None:
        """Pick up other responders' writes (a cheap data_version check)."""
        if self.session.journal.has_changed():
            self.session.refresh()

    def tick_clock(self) -> None:
        self.fire_escalations()
        self._render_header()
        self._render_timers()
        self._render_meta()

    def fire_escalations(self) -> None:
        # The journal may be locked by a long writer: say so, and try again next tick.
        with self.app.attempt("escalation not recorded") as attempt:
            fired = self.session.fire_due_escalations()
        if attempt.failed:
            return
        for outgoing in fired:
            self.notify(visible(outgoing.message), severity="error", title="ESCALATION", timeout=15)
            if outgoing.calls:
                self._send_notification(outgoing)

    @work(thread=True, exit_on_error=False, group="notify")
    def _send_notification(self, outgoing: Outgoing) -> None:
        results = self.session.run_notify(outgoing)
        self.app.call_from_thread(self._record_notification, outgoing, results)

    def _record_notification(self, outgoing: Outgoing, results) -> None:  # noqa: ANN001
        self.session.record_notification(outgoing, results)
        for result in results:
            if not result.ok:
                self.notify(visible(f"notify command failed: {result.error}"), severity="warning")

    # ----------------------------------------------------------------- rendering
    def refresh_view(self) -> None:
        self._render_header()
        self._render_steps()
        self._render_step()
        self._render_timers()

    def _render_header(self) -> None:
        self.query_one("#incident-header", Static).update(self.header_text())

    def header_text(self) -> Text:
        s = self.state
        now = self.now()
        head = Text()
        head.append(f" {s.incident_id} ", style="bold reverse")
        head.append(" ")
        head.append_text(literal(s.title, "bold", single_line=True))
        if s.mode == "drill":
            head.append("  DRILL", style="bold magenta")
        head.append(f" · {s.severity} · {s.status} · {format_clock(s.elapsed(now))}")
        roles = Text("\n ")
        holders = [f"{rid} {name}" for rid, name in s.roles.items()]
        roles.append_text(literal(" · ".join(holders) or "no roles assigned", single_line=True))
        reached = [f"{m.name} {local_hms(m.at)[:5]}" for m in s.ordered_milestones()]
        roles.append(" · milestones: " + (" · ".join(reached) or "none"), style="dim")
        head.append_text(roles)
        return head

    def _render_steps(self) -> None:
        steps = self.query_one("#steps", OptionList)
        highlighted = self.selected
        options: list[Option] = []
        ids: list[str] = []
        now = self.now()
        for phase in PHASES:
            members = [st for st in self.session.playbook.steps if st.phase == phase]
            if not members:
                continue
            options.append(Option(Text(phase.upper(), style="bold dim"), disabled=True))
            ids.append("")
            for step in members:
                st = self.state.steps[step.id]
                line = Text(f" {STATE_MARK[st.status]} ")
                line.append_text(literal(step.title, single_line=True))
                if st.status == "skipped":
                    line.stylize("dim")
                if st.status == "active" and st.activated_at:
                    line.append(f"  {format_duration(now - st.activated_at)}", style="cyan")
                    if self.state.step_overdue(step.id, now):
                        line.stylize("bold yellow")
                options.append(Option(line, id=step.id))
                ids.append(step.id)
        steps.clear_options()
        steps.add_options(options)
        self._step_options = ids
        if highlighted in ids:
            steps.highlighted = ids.index(highlighted)

    def _render_step(self) -> None:
        step = self.selected_step
        title = self.query_one("#step-title", Static)
        if step is None:
            title.update("The playbook's path has ended. Close the incident when ready (c).")
            return
        st = self.state.steps[step.id]
        owner = self.session.playbook.role(step.role).title if step.role else "anyone"
        holder = self.state.roles.get(step.role or "", "")
        head = Text()
        head.append(
            "Now: " if self.state.current == step.id else f"{st.status.title()}: ", style="bold"
        )
        head.append_text(literal(step.title, "bold"))
        head.append(f"  ({step.phase} · owner: {owner}", style="dim")
        head.append_text(literal(f" – {holder}" if holder else "", "dim"))
        head.append(")", style="dim")
        title.update(head)
        if self._shown_step != step.id:
            self._shown_step = step.id
            self.query_one("#step-instructions", Markdown).update(
                visible(step.instructions) or "_No instructions._"
            )
            self.query_one("#step-body").scroll_home(animate=False)
        decision = self.query_one("#step-decision", Static)
        if step.decision:
            text = Text("Decision (o to choose):\n", style="bold")
            for i, option in enumerate(step.decision):
                chosen = st.decision is not None and st.decision[0] == i
                text.append(f"  {'●' if chosen else '○'} {i + 1}. ")
                text.append_text(literal(option.label, "bold" if chosen else ""))
                text.append(f" → {option.next}\n", style="dim")
            decision.update(text)
            decision.display = True
        else:
            decision.display = False
        checklist = self.query_one("#checklist", OptionList)
        keep = checklist.highlighted
        checklist.clear_options()
        for i, item in enumerate(step.checklist):
            tick = st.ticks.get(i)
            line = Text(f"[{'x' if tick else ' '}] {i + 1}. " if i < 9 else "[ ] ")
            line.append_text(literal(item.text))
            if item.evidence:
                line.append(" (evidence)", style="dim italic")
            if tick and tick.evidence:
                line.append_text(literal(f' "{tick.evidence}"', "green"))
            checklist.add_option(Option(line, id=str(i)))
        checklist.display = bool(step.checklist)
        if step.checklist:
            checklist.highlighted = min(keep or 0, len(step.checklist) - 1)
        self._render_meta()

    def _render_meta(self) -> None:
        step = self.selected_step
        meta = self.query_one("#step-meta", Static)
        if step is None:
            meta.update("")
            return
        st = self.state.steps[step.id]
        parts = []
        if step.within:
            parts.append(f"expected {format_duration(step.within)}")
        if st.status == "active" and st.activated_at:
            parts.append(f"running {format_duration(self.now() - st.activated_at)}")
            over = self.state.step_overdue(step.id, self.now())
            if over:
                parts.append(f"OVERDUE by {format_duration(over)}")
        if st.status == "skipped":
            parts.append(f"skipped: {single_line(st.skip_reason or '')}")
        if st.status == "done" and st.finished_at:
            parts.append(f"done {local_hms(st.finished_at)} by {visible(st.actor or '')}")
        if st.visits > 1:
            parts.append(f"visit {st.visits}")
        meta.update(Text(" · ".join(parts), style="bold yellow" if "OVERDUE" in str(parts) else ""))

    def _render_timers(self) -> None:
        now = self.now()
        text = Text()
        for view in self.state.timers(now):
            title = view.timer.title
            if view.state == "waiting":
                text.append(f"  {title}: waits for {view.timer.start}\n", style="dim")
            elif view.state == "running":
                text.append(f"  {title}: {format_duration(view.remaining)} left\n")
            elif view.state in ("lapsed", "acknowledged"):
                last = view.escalations[-1] if view.escalations else None
                late = format_duration(-view.remaining) if view.remaining is not None else ""
                line = f"⚠ {title}: LAPSED {late} ago"
                if last:
                    who = ", ".join(last.people) or last.role
                    line += f" → escalated to level {last.level} ({last.role}: {who})"
                    if last.late_by is not None:
                        line += f", {format_duration(last.late_by)} late"
                if view.state == "acknowledged":
                    text.append(
                        line + f" · acknowledged by {last.acknowledged_by}\n", style="yellow"
                    )
                else:
                    text.append(line + "   [a] acknowledge\n", style="bold red")
            else:
                word = "met" if view.state == "met" else "met late"
                text.append(
                    f"  {title}: {word} at {self.timer_moment(view.stopped_at)}\n",
                    style="green" if view.state == "met" else "yellow",
                )
        if not self.state.playbook.timers:
            text.append("  this playbook has no timers", style="dim")
        text.rstrip()
        panel = self.query_one("#timers", Static)
        panel.update(text)
        panel.border_subtitle = self.watching_text(now)

    def watching_text(self, now: datetime) -> Text | None:
        """Whether anybody is watching this journal: with nobody, escalations fire only
        while a screen is open (a drill's timers are its screen's business alone)."""
        if self.state.mode == "drill" or not self.state.playbook.timers:
            return None
        watching = watch_status(self.session.journal, now)
        if watching.watching:
            return Text("watcher running", style="green")
        return Text(f"▲ {watching.sentence(lambda t: local_hms(t)[:5])}", style="yellow")

    def timer_moment(self, when: datetime | None) -> str:
        """How a moment on the timers' clock is shown (a drill shows exercise time)."""
        return local_hms(when) if when else ""

    # ----------------------------------------------------------------- selection
    @property
    def selected_step(self) -> Step | None:
        if self.selected is None:
            return None
        return self.session.playbook.step(self.selected)

    @on(OptionList.OptionHighlighted, "#steps")
    def _step_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id and event.option.id != self.selected:
            self.selected = event.option.id
            self._render_step()

    @on(OptionList.OptionSelected, "#steps")
    def _step_selected(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#checklist", OptionList).focus()

    @on(OptionList.OptionSelected, "#checklist")
    def _item_selected(self, event: OptionList.OptionSelected) -> None:
        self._toggle(int(event.option.id))

    def action_goto_current(self) -> None:
        if self.state.current:
            self.selected = self.state.current
            self.refresh_view()

    def _follow_pointer(self, before: str | None) -> None:
        """After finishing the selected step, follow the pointer to the next one."""
        if self.selected == before and self.state.current and self.state.current != before:
            self.selected = self.state.current
        self.refresh_view()

    # ----------------------------------------------------------------- actions
    def _do(self, fn, *args, **kwargs) -> bool:  # noqa: ANN001
        """Run a service action; show refusals instead of crashing. True when journaled."""
        with self.app.attempt("not recorded") as attempt:
            fn(*args, **kwargs)
        return not attempt.failed

    def action_toggle_item(self) -> None:
        checklist = self.query_one("#checklist", OptionList)
        if checklist.highlighted is not None and checklist.display:
            self._toggle(checklist.highlighted)

    def action_tick_number(self, number: int) -> None:
        self._toggle(number - 1)

    def _toggle(self, item: int) -> None:
        step = self.selected_step
        if step is None or not 0 <= item < len(step.checklist):
            return
        if item in self.state.steps[step.id].ticks:
            self._do(self.session.untick, step.id, item)
            return
        check = step.checklist[item]
        if check.evidence:

            def got(evidence: str | None) -> None:
                if evidence:
                    self._do(self.session.tick, step.id, item, evidence)

            self.app.push_screen(
                TextPrompt(
                    "Evidence",
                    f"Evidence for: {visible(check.text)}",
                    placeholder="what was kept and where (file name, ticket, hash)",
                ),
                got,
            )
        else:
            self._do(self.session.tick, step.id, item)

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
            if ok and self._do(self.session.complete, step.id):
                self._follow_pointer(before)

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

        def got(reason: str | None) -> None:
            if reason and self._do(self.session.skip, step.id, reason):
                self._follow_pointer(before)

        self.app.push_screen(
            TextPrompt(
                "Skip step", f"Why skip {visible(step.title)}?", placeholder="reason (journaled)"
            ),
            got,
        )

    def action_option(self) -> None:
        step = self.selected_step
        if step is None or not step.decision:
            self.notify("this step is not a decision", severity="warning")
            return
        before = self.selected

        def chosen(option: int | None) -> None:
            if option is not None and self._do(self.session.decide, step.id, option):
                self._follow_pointer(before)

        self.app.push_screen(
            ChoicePrompt(
                step.title,
                [(o.label, i) for i, o in enumerate(step.decision)],
                note="Choose the option that matches what you found.",
            ),
            chosen,
        )

    def action_note(self) -> None:
        def got(text: str | None) -> None:
            if text:
                self._do(self.session.note, text)

        self.app.push_screen(
            TextPrompt(
                "Note", "Add a note to the timeline", placeholder="what happened, what was decided"
            ),
            got,
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

        def got(request: MilestoneRequest | None) -> None:
            if request:
                self._do(
                    self.session.milestone,
                    request.name,
                    occurred_at=request.when,
                    reason=request.reason,
                )

        self.app.push_screen(MilestoneDialog(options, self.now), got)

    def action_acknowledge(self) -> None:
        pending = sorted({e.timer for e in self.state.escalations if not e.acknowledged_by})
        if not pending:
            self.notify("no escalation is waiting for acknowledgement")
            return
        if len(pending) == 1:
            self._do(self.session.acknowledge, pending[0])
            return
        titles = {t.id: t.title for t in self.session.playbook.timers}

        def chosen(timer: str | None) -> None:
            if timer:
                self._do(self.session.acknowledge, timer)

        self.app.push_screen(
            ChoicePrompt("Acknowledge escalation", [(titles.get(t, t), t) for t in pending]), chosen
        )

    def action_severity(self) -> None:
        severities = self.session.playbook.severities

        def chosen(severity: str | None) -> None:
            if severity is None:
                return

            def got(reason: str | None) -> None:
                if reason is not None:
                    self._do(self.session.set_severity, severity, reason)

            self.app.push_screen(TextPrompt("Severity", f"Why {severity}?", required=False), got)

        current = severities.index(self.state.severity) if self.state.severity in severities else 0
        self.app.push_screen(
            ChoicePrompt("Change severity", [(s, s) for s in severities], highlighted=current),
            chosen,
        )

    def action_status(self) -> None:
        options = [(s, s) for s in STATUSES if s != "closed"]

        def chosen(status: str | None) -> None:
            if status:
                self._do(self.session.set_status, status)

        self.app.push_screen(ChoicePrompt("Change status", options), chosen)

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
        people = [p.name for p in self.session.roster.people]

        def got(request: RoleRequest | None) -> None:
            if request:
                self._do(self.session.assign, request.role, request.person, reason=request.reason)

        self.app.push_screen(RoleDialog(roles, people, dict(self.state.roles)), got)

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

    def action_contacts(self) -> None:
        from irdesk.tui.screens.contacts import ContactsScreen

        self.app.push_screen(
            ContactsScreen(self.session.roster, self.session.playbook, dict(self.state.roles))
        )

    def action_close_incident(self) -> None:
        if self.state.closed:
            self.notify("already closed")
            return

        def got(summary: str | None) -> None:
            if summary is not None and self._do(self.session.close, summary):
                self.refresh_view()
                self.app.post_message(IncidentClosed(self.session.incident_id))

        self.app.push_screen(
            TextPrompt(
                "Close incident",
                "Closing summary (journaled; escape to cancel)",
                required=False,
                placeholder="outcome in one line",
            ),
            got,
        )

    def action_back(self) -> None:
        self.dismiss(None)
