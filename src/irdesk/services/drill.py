"""Drill services: the facilitator's controls over a tabletop exercise, journaled.

``cli | tui → services → store`` as for live incidents: no Textual, no SQL. A
:class:`DrillSession` is an :class:`~irdesk.services.incident.IncidentSession` on a drill
incident (mode ``drill``) with the facilitator's actions added; the desk declares and
opens them (:meth:`~irdesk.services.desk.Desk.start_drill`). Every action refreshes from
the journal first (another screen may have acted), checks that it makes sense (raising
:class:`~irdesk.domain.incident.ActionError` with a message for people otherwise),
appends one entry and re-folds. The exercise clock reads the session's injected clock.

Writes that two screens may race to make (a due inject, a clock change, the end of the
drill) carry deterministic uids, so the journal records each once:
``{incident}/inject/{id}`` (delivered or skipped: one disposition per inject),
``{incident}/clock/{n}`` (the n-th clock or speed change), ``{incident}/ack/{id}``,
``{incident}/added/{id}``, ``{incident}/end``, ``{incident}/hotwash-done``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from irdesk.domain import drill as engine
from irdesk.domain.drill import (
    DK,
    FACILITATOR,
    PAUSE,
    RESUME,
    SPEEDS,
    START,
    UNLESS,
    DrillState,
    ExpectationView,
    InjectState,
    InjectView,
    ObjectiveRating,
    drill_state,
    exercise_seconds,
)
from irdesk.domain.entry import Entry
from irdesk.domain.incident import ActionError
from irdesk.services.incident import IncidentSession

SYSTEM = "system"  # the actor of automatic deliveries and skips
DEFAULT_SENDER = "Facilitator"
TITLE_PREFIX = "Drill: "


class DrillSession(IncidentSession):
    """A drill incident, open in this process, with the facilitator's controls.

    Who acts: ``facilitator`` is the person at this desk (``--as``); ``acting`` the
    participant the team's actions are attributed to (:meth:`act_as`), or None for the
    facilitator. ``actor`` (what every team action is written with) is the acting
    participant; the facilitator's own controls (clock, injects, the end of the drill)
    are always written with the facilitator.
    """

    acting: str | None = None

    @property
    def actor(self) -> str:
        return self.acting or self.facilitator

    @actor.setter
    def actor(self, value: str) -> None:
        self.facilitator = value

    # ----------------------------------------------------------------- reading
    @property
    def drill(self) -> DrillState:
        found = drill_state(self.state)
        if found is None:
            raise ActionError(f"{self.incident_id} is not a drill")
        return found

    def exercise_elapsed(self) -> timedelta:
        return self.drill.exercise_elapsed(self.now())

    def injects(self) -> list[InjectView]:
        return engine.inject_views(self.state, self.now())

    def expectations(self) -> list[ExpectationView]:
        return engine.expectation_views(self.state, self.now())

    def ratings(self) -> list[ObjectiveRating]:
        return engine.objective_ratings(self.state, self.now())

    def next_inject(self) -> InjectState | None:
        return engine.next_inject(self.state)

    # ----------------------------------------------------------------- checks
    def _running_drill(self) -> DrillState:
        self.refresh()  # another screen may have acted
        drill = self.drill
        if drill.ended:
            raise ActionError("the drill has ended")
        return drill

    def _started_drill(self) -> DrillState:
        drill = self._running_drill()
        if not drill.started:
            raise ActionError("start the exercise clock first")
        return drill

    def _scenario_inject(self, drill: DrillState, inject_id: str) -> InjectState:
        st = drill.inject(inject_id)
        if st is None:
            raise ActionError(f"this drill has no inject {inject_id!r}")
        return st

    def _at_s(self) -> float | None:
        return exercise_seconds(self.drill.exercise_elapsed(self.now()))

    # ----------------------------------------------------------------- writing once
    def _once(
        self,
        kind: str,
        payload: dict[str, Any],
        uid: str,
        *,
        actor: str | None = None,
        same: Callable[[Entry], bool] | None = None,
    ) -> tuple[Entry, bool]:
        """Append an entry that must exist at most once; (entry, whether we wrote it).

        When the uid is already taken (another screen was quicker), the existing entry is
        returned if ``same(existing)`` says it does what we meant; otherwise ActionError.
        """
        existing = self.journal.entry_by_uid(uid)
        if existing is None:
            who = actor or self.actor
            try:
                entry = self.journal.append(
                    self.incident_id,
                    kind,
                    payload,
                    actor=who,
                    role=None if who == SYSTEM else self.role_of(who),
                    uid=uid,
                )
            except ValueError:
                existing = self.journal.entry_by_uid(uid)
                if existing is None:
                    raise
            else:
                self.refresh()
                return entry, True
        self.refresh()
        if same is not None and not same(existing):
            from irdesk.domain.describe import describe

            raise ActionError(f"{existing.actor} got there first: {describe(existing)}")
        return existing, False

    def _clock_uid(self) -> str:
        return f"{self.incident_id}/clock/{self.drill.clock_changes + 1}"

    def _clock_entry(self, action: str) -> Entry:
        entry, _ = self._once(
            DK.CLOCK,
            {"action": action, "exercise_at_s": self._at_s()},
            self._clock_uid(),
            actor=self.facilitator,
            same=lambda e: e.kind == DK.CLOCK and e.payload.get("action") == action,
        )
        return entry

    # ----------------------------------------------------------------- the clock
    def start_clock(self) -> Entry:
        """Start the exercise clock (once, after the facilitator read the summary)."""
        drill = self._running_drill()
        if drill.started:
            raise ActionError("the exercise clock is already started")
        return self._clock_entry(START)

    def pause(self) -> Entry:
        drill = self._started_drill()
        if drill.paused:
            raise ActionError("the exercise clock is already paused")
        return self._clock_entry(PAUSE)

    def resume(self) -> Entry:
        drill = self._started_drill()
        if not drill.paused:
            raise ActionError("the exercise clock is not paused")
        return self._clock_entry(RESUME)

    def set_speed(self, speed: int) -> Entry:
        """Run the exercise clock at 1x, 2x, 5x or 10x wall time."""
        drill = self._running_drill()
        if isinstance(speed, bool) or speed not in SPEEDS:
            raise ActionError(f"speed must be one of {', '.join(f'{s}x' for s in SPEEDS)}")
        speed = int(speed)
        if speed == drill.speed:
            raise ActionError(f"the exercise clock already runs at {speed}x")
        entry, _ = self._once(
            DK.SPEED,
            {"speed": speed, "from": drill.speed, "exercise_at_s": self._at_s()},
            self._clock_uid(),
            actor=self.facilitator,
            same=lambda e: e.kind == DK.SPEED and e.payload.get("speed") == speed,
        )
        return entry

    # ----------------------------------------------------------------- injects
    def deliver_due(self) -> list[InjectState]:
        """Deliver (or skip, for ``unless``) every inject whose time has come.

        Called by the screen about every half second. Returns the injects this call
        delivered; those another screen delivered first are not returned, but appear in
        ``drill.unacknowledged`` all the same (show that, not the return value).
        """
        self.refresh()
        now = self.now()
        ours: list[str] = []
        for due in engine.due_injects(self.state, now):
            inject = due.inject
            uid = f"{self.incident_id}/inject/{inject.id}"
            payload: dict[str, Any]
            if due.action == "skip":
                payload = {
                    "inject": inject.id,
                    "reason": UNLESS,
                    "detail": f"{due.unless} already happened",
                    "event": due.unless,
                }
                self._once(DK.SKIPPED, payload, uid, actor=SYSTEM)
                continue
            payload = {
                "inject": inject.id,
                "text": inject.text,
                "from": inject.sender,
                "early": False,
                "exercise_at_s": self._at_s(),
                "due_at_s": exercise_seconds(due.due_at),
            }
            _, wrote = self._once(DK.DELIVERED, payload, uid, actor=SYSTEM)
            if wrote:
                ours.append(inject.id)
        return [self.drill.injects[i] for i in ours]

    def deliver_next_now(self) -> InjectState:
        """Deliver the next inject at once (early), or the ones already due if any."""
        self._started_drill()
        just_due = self.deliver_due()
        if just_due:
            return just_due[0]
        st = engine.next_inject(self.state)
        if st is None or st.inject is None:
            raise ActionError("no inject is left to deliver")
        inject = st.inject
        payload = {
            "inject": inject.id,
            "text": inject.text,
            "from": inject.sender,
            "early": True,
            "exercise_at_s": self._at_s(),
            "due_at_s": exercise_seconds(engine.inject_due_at(self.state, inject)),
        }
        self._once(
            DK.DELIVERED,
            payload,
            f"{self.incident_id}/inject/{inject.id}",
            actor=self.facilitator,
            same=lambda e: e.kind == DK.DELIVERED,
        )
        return self.drill.injects[inject.id]

    def skip_inject(self, inject_id: str, reason: str) -> Entry:
        """The facilitator decides an inject will not be delivered (why is journaled)."""
        drill = self._running_drill()
        st = self._scenario_inject(drill, inject_id)
        if st.added:
            raise ActionError(f"{inject_id} is a free-form inject: it was delivered at once")
        if st.status != "scheduled":
            raise ActionError(f"inject {inject_id} was already {st.status}")
        if not reason.strip():
            raise ActionError("skipping an inject needs a reason")
        payload = {"inject": inject_id, "reason": FACILITATOR, "detail": reason.strip()}
        entry, _ = self._once(
            DK.SKIPPED,
            payload,
            f"{self.incident_id}/inject/{inject_id}",
            actor=self.facilitator,
            same=lambda e: e.kind == DK.SKIPPED,
        )
        return entry

    def add_inject(self, text: str, sender: str = DEFAULT_SENDER) -> InjectState:
        """A free-form inject, written by the facilitator and delivered at once."""
        self._started_drill()
        if not text.strip():
            raise ActionError("an inject needs some text")
        sender = sender.strip() or DEFAULT_SENDER
        for _attempt in range(20):
            ident = self._free_inject_id()
            payload = {
                "inject": ident,
                "text": text.strip(),
                "from": sender,
                "exercise_at_s": self._at_s(),
            }
            entry, wrote = self._once(
                DK.ADDED, payload, f"{self.incident_id}/added/{ident}", actor=self.facilitator
            )
            if wrote:
                return self.drill.injects[ident]
        raise ActionError("could not add the inject: others keep adding at the same time")

    def _free_inject_id(self) -> str:
        drill = self.drill
        taken = set(drill.injects)
        n = drill.added_count + 1
        while f"extra-{n}" in taken:
            n += 1
        return f"extra-{n}"

    def acknowledge_inject(self, inject_id: str) -> Entry:
        """Someone on the team has taken in a delivered inject."""
        self.refresh()
        st = self._scenario_inject(self.drill, inject_id)
        if not st.delivered:
            raise ActionError(f"inject {inject_id} has not been delivered")
        if st.acknowledged:
            raise ActionError(f"inject {inject_id} is already acknowledged")
        entry, _ = self._once(
            DK.ACKNOWLEDGED,
            {"inject": inject_id},
            f"{self.incident_id}/ack/{inject_id}",
            same=lambda e: e.kind == DK.ACKNOWLEDGED,
        )
        return entry

    # ----------------------------------------------------------------- the end
    def end_drill(self) -> Entry:
        """Stop the exercise: the clock stops, unmet expectations become missed."""
        self._running_drill()
        entry, _ = self._once(
            DK.ENDED,
            {"exercise_at_s": self._at_s()},
            f"{self.incident_id}/end",
            actor=self.facilitator,
            same=lambda e: e.kind == DK.ENDED,
        )
        return entry

    def answer(self, index: int, text: str) -> Entry:
        """Journal the team's answer to hot-wash question ``index`` (0-based)."""
        self.refresh()
        drill = self.drill
        if not drill.ended:
            raise ActionError("the hot wash starts when the drill has ended")
        questions = drill.questions
        if not questions:
            raise ActionError("this scenario has no hot-wash questions")
        if isinstance(index, bool) or not 0 <= index < len(questions):
            raise ActionError(
                f"there is no question {index + 1}; the scenario has {len(questions)}"
            )
        if not text.strip():
            raise ActionError("an answer needs some text")
        return self._append(
            DK.ANSWER, {"index": index, "question": questions[index], "answer": text.strip()}
        )

    def finish_hotwash(self) -> Entry:
        """Mark the hot wash done: the drill moves on to its after-action review."""
        self.refresh()
        drill = self.drill
        if not drill.ended:
            raise ActionError("end the drill before finishing the hot wash")
        if drill.hotwash_done:
            raise ActionError("the hot wash is already finished")
        answered = len({a.index for a in drill.answers})
        entry, _ = self._once(
            DK.HOTWASH_DONE,
            {"answered": answered, "questions": len(drill.questions)},
            f"{self.incident_id}/hotwash-done",
            actor=self.facilitator,
            same=lambda e: e.kind == DK.HOTWASH_DONE,
        )
        return entry

    # ----------------------------------------------------------------- participants
    def add_participant(self, name: str, *, source: str = "typed") -> str:
        """Someone takes part in the drill (from the roster, or a typed name); journaled
        once per name. Returns the name as recorded."""
        self.refresh()
        name = " ".join(name.split())
        if not name:
            raise ActionError("a participant needs a name")
        if len(name) > 80:
            raise ActionError("a participant's name is at most 80 characters")
        if self.state.closed:
            raise ActionError("the drill is closed")
        if self.drill.participant(name) is not None:
            raise ActionError(f"{self.drill.participant(name)} already takes part")
        self._once(
            DK.PARTICIPANT,
            {"name": name, "source": "roster" if source == "roster" else "typed"},
            f"{self.incident_id}/participant/{name.casefold()}",
            actor=self.facilitator,
            same=lambda e: e.kind == DK.PARTICIPANT,
        )
        return self.drill.participant(name) or name

    def act_as(self, name: str | None) -> None:
        """Attribute the team's next actions to participant ``name`` (None: to the
        facilitator). Not journaled: each entry says who acted."""
        if name is None or name == self.facilitator:
            self.acting = None
            return
        found = self.drill.participant(name)
        if found is None:
            raise ActionError(f"{name} does not take part in this drill; add them first")
        self.acting = found
