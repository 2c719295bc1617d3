"""The player view's own app: one read-only screen, quit, and nothing else.

Not :class:`irdesk.tui.app.IrdeskApp`: the desk's app has a command palette, help and
keys that open the facilitator's screens, and the player view may run in a room's
browser (``--serve``), where whoever holds the keyboard is a participant.
"""

from __future__ import annotations

from textual.binding import Binding

from irdesk.services.incident import IncidentSession
from irdesk.tui.safe import LiteralToastsApp
from irdesk.tui.screens.player import PlayerScreen


class PlayerApp(LiteralToastsApp):
    CSS_PATH = "irdesk.tcss"
    TITLE = "irdesk player view"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", id="player.app_quit", show=False)]

    def __init__(self, session: IncidentSession) -> None:
        super().__init__()
        self.session = session

    def on_mount(self) -> None:
        self.push_screen(PlayerScreen(self.session), lambda _: self.exit())
