"""Naming a drill's participants and choosing who is acting: the facilitator's dialogs
(from the briefing and the drill screen's ``W``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from irdesk.services.drill import DrillSession
from irdesk.tui.modals.prompts import ChoicePrompt, TextPrompt

TYPED = "\x00typed"  # the choice "type a name" (no roster name can hold a NUL)
ADD = "\x00add"
FACILITATOR = "\x00facilitator"

if TYPE_CHECKING:
    from irdesk.tui.app import IrdeskApp


def add_participant(app: IrdeskApp, session: DrillSession, then: Callable[[str], None]) -> None:
    """Add a participant, from the roster or typed; ``then(name)`` once it is journaled."""
    drill = session.drill
    roster = [p.name for p in session.roster.people if drill.participant(p.name) is None]

    def typed() -> None:
        recorded: list[str] = []

        def save(name: str) -> None:
            recorded.append(session.add_participant(name))

        app.push_screen(
            TextPrompt("Add a participant", "Name", save=save),
            lambda result: then(recorded[-1]) if result and recorded else None,
        )

    if not roster:
        typed()
        return

    def chosen(name: str | None) -> None:
        if name == TYPED:
            typed()
        elif name is not None:
            app.record(
                f"add participant {name}",
                lambda: session.add_participant(name, source="roster"),
                then=lambda: then(name),
            )

    app.push_screen(
        ChoicePrompt(
            "Add a participant",
            [*((name, name) for name in roster), ("Type a name…", TYPED)],
            note="Who takes part in the drill: the team's actions are attributed to them.",
        ),
        chosen,
    )


def choose_acting(app: IrdeskApp, session: DrillSession, then: Callable[[], None]) -> None:
    """Switch who the team's actions are attributed to (or add someone and switch)."""
    participants = session.drill.participants
    current = session.acting
    options = [(f"{name}{'  (acting)' if name == current else ''}", name) for name in participants]
    options.append(
        (
            f"{session.facilitator}, the facilitator{'  (acting)' if current is None else ''}",
            FACILITATOR,
        )
    )
    options.append(("Add a participant…", ADD))

    def switched(name: str) -> None:
        session.act_as(name)
        then()

    def chosen(choice: str | None) -> None:
        if choice == ADD:
            add_participant(app, session, switched)
        elif choice == FACILITATOR:
            session.act_as(None)
            then()
        elif choice is not None:
            switched(choice)

    app.push_screen(
        ChoicePrompt(
            "Who is acting?",
            options,
            note="The team's notes, ticks, steps and decisions are recorded as theirs; "
            "the clock and injects stay yours.",
            highlighted=participants.index(current)
            if current in participants
            else len(participants),
        ),
        chosen,
    )
