"""Opening the desk on screen: what ``irdesk``, ``run``, ``drill`` (and its player view),
``demo`` and ``replay`` start once the command line has its desk (or replay) ready.

Textual is imported here only when a screen really opens, so the commands that never open
one (``irdesk list``, ``report``, ``verify``...) start without it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from irdesk.services.desk import Desk
    from irdesk.services.incident import IncidentSession
    from irdesk.services.replay import Replay


@contextmanager
def _first_frame_uncollected() -> Iterator[None]:
    """No garbage collection from here to the first frame: a full collection through
    everything just imported (Textual, irdesk) cost home's first frame about 20 ms. The
    app collects and freezes what is alive once that frame is painted, and turns
    collection on again then (:func:`irdesk.tui.app.settle_memory`); at the latest, when
    the app ends."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def run_desk(
    desk: Desk,
    *,
    open_incident: str | None = None,
    journal_label: str = "",
    roster_path: Path | None = None,
) -> None:
    """The desk on the desk's journal (home, or ``open_incident`` straight away) until the
    person quits; the journal is closed then."""
    with _first_frame_uncollected():
        from irdesk.tui.app import IrdeskApp
        from irdesk.tui.writes import ATTEMPT

        try:
            # On screen, a write waits for another process's lock in short tries, so the
            # screen can say it is waiting between them (irdesk.tui.writes).
            desk.reconnect(timeout=ATTEMPT)
            IrdeskApp(
                desk,
                open_incident=open_incident,
                journal_label=journal_label,
                roster_path=roster_path,
            ).run()
        finally:
            desk.journal.close()


def run_replay(replay: Replay, *, journal_label: str) -> None:
    """A replay alone, read-only, until the person leaves it; its journal is closed then."""
    from irdesk.tui.app import IrdeskApp

    try:
        with _first_frame_uncollected():
            IrdeskApp(None, replay=replay, journal_label=journal_label).run()
    finally:
        replay.journal.close()


def run_player(session: IncidentSession) -> None:
    """The player view of a drill, read-only, until the person quits; the journal is
    closed then."""
    from irdesk.tui.player_app import PlayerApp

    try:
        PlayerApp(session).run()
    finally:
        session.journal.close()
