"""The ``irdesk`` command line.

Each command lives in its own module under ``irdesk.cli`` and is registered here, so the
group stays a table of contents. Every command that touches a journal takes ``--journal``.
"""

from __future__ import annotations

import importlib
import sys

import click

from irdesk import __version__
from irdesk.cli.common import actor_option, journal_option

# (name, module, attribute). Order is the order `irdesk --help` lists them in. Modules are
# imported only when their command runs (or help lists them): `irdesk` alone starts fast.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("demo", "irdesk.cli.incidents", "demo"),
    ("run", "irdesk.cli.incidents", "run"),
    ("drill", "irdesk.cli.drill", "drill"),
    ("declare", "irdesk.cli.incidents", "declare"),
    ("list", "irdesk.cli.incidents", "list_incidents"),
    ("log", "irdesk.cli.incidents", "log"),
    ("replay", "irdesk.cli.replay", "replay"),
    ("report", "irdesk.cli.report", "report"),
    ("improvements", "irdesk.cli.report", "improvements"),
    ("scan", "irdesk.cli.scan", "scan"),
    ("validate", "irdesk.cli.validate", "validate"),
    ("verify", "irdesk.cli.verify", "verify"),
)
COMMAND_NAMES: tuple[str, ...] = tuple(name for name, _, _ in COMMANDS)


class _Group(click.Group):
    """Lists commands in table order and imports each one's module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMAND_NAMES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        for name, module_name, attribute in COMMANDS:
            if name == cmd_name:
                return getattr(importlib.import_module(module_name), attribute)
        return None


@click.group(
    cls=_Group,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", "-V", prog_name="irdesk")
@journal_option
@actor_option
@click.pass_context
def main(ctx: click.Context, journal_path, actor) -> None:  # noqa: ANN001
    """irdesk: a terminal incident desk.

    Run without a command to open the desk (home screen) on the journal.
    """
    if ctx.invoked_subcommand is None:
        from irdesk.cli.incidents import open_home

        open_home(journal_path, actor)


if __name__ == "__main__":
    sys.exit(main())
