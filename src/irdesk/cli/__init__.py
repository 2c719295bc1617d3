"""The ``irdesk`` command line.

Each command lives in its own module under ``irdesk.cli`` and is registered here, so the
group stays a table of contents. Every command that touches a journal takes ``--journal``.

Errors are translated here, once: every :class:`~irdesk.errors.IrdeskError` a command
raises is one line on stderr, ``irdesk: <message>``, and exit status 2; an argument that
is not valid UTF-8 is refused the same way before any command sees it.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Any

import click

from irdesk import __version__
from irdesk.cli.common import actor_option, journal_option
from irdesk.errors import IrdeskError
from irdesk.text import visible

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
    ("improvements", "irdesk.cli.improvements", "improvements"),
    ("scan", "irdesk.cli.scan", "scan"),
    ("findings", "irdesk.cli.findings", "findings"),
    ("ack", "irdesk.cli.findings", "ack"),
    ("dismiss", "irdesk.cli.findings", "dismiss"),
    ("rules", "irdesk.cli.rules", "rules"),
    ("validate", "irdesk.cli.validate", "validate"),
    ("verify", "irdesk.cli.verify", "verify"),
    ("seal", "irdesk.cli.seal", "seal"),
    ("watch", "irdesk.cli.watch", "watch"),
    ("check", "irdesk.cli.watch", "check"),
    ("defects", "irdesk.cli.watch", "defects"),
    ("page", "irdesk.cli.page", "page"),
)
COMMAND_NAMES: tuple[str, ...] = tuple(name for name, _, _ in COMMANDS)


def _fail(message: str) -> None:
    click.echo(f"irdesk: {visible(message)}", err=True)


def _usage(error: click.UsageError) -> None:
    """A usage error in one line, like every other error, naming where help is (click
    prints three: the usage, a hint and the error)."""
    where = error.ctx.command_path if error.ctx is not None else "irdesk"
    _fail(f"{error.format_message()} (see {where} --help)")


def _undecodable(argument: str) -> bool:
    """Bytes that were not UTF-8 reach Python as lone surrogates (surrogateescape)."""
    return any("\ud800" <= c <= "\udfff" for c in argument)


def _as_bytes(argument: str) -> str:
    """The argument with each byte that was not UTF-8 shown as ``\\xNN``."""
    return "".join(
        f"\\x{ord(c) - 0xDC00:02x}" if "\udc80" <= c <= "\udcff" else c for c in argument
    )


class _Group(click.Group):
    """Lists commands in table order, imports each one's module on first use, and turns
    every IrdeskError into one line and exit status 2."""

    def main(self, args: Sequence[str] | None = None, *more: Any, **extra: Any) -> Any:
        for argument in sys.argv[1:] if args is None else args:
            if _undecodable(argument):
                _fail(f"argument '{_as_bytes(argument)}' is not valid UTF-8 text")
                sys.exit(2)
        return super().main(args, *more, **extra)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as error:  # an option of irdesk itself
            _usage(error)
            raise click.exceptions.Exit(2) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except IrdeskError as error:
            _fail(error.message)
            ctx.exit(2)
        except click.UsageError as error:  # a command's arguments or options
            _usage(error)
            ctx.exit(2)

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
