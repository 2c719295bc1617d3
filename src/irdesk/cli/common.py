"""Pieces every command shares: the --journal option, opening the journal and the desk, and
the command line's own failures (printed, as every IrdeskError, by the group: see
irdesk.cli)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from irdesk import paths
from irdesk.errors import IrdeskError
from irdesk.text import single_line

journal_option = click.option(
    "--journal",
    "journal_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Journal file (default: $IRDESK_HOME/journal.db or the user data folder).",
)


def group_option(name: str):  # noqa: ANN201
    """A value given to ``irdesk`` itself (``irdesk --journal J list``), if any."""
    ctx = click.get_current_context(silent=True)
    return ctx.find_root().params.get(name) if ctx is not None else None


def resolve_journal(path: Path | None) -> Path:
    """--journal after the command, else before it, else $IRDESK_HOME/journal.db."""
    if path is None:
        path = group_option("journal_path")
    return path if path is not None else paths.default_journal_path()


class Failure(IrdeskError):
    """A command used the wrong way (a missing option, a file that cannot be written)."""


def journal_exists(path: Path | None) -> bool:
    """Whether there is a journal to read. The default journal not created yet is no
    journal (nothing recorded so far); a journal named with ``--journal`` that does not
    exist is a :class:`Failure` (a mistyped path must not read as an empty desk)."""
    given = path if path is not None else group_option("journal_path")
    target = resolve_journal(path)
    if target.exists():
        return True
    if given is not None:
        raise Failure(f"no journal at {target}: check the path given with --journal")
    return False


def open_journal(path: Path | None, *, readonly: bool = False, create: bool = True):
    """Open the journal or fail with one line (corrupt, locked, newer, read-only...)."""
    from irdesk.store import Journal

    target = resolve_journal(path)
    try:
        journal = Journal.open(target, readonly=readonly, create=create and not readonly)
    except OSError as exc:
        raise Failure(f"cannot open journal {target}: {exc.strerror or exc}") from None
    for warning in journal.warnings:
        click.echo(f"irdesk: warning: {warning}", err=True)
    return journal


def acting_as(actor: str | None) -> str:
    """Who a command acts as: ``--as`` (the command's or the group's), else
    $IRDESK_ACTOR, else the name the desk remembers for this login, else the login."""
    from irdesk.services.actor import resolve

    return resolve(given_name(actor)).name


def given_name(actor: str | None) -> str | None:
    """``--as`` (the command's or the group's), checked: a name that cannot be one is one
    line and exit 2 (see :func:`irdesk.services.actor.check_actor`)."""
    from irdesk.services.actor import check_actor

    given = actor or group_option("actor")
    return check_actor(given) if given else None


def make_desk(journal, *, actor: str | None = None, clock=None, lazy: bool = False):  # noqa: ANN001
    """The services a command needs: journal, catalog, roster (when there is one).

    ``lazy`` leaves the catalog and roster to be read on first use (the TUI's home loads
    them after its first frame and shows a broken roster among its problems).
    """
    from irdesk.services.desk import Desk

    desk = Desk(journal, roster_path=paths.roster_path(), clock=clock, actor=given_name(actor))
    if not lazy:
        desk.load()
        result = desk.roster_result
        if result is not None and not result.ok:
            first = result.errors[0] if result.errors else None
            click.echo(single_line(f"irdesk: warning: roster not loaded: {first}"), err=True)
    return desk


@dataclass(frozen=True)
class Screens:
    """How the command line opens the desk on screen. The program (:mod:`irdesk.main`)
    passes the Textual ones as the group's ``obj``; the command line imports no UI."""

    desk: Callable[..., None]  # (desk, *, open_incident, journal_label, roster_path)
    replay: Callable[..., None]  # (replay, *, journal_label)
    player: Callable[..., None] | None = None  # (drill session): the player view


def screens() -> Screens:
    """The screens this run of irdesk can open."""
    found = click.get_current_context().find_object(Screens)
    if found is None:
        raise Failure("no screen to open here: start irdesk as `irdesk` (irdesk.main)")
    return found


actor_option = click.option(
    "--as",
    "actor",
    metavar="NAME",
    default=None,
    help="Who is acting (default: $IRDESK_ACTOR, else the name the desk remembers for "
    "your login, else your login name).",
)


#: ``--format text|json``, as the commands that print for people and for scripts take it
text_or_json = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
