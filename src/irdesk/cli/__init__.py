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

# (module, command attribute). Order is the order `irdesk --help` lists them in.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("irdesk.cli.incidents", "demo"),
    ("irdesk.cli.incidents", "run"),
    ("irdesk.cli.drill", "drill"),
    ("irdesk.cli.incidents", "declare"),
    ("irdesk.cli.incidents", "list_incidents"),
    ("irdesk.cli.incidents", "log"),
    ("irdesk.cli.replay", "replay"),
    ("irdesk.cli.report", "report"),
    ("irdesk.cli.report", "improvements"),
    ("irdesk.cli.validate", "validate"),
    ("irdesk.cli.verify", "verify"),
)


class _Group(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)  # registration order, not alphabetical


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


def _register() -> None:
    for module_name, attribute in COMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        main.add_command(getattr(module, attribute))


_register()

if __name__ == "__main__":
    sys.exit(main())
