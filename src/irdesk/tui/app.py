"""The irdesk Textual app: home, declare, runner, contacts, help.

Errors are translated here, once: an :class:`~irdesk.errors.IrdeskError` raised by a
service becomes a notification (:meth:`IrdeskApp.show_error`); screens run their actions,
and workers their slow work (notifications are thread-safe), in
:meth:`IrdeskApp.attempt`. Anything else is a bug, and Textual shows it as one.

Writes go through :meth:`IrdeskApp.record` (a key), a dialog's ``save`` (text the
responder typed: see :mod:`irdesk.tui.writes`) or :meth:`IrdeskApp.in_background` (what
the desk records on its own); none of them loses a write to a journal locked by another
process, and each says on screen that it is waiting.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from rich.text import Text
from textual import events, on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.timer import Timer

from irdesk import paths
from irdesk.errors import IrdeskError
from irdesk.store import JournalLocked, UnknownIncident
from irdesk.text import visible
from irdesk.tui.commands import ScreenCommands
from irdesk.tui.keymap import Keymap
from irdesk.tui.modals.waiting import JournalWait
from irdesk.tui.safe import LiteralToastsApp, literal
from irdesk.tui.screens.home import HomeScreen
from irdesk.tui.writes import ATTEMPT, PATIENCE, PatientWrite

if TYPE_CHECKING:
    from irdesk.services.desk import Desk
    from irdesk.services.replay import Replay
    from irdesk.tui.modals.declare import DeclareRequest
    from irdesk.tui.screens.drill import HotwashScreen
    from irdesk.tui.screens.replay import ReplayScreen
    from irdesk.tui.screens.responder import Responder

R = TypeVar("R")

#: terminal sizes the stylesheet adapts to (columns, rows); irdesk is usable from 80x24
SHORT, TALL, NARROW, WIDE = 34, 50, 100, 160

# Everything but home (other screens, dialogs, the incident domain behind them) is imported
# when first used: `irdesk` paints home's first frame sooner.


@dataclass
class Attempt:
    """What :meth:`IrdeskApp.attempt` saw: ``failed`` once an error was shown."""

    failed: bool = False


class IrdeskApp(LiteralToastsApp):
    CSS_PATH = "irdesk.tcss"
    TITLE = "irdesk"
    COMMANDS = App.COMMANDS | {ScreenCommands}
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("u", "who", "Who acts", id="app.who", show=False),
        Binding("ctrl+q,q", "quit", "Quit", id="app.quit", priority=False),
    ]
    #: how long a write keeps trying by itself while the journal is locked
    write_patience = PATIENCE

    def __init__(
        self,
        desk: Desk | None,
        *,
        open_incident: str | None = None,
        journal_label: str = "",
        roster_path: Path | None = None,
        replay: Replay | None = None,
        keymap_path: Path | None = None,
    ) -> None:
        super().__init__()
        self.desk = desk
        self.open_incident = open_incident
        self.replay_only = replay
        self.journal_label = journal_label or (str(desk.journal.path) if desk else "")
        self.roster_path = roster_path or paths.roster_path()
        self.keymap = Keymap(keymap_path or paths.keymap_path())
        self._settled: Screen[object] | None = None  # the screen memory was settled for
        self._settling: Timer | None = None
        self._waiting_for_journal: set[str] = set()  # automatic writes told to wait

    def show_error(self, error: IrdeskError, *, title: str = "") -> None:
        """The one place an irdesk error becomes a notification, shown literally.

        A refusal (an action that makes no sense now) is a warning; anything else (a journal
        locked or full, a playbook that cannot be loaded) is an error, under ``title``.
        """
        from irdesk.domain.incident import ActionError

        if isinstance(error, UnknownIncident):
            self.notify(
                f"no incident {visible(error.incident_id)} in this journal", severity="error"
            )
        elif isinstance(error, ActionError):
            self.notify(visible(error.message), severity="warning")
        else:
            self.notify(visible(error.message), severity="error", title=title)

    @contextmanager
    def attempt(self, title: str = "") -> Iterator[Attempt]:
        """Run the block; an IrdeskError it raises is shown (:meth:`show_error`), not raised.
        Usable in a worker thread too.

        with self.app.attempt("not recorded") as attempt:
            self.session.note(text)
        if attempt.failed: ...
        """
        attempt = Attempt()
        try:
            yield attempt
        except IrdeskError as error:
            attempt.failed = True
            self.show_error(error, title=title)

    # ----------------------------------------------------------------- writing
    def record(
        self, what: str, write: Callable[[], Any], *, then: Callable[[], None] = lambda: None
    ) -> None:
        """Journal one thing a person did (``write``, a service call), then ``then``.

        When another process holds the journal's write lock, a dialog says the desk is
        waiting and keeps trying (:class:`JournalWait`); ``then`` runs once the write is
        committed. A refusal or a failed write is shown, and nothing runs after it.
        """
        try:
            write()
        except JournalLocked:
            self.push_screen(
                JournalWait(what, write, waited=ATTEMPT), lambda ok: then() if ok else None
            )
            return
        except IrdeskError as error:
            self.show_error(error, title="not recorded")
            return
        then()

    def record_quietly(self, write: Callable[[], Any], *, then: Callable[[], None]) -> None:
        """Journal something nobody is waiting on (a notify command's outcome): tried
        again while the journal is locked, an error shown only if it cannot be."""
        PatientWrite(
            self,
            write,
            done=lambda _: then(),
            failed=lambda error: self.show_error(error, title="not recorded"),
            patience=self.write_patience,
        ).start()

    def in_background(self, what: str, write: Callable[[], R]) -> R | None:
        """A write the desk makes on its own every tick (escalations, due injects).

        While another process holds the journal's write lock it is simply made on a later
        tick: the person is told once that the desk waits for the journal, not every
        second. None when nothing was written.
        """
        try:
            result = write()
        except JournalLocked:
            if what not in self._waiting_for_journal:
                self._waiting_for_journal.add(what)
                self.notify(
                    f"Another process holds the journal's write lock: {what}s are recorded "
                    "as soon as it is free.",
                    title="waiting for the journal",
                    severity="warning",
                )
            return None
        except IrdeskError as error:
            self.show_error(error, title=f"{what} not recorded")
            return None
        self._waiting_for_journal.discard(what)
        return result

    # ----------------------------------------------------------------- opening
    def on_resize(self, event: events.Resize) -> None:
        self.fit(event.size.width, event.size.height)

    def fit(self, width: int, height: int) -> None:
        """Classes the stylesheet sizes the screens by (irdesk.tcss, "sizes"): a short
        terminal gives the checklist the room, a wide one gives the steps and timeline
        more."""
        self.set_class(height < SHORT, "-short")
        self.set_class(height >= TALL, "-tall")
        self.set_class(width < NARROW, "-narrow")
        self.set_class(width >= WIDE, "-wide")

    def on_mount(self) -> None:
        self.fit(self.size.width, self.size.height)
        self.screen_change_signal.subscribe(self, self._screen_changed)
        self.call_after_refresh(self.load_keymap)
        if self.replay_only is not None:
            # irdesk replay: read-only from start to finish; leaving the replay quits.
            self.show_replay(self.replay_only, on_close=lambda _: self.exit())
            return
        self.push_screen(HomeScreen(journal_label=self.journal_label))
        for warning in self.desk.journal.warnings:
            self.notify(visible(warning), title="journal", severity="warning", timeout=30)
        if self.open_incident:
            self.open_runner(self.open_incident)
        if not self.desk.actor_known:
            self.action_who(first_use=True)

    # ----------------------------------------------------------------- memory
    def on_unmount(self) -> None:
        gc.unfreeze()  # the process may go on without the app (tests, a script)

    def _screen_changed(self, screen: Screen[object]) -> None:
        if not isinstance(screen, ModalScreen) and screen is not self._settled:
            self._settled = screen
            # once the screen is painted and the one it replaced has finished closing
            if self._settling is not None:
                self._settling.stop()
            self._settling = self.set_timer(SETTLE_AFTER, settle_memory)

    def load_keymap(self) -> None:
        """Read the user's keymap and apply it; a bad one is reported and ignored."""
        from irdesk.tui.keymap import binding_classes, known_bindings, load_keymap

        path = self.keymap.path
        if not path.exists():
            return
        classes = binding_classes()
        self.keymap = load_keymap(path, known_bindings(classes), classes)
        self.set_keymap(self.keymap.keys)
        if self.keymap.errors:
            first, more = self.keymap.errors[0], len(self.keymap.errors) - 1
            self.notify(
                visible(f"{first}" + (f" (and {more} more)" if more else "")),
                title="keymap not used: the desk keeps its own keys",
                severity="error",
                timeout=30,
            )
        for warning in self.keymap.warnings:
            self.notify(visible(str(warning)), title="keymap", severity="warning", timeout=30)

    @property
    def keymap_keys(self) -> dict[str, str]:
        """binding id → keys, as the keymap in use sets them."""
        return self.keymap.keys

    # ----------------------------------------------------------------- navigation
    def _session(self, incident_id: str, what: str = "open"):  # noqa: ANN202
        """The incident's session, or None after telling the user why not."""
        with self.attempt(f"cannot {what}"):
            return self.desk.session(incident_id)
        return None

    def open_runner(self, incident_id: str) -> None:
        session = self._session(incident_id)
        if session is not None:
            self.show_runner(session)

    def show_runner(self, session) -> None:  # noqa: ANN001
        """The runner for a live incident, the drill screen for a drill."""
        from irdesk.services.drill import DrillSession
        from irdesk.tui.screens.drill import DrillScreen
        from irdesk.tui.screens.runner import RunnerScreen

        screen = (
            DrillScreen(session) if isinstance(session, DrillSession) else RunnerScreen(session)
        )
        self.push_screen(screen, lambda _: self._back_home())

    def action_drill(self) -> None:
        """Choose a scenario and start a drill on it."""
        from irdesk.domain.durations import format_duration
        from irdesk.tui.modals.prompts import ChoicePrompt

        scenarios = sorted(self.desk.catalog.scenarios.values(), key=lambda s: s.title)
        if not scenarios:
            self.notify("no valid scenario to run; run irdesk validate", severity="error")
            return

        def chosen(scenario_id: str | None) -> None:
            if scenario_id is None:
                return
            with self.attempt("drill not started"):
                self.show_runner(self.desk.start_drill(self.desk.catalog.scenarios[scenario_id]))

        self.push_screen(
            ChoicePrompt(
                "Start a drill",
                [
                    (f"{s.title}  ({s.playbook}, {format_duration(s.duration)})", s.id)
                    for s in scenarios
                ],
                note="The briefing (summary, objectives, duration) comes next; the exercise "
                "clock starts when you say so.",
            ),
            chosen,
        )

    def _back_home(self) -> None:
        if isinstance(self.screen, HomeScreen):
            self.screen.reload()

    def open_replay(self, incident_id: str) -> None:
        """Replay an incident of the desk's journal on a read-only connection of its own."""
        from irdesk.services.replay import open_replay

        with self.attempt("cannot replay") as attempt:
            replay = open_replay(self.desk.journal.path, incident_id, self.desk.catalog)
        if attempt.failed:
            return

        def closed(_: object) -> None:
            replay.journal.close()
            self._back_home()

        self.show_replay(replay, on_close=closed)

    def show_replay(self, replay: Replay, *, on_close) -> None:  # noqa: ANN001
        from irdesk.tui.screens.replay import ReplayScreen

        screen = ReplayScreen(replay)
        self.push_screen(screen, on_close)
        # Verify once the first frame is up: hashing competes with painting for the GIL.
        self.set_timer(
            0.3, lambda: self._verify_for_replay(replay.journal.path, replay.incident_id, screen)
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="verify")
    def _verify_for_replay(self, path: Path, incident_id: str, screen: ReplayScreen) -> None:
        """Check the chain before trusting the story; warn on screen if it is broken."""
        from irdesk.services.replay import chain_problem

        try:
            problem = chain_problem(path, incident_id)
        except IrdeskError as error:  # shown in the replay's warning line, not as a toast
            problem = f"could not verify the chain ({error.message})"
        self.call_from_thread(self._chain_checked, screen, problem)

    def _chain_checked(self, screen: ReplayScreen, problem: str | None) -> None:
        if screen.is_attached:
            screen.set_chain_warning(problem)
        if problem is None:
            self.notify("hash chain verified: the journal is as it was recorded", title="replay")

    def reload_catalog(self) -> None:
        self.desk.reload(self.roster_path)

    @on(HomeScreen.OpenIncident)
    def _open(self, message: HomeScreen.OpenIncident) -> None:
        self.open_runner(message.incident_id)

    @on(HomeScreen.ReplayIncident)
    def _replay(self, message: HomeScreen.ReplayIncident) -> None:
        self.open_replay(message.incident_id)

    @on(HomeScreen.Declare)
    def _declare(self, message: HomeScreen.Declare) -> None:
        self.action_declare(message.playbook_id)

    # The screens that send these are imported when first opened: handlers by name.
    def on_responder_incident_closed(self, message: Responder.IncidentClosed) -> None:
        """Closing an incident opens its after-action review."""
        self.open_review(message.incident_id)

    async def action_quit(self) -> None:
        """Quit, asking first where leaving matters. With a drill running under the screen
        that is open (help, say), its facilitator's desk asks and pauses the exercise clock
        (as its own ``q``); on a live incident with running timers (the screen's
        ``leaving_warning``) the question says what happens to the timers. Prompts are
        modal: they take no app key, so nothing quits from one."""
        from irdesk.tui.screens.drill import DrillScreen

        for screen in reversed(self.screen_stack):
            if isinstance(screen, DrillScreen) and screen.session.drill.running:
                screen.action_quit_desk()
                return
        warning = getattr(self.screen, "leaving_warning", None)
        message = warning() if callable(warning) else ""
        if not message:
            self.exit()
            return

        from irdesk.tui.modals.prompts import ConfirmPrompt

        def answered(leave: bool | None) -> None:
            if leave:
                self.exit()

        self.push_screen(ConfirmPrompt("Quit irdesk?", message, yes="Quit"), answered)

    def on_hotwash_screen_finished(self, message: HotwashScreen.Finished) -> None:
        """After the hot wash, the drill goes to its after-action review."""
        self.open_review(message.incident_id)

    @on(HomeScreen.ReviewIncident)
    def _review(self, message: HomeScreen.ReviewIncident) -> None:
        self.open_review(message.incident_id)

    @on(HomeScreen.ReportIncident)
    def _report(self, message: HomeScreen.ReportIncident) -> None:
        from irdesk.tui.screens.report import ReportScreen

        self.push_screen(ReportScreen(self.desk.journal.path, message.incident_id))

    def open_review(self, incident_id: str) -> None:
        session = self._session(incident_id, "open the review")
        if session is not None:
            from irdesk.tui.screens.review import ReviewScreen

            self.push_screen(ReviewScreen(session), lambda _: self._back_home())

    @on(HomeScreen.StartDrill)
    def _start_drill(self) -> None:
        self.action_drill()

    def action_declare(self, playbook_id: str | None = None) -> None:
        from irdesk.tui.modals.declare import DeclareDialog

        playbooks = sorted(self.desk.catalog.playbooks.values(), key=lambda p: p.title)
        if not playbooks:
            self.notify("no valid playbook to declare on; run irdesk validate", severity="error")
            return
        roster = self.desk.roster
        commanders = [p.name for p in roster.people] if roster else []
        on_call = roster.on_call("commander") if roster else ()
        default = on_call[0].name if on_call else self.desk.actor

        sessions = []

        def declare(request: DeclareRequest) -> None:
            # One write at a time, so that a try made again after the journal was locked
            # (see irdesk.tui.writes) goes on from where the last one stopped: the
            # declaration, then the earlier times (checked by the dialog already).
            if not sessions:
                sessions.append(
                    self.desk.declare(
                        request.playbook,
                        title=request.title,
                        severity=request.severity,
                        commander=request.commander,
                    )
                )
            session = sessions[0]
            for name, when in (("started", request.started_at), ("detected", request.detected_at)):
                if when is not None and name not in session.state.milestones:
                    session.milestone(
                        name, occurred_at=when, reason=request.reason, confirmed=request.confirmed
                    )

        def declared(request: DeclareRequest | None) -> None:
            if request is not None:
                self.show_runner(sessions[-1])

        self.push_screen(
            DeclareDialog(
                playbooks,
                commanders=commanders,
                default_commander=default,
                now=self.desk.clock.now,
                preselect=playbook_id,
                save=declare,
            ),
            declared,
        )

    # ----------------------------------------------------------------- who acts
    def action_who(self, first_use: bool = False) -> None:
        """Ask who is at the keyboard; the answer is remembered for this login and every
        action from now on is journaled under it (see :mod:`irdesk.services.actor`)."""
        from irdesk.services.actor import check_actor
        from irdesk.tui.modals.who import WhoDialog

        if self.desk is None or isinstance(self.screen, WhoDialog):
            return
        roster = self.desk.roster
        names = [p.name for p in roster.people] if roster else []
        self.push_screen(
            WhoDialog(names, current=self.desk.actor, first_use=first_use, check=check_actor),
            self._acting_as,
        )

    def _acting_as(self, name: str | None) -> None:
        from irdesk.services.actor import remember

        if name is None:
            return
        with self.attempt("your name is used now but not remembered"):
            remember(name)
        self.set_actor(name)
        self.notify(visible(f"acting as {name}: your entries are journaled under this name"))

    def set_actor(self, name: str) -> None:
        """Act as ``name`` from now on: the desk's new sessions and every open one."""
        self.desk.actor = name
        self.desk.actor_known = True
        for screen in self.screen_stack:
            session = getattr(screen, "session", None)
            if session is not None:
                session.actor = name
            shown = getattr(screen, "show_actor", None)
            if callable(shown):
                shown()

    def action_help(self) -> None:
        from irdesk.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Declare an incident", "Open a new incident on a playbook", self.action_declare
        )
        yield SystemCommand(
            "Start a drill", "Run a tabletop exercise from a scenario", self.action_drill
        )
        yield SystemCommand("Help: keys", "List every key of this screen", self.action_help)
        if self.desk is not None:
            yield SystemCommand(
                "Switch who is acting",
                f"Entries are journaled under your name (now {visible(self.desk.actor)})",
                self.action_who,
            )


#: seconds after a screen change to settle memory (see settle_memory)
SETTLE_AFTER = 0.5


def settle_memory() -> None:
    """Once a screen has painted its first frame: collect what the screens before it left,
    then freeze what is alive (Textual, irdesk, the screen and its incident). Python's
    collections while people type then go through only what was made since: a full one
    through everything paused a key press in the runner by 100 to 250 ms. Collection is
    on from here (irdesk.tui.launch keeps it off until the first frame)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    gc.enable()


def banner(text: str) -> Text:
    return literal(text, "bold")
