"""Pieces every command shares: the --journal option and friendly failure."""

from __future__ import annotations

from pathlib import Path

import click

from irdesk import paths

journal_option = click.option(
    "--journal",
    "journal_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Journal file (default: $IRDESK_HOME/journal.db or the user data folder).",
)


def resolve_journal(path: Path | None) -> Path:
    return path if path is not None else paths.default_journal_path()


class Failure(click.ClickException):
    """A one-line message and a non-zero exit: never a traceback."""

    exit_code = 2

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        click.echo(f"irdesk: {self.format_message()}", err=True)
