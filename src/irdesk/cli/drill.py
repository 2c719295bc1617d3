"""``irdesk drill``: declare a tabletop exercise on a scenario and open it in the desk;
``--player`` opens a drill's read-only player view, ``--serve`` serves it to browsers."""

from __future__ import annotations

import ipaddress
import shlex
import sys
from pathlib import Path
from typing import Any

import click

from irdesk.cli.common import (
    Failure,
    actor_option,
    journal_option,
    make_desk,
    open_journal,
    screens,
)
from irdesk.domain.durations import format_duration
from irdesk.formats.catalog import Catalog, NotFound
from irdesk.text import squeezed


def scenario_lines(catalog: Catalog) -> list[str]:
    """One line per scenario: id, playbook, duration, injects, title."""
    rows = [
        (s.id, s.playbook, format_duration(s.duration), str(len(s.injects)), squeezed(s.title))
        for s in sorted(catalog.scenarios.values(), key=lambda s: s.id)
    ]
    if not rows:
        return []
    header = ("SCENARIO", "PLAYBOOK", "DURATION", "INJECTS", "TITLE")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    return [
        "  ".join([*(c.ljust(w) for c, w in zip(row[:4], widths, strict=True)), row[4]])
        for row in [header, *rows]
    ]


def _one_line(message: str, scenario: str) -> str:
    """A file with several problems: the first, and where to see them all."""
    lines = [ln for ln in message.splitlines() if ln.strip()] or ["scenario not found"]
    if len(lines) == 1:
        return lines[0]
    return (
        f"{lines[0]} (and {len(lines) - 1} more problem{'s' * (len(lines) > 2)}: "
        f"irdesk validate {scenario} lists them)"
    )


SERVE_HELP = (
    "The browser view listens on 127.0.0.1 (this machine only) unless --host says "
    "otherwise. Remote participants reach it through an SSH tunnel: "
    "ssh -N -L 8000:127.0.0.1:8000 you@this-machine, then open http://127.0.0.1:8000. "
    "--host 0.0.0.0 would show the drill, without a password or encryption, to anyone "
    "who can reach this machine's port."
)


@click.command(epilog=SERVE_HELP)
@click.argument("scenario", required=False)
@click.option("--list", "list_only", is_flag=True, help="List the available scenarios and exit.")
@click.option("--title", default=None, help='Drill title (default: "Drill: " + scenario title).')
@click.option("--commander", default=None, help="Incident commander (default: you).")
@click.option(
    "--player",
    "player",
    metavar="ID",
    default=None,
    help="Open the read-only player view of drill ID (for a second terminal or a "
    "projector): the exercise clock, the delivered injects and the team's record, never "
    "facilitator notes, upcoming injects or expectations.",
)
@click.option(
    "--serve",
    is_flag=True,
    help="With --player: serve the player view to web browsers (needs irdesk[serve]).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="With --serve: the address to listen on (see the note below before changing it).",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8000,
    show_default=True,
    help="With --serve: the port to listen on.",
)
@journal_option
@actor_option
def drill(
    scenario, list_only, title, commander, player, serve, host, port, journal_path, actor
) -> None:
    """Run a tabletop exercise: declare a drill on SCENARIO and open it.

    SCENARIO is a scenario id or a path to a scenario file. The drill is journaled as a
    drill (never mixed into live-incident metrics); the exercise clock starts when the
    facilitator starts it, after reading the summary.

    irdesk drill --player ID shows a running drill to the room (read-only, on the same
    journal); add --serve to show it in web browsers instead.
    """
    if player is not None or serve:
        if scenario or list_only:
            raise Failure("give either --player ID or a SCENARIO (or --list), not both")
        if player is None:
            raise Failure("--serve serves a player view: give --player ID too")
        if serve:
            serve_player(player, journal_path, host, port)
        else:
            open_player(player, journal_path, actor)
        return
    if list_only:
        if scenario:
            raise Failure("give either --list or a SCENARIO, not both")
        lines = scenario_lines(Catalog.load())
        if not lines:
            click.echo("no scenarios found")
            return
        for line in lines:
            click.echo(line)
        return
    if not scenario:
        raise Failure("give a SCENARIO id or file (irdesk drill --list shows them)")
    from irdesk.cli import incidents

    journal = open_journal(journal_path)
    try:
        desk = make_desk(journal, actor=actor)
        try:
            model = desk.catalog.scenario(scenario)
            session = desk.start_drill(model, title=title, commander=commander)
        except NotFound as exc:
            raise Failure(_one_line(str(exc), scenario)) from None
    except BaseException:
        journal.close()
        raise
    incidents.launch(desk, open_incident=session.incident_id)


def _drill_session(journal, incident_id: str, actor: str | None):  # noqa: ANN001, ANN202
    """The drill's session, or one line saying why not (no such incident, not a drill)."""
    from irdesk.services.drill import DrillSession

    desk = make_desk(journal, actor=actor)
    session = desk.session(incident_id)
    if not isinstance(session, DrillSession):
        raise Failure(f"{incident_id} is an incident, not a drill: it has no player view")
    return session


def open_player(incident_id: str, journal_path: Path | None, actor: str | None) -> None:
    """Open the player view of a drill (the journal is closed when the person quits)."""
    show = screens().player
    if show is None:
        raise Failure("no player view to open here: start irdesk as `irdesk` (irdesk.main)")
    journal = open_journal(journal_path, create=False)
    try:
        session = _drill_session(journal, incident_id, actor)
    except BaseException:
        journal.close()
        raise
    show(session)


def server_arguments(incident_id: str, journal: Path, host: str, port: int) -> dict[str, Any]:
    """What textual-serve's Server is given: the command each browser runs (this Python,
    this irdesk, the player view of the drill on this journal; quoted for the shell that
    textual-serve starts it with), where to listen, and the page title."""
    command = [
        sys.executable,
        "-m",
        "irdesk",
        "drill",
        "--player",
        incident_id,
        "--journal",
        str(journal.resolve()),
    ]
    return {
        "command": shlex.join(command),
        "host": host,
        "port": port,
        "title": f"irdesk player view: {incident_id}",
    }


def exposed(host: str) -> bool:
    """Whether listening on ``host`` lets other machines in (anything but loopback)."""
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True  # a name: it may resolve to any interface


def serve_player(incident_id: str, journal_path: Path | None, host: str, port: int) -> None:
    """Serve the player view of a drill to web browsers through textual-serve."""
    try:
        from textual_serve.server import Server
    except ImportError:
        raise Failure(
            "serving the player view needs the serve extra: pip install 'irdesk[serve]'"
        ) from None
    journal = open_journal(journal_path, create=False)
    try:  # the drill must exist before anyone is told where to look
        _drill_session(journal, incident_id, None)
        target = journal.path
    finally:
        journal.close()
    arguments = server_arguments(incident_id, target, host, port)
    if exposed(host):
        click.echo(
            f"irdesk: warning: listening on {host}: anyone who can reach this machine on "
            f"port {port} sees the drill, with no password and no encryption. To reach it "
            "safely, keep the default (127.0.0.1) and use an SSH tunnel.",
            err=True,
        )
    click.echo(
        f"Player view of {incident_id} at http://{host}:{port} (ctrl+c stops it). "
        f"From another machine: ssh -N -L {port}:127.0.0.1:{port} you@this-machine, "
        f"then open http://127.0.0.1:{port}."
    )
    Server(**arguments).serve()
