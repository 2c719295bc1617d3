"""The irdesk program: the command line (:mod:`irdesk.cli`), opening the Textual desk
(:mod:`irdesk.tui`) where a command needs a screen.

The two front ends never import each other (import-linter checks it): this module, the
console script's entry point, is the one place that puts them together, by handing the
command line the screens it may open.
"""

from __future__ import annotations

from irdesk.cli import main as command_line
from irdesk.cli.common import Screens
from irdesk.tui.launch import run_desk, run_player, run_replay

SCREENS = Screens(desk=run_desk, replay=run_replay, player=run_player)


def main() -> None:
    command_line.main(obj=SCREENS)
