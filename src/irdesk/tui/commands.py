"""The command palette (ctrl+p): what the current screen can do, by name.

The app's own commands (declare an incident, start a drill, help) are system commands
(:meth:`IrdeskApp.get_system_commands`); :class:`ScreenCommands` adds the actions of the
screen the palette was opened on. Each of those names one of the screen's bindings, by
id: choosing it runs that binding's action, exactly as its key does, and the palette shows
the key in effect (a keymap's included).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from irdesk.tui.keymap import bindings_of


@dataclass(frozen=True)
class PaletteAction:
    title: str
    help: str


# binding id → how the palette names it. Bindings left out are reached by their keys only
# (moving around, one-key variants such as "tick item 3", home's declare and drill, which
# are app-wide commands).
ACTIONS: dict[str, PaletteAction] = {
    # runner and drill: the responder
    "runner.note": PaletteAction("Add a note", "Write a note to the timeline"),
    "runner.tick": PaletteAction(
        "Tick checklist item", "Tick (or untick) the highlighted checklist item"
    ),
    "runner.done": PaletteAction("Complete step", "Mark the selected step done"),
    "runner.skip": PaletteAction("Skip step", "Skip the selected step (with a reason)"),
    "runner.option": PaletteAction("Choose decision option", "Take a branch of a decision"),
    "runner.milestone": PaletteAction("Record milestone", "Record a milestone, now or backdated"),
    "runner.severity": PaletteAction("Change severity", "Raise or lower the severity"),
    "runner.status": PaletteAction("Change status", "Set the incident status"),
    "runner.roles": PaletteAction("Assign role", "Assign or hand off a role"),
    "runner.acknowledge": PaletteAction("Acknowledge escalation", "Acknowledge a fired escalation"),
    "runner.current": PaletteAction("Go to the current step", "Show the step the incident is at"),
    "runner.contacts": PaletteAction("Contacts", "The roster, on call and role holders"),
    "runner.search": PaletteAction(
        "Search the timeline", "Filter the timeline by kind, who acted, or text"
    ),
    "runner.timeline": PaletteAction(
        "Read timeline entries", "Move into the timeline; enter reads an entry whole"
    ),
    "runner.update": PaletteAction(
        "Status update", "Compose a status update from the state, to copy or write to a file"
    ),
    "runner.close": PaletteAction("Close incident", "Close this incident"),
    # drill: the facilitator
    "drill.clock": PaletteAction(
        "Start or pause the exercise clock", "Start, pause or resume the drill"
    ),
    "drill.faster": PaletteAction("Faster exercise clock", "Run the exercise clock faster"),
    "drill.slower": PaletteAction("Slower exercise clock", "Run the exercise clock slower"),
    "drill.next": PaletteAction(
        "Deliver an inject now", "Choose a pending inject to deliver now (the next one first)"
    ),
    "drill.mark": PaletteAction(
        "Mark an expectation", "Rate an expectation met, missed or n/a by hand, with a note"
    ),
    "drill.skip": PaletteAction("Skip an inject", "Skip a scheduled inject (with a reason)"),
    "drill.add": PaletteAction("Add an inject", "Deliver an inject of your own, now"),
    "drill.ack": PaletteAction("Acknowledge inject", "Acknowledge the newest inject"),
    "drill.end": PaletteAction("End the drill", "Stop the exercise clock; the hot wash follows"),
    "drill.hotwash": PaletteAction("Hot wash", "The scenario's discussion questions"),
    "drill.briefing": PaletteAction(
        "Drill briefing", "The scenario, its objectives and how they are rated"
    ),
    # hot wash
    "hotwash.next": PaletteAction("Next question", "The next discussion question"),
    "hotwash.previous": PaletteAction("Previous question", "The previous discussion question"),
    "hotwash.correct": PaletteAction("Correct an answer", "Correct a recorded answer"),
    "hotwash.feedback": PaletteAction(
        "Participant feedback", "A participant's own feedback: what went well, what to improve"
    ),
    "hotwash.finish": PaletteAction(
        "Finish the hot wash", "Finish the hot wash and close the drill"
    ),
    # home
    "home.open": PaletteAction("Open incident", "Open the highlighted incident or drill"),
    "home.replay": PaletteAction("Replay incident", "Replay the highlighted incident, read-only"),
    "home.review": PaletteAction(
        "Review incident", "The after-action review of the highlighted incident"
    ),
    "home.report": PaletteAction(
        "Incident report", "The after-action report of the highlighted incident"
    ),
    "home.contacts": PaletteAction("Contacts", "The roster, on call and contact points"),
    "home.reload": PaletteAction("Reload files", "Read playbooks, scenarios and the roster again"),
    # replay
    "replay.play": PaletteAction("Play or pause", "Play the incident forward, or pause it"),
    "replay.faster": PaletteAction("Faster replay", "Replay faster"),
    "replay.slower": PaletteAction("Slower replay", "Replay slower"),
    "replay.start": PaletteAction("First entry", "Go to the declaration"),
    "replay.end": PaletteAction("Last entry", "Go to the end"),
    "replay.jump": PaletteAction(
        "Jump to a milestone", "Milestones, steps finished and escalations"
    ),
    "replay.time": PaletteAction("Jump to a time", "The incident as it was at a time"),
    "replay.gaps": PaletteAction("Compress idle gaps", "Play long quiet stretches quickly"),
    # review
    "review.root_cause": PaletteAction("Root cause", "Record the root cause in a sentence"),
    "review.five_whys": PaletteAction(
        "Five whys", "Work back to the root cause, one why at a time"
    ),
    "review.went_well": PaletteAction("What went well", "Add a point to what went well"),
    "review.to_improve": PaletteAction("What to improve", "Add a point to what to improve"),
    "review.lesson": PaletteAction("Lesson learned", "Add a lesson"),
    "review.add_item": PaletteAction(
        "Add improvement item", "What will change, who owns it, by when"
    ),
    "review.close_item": PaletteAction(
        "Close improvement item", "Mark the highlighted item done or dropped"
    ),
    "review.save": PaletteAction("Save the review", "Save the review (with a summary)"),
    "review.reopen": PaletteAction("Reopen the review", "Reopen a saved review (with a reason)"),
    "review.report": PaletteAction("Report", "The after-action report"),
    # report
    "report.markdown": PaletteAction(
        "Write Markdown report", "Write the report as a Markdown file"
    ),
    "report.html": PaletteAction("Write HTML report", "Write the report as one HTML file"),
    "report.json": PaletteAction("Write JSON report", "Write the report as JSON"),
}


class ScreenCommands(Provider):
    """The actions of the screen the palette was opened on (see :data:`ACTIONS`)."""

    def _commands(self) -> Iterator[tuple[str, str, Callable[[], object]]]:
        screen = self.screen
        keymap: dict[str, str] = getattr(self.app, "keymap_keys", {})
        for binding in bindings_of(type(screen)):
            action = ACTIONS.get(binding.id or "")
            if action is None:
                continue
            keys = keymap.get(binding.id or "", binding.key)
            shown = ", ".join(
                self.app.get_key_display(Binding(key.strip(), "")) for key in keys.split(",")
            )
            yield (
                action.title,
                f"{action.help} (key: {shown})",
                partial(screen.run_action, binding.action),
            )

    async def discover(self) -> Hits:
        for title, help_text, command in self._commands():
            yield DiscoveryHit(title, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, command in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), command, help=help_text)
