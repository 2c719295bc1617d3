"""``irdesk page``: page a role or a person by hand, journaled like an escalation; or test
the roster's notify command (``--test``) without touching any incident."""

from __future__ import annotations

import click

from irdesk.cli.common import Failure, actor_option, journal_option, make_desk, open_journal
from irdesk.text import single_line, visible


def _result_line(result) -> str:  # noqa: ANN001
    who = f"{result.person}: " if result.person else ""
    if result.ok:
        return f"✔ {who}notify command ran (exit 0)"
    return f"✘ {who}{result.error}"


@click.command()
@click.argument("target", metavar="ROLE|PERSON")
@click.argument("message", required=False)
@click.option("--incident", "incident_id", default=None, help="The incident the page is about.")
@click.option("--test", "test", is_flag=True, help="Test the notify command; no incident.")
@journal_option
@actor_option
def page(target, message, incident_id, test, journal_path, actor) -> None:  # noqa: ANN001
    """Page a role of an incident, or a person: irdesk page security-lead --incident ID "msg".

    The page is journaled in the incident and the roster's notify command runs for it, as
    for an escalation (in a drill, nobody real is paged). With --test, the notify command
    runs with test values and no incident is touched.

    Exit status: 0 paged, 1 the notify command failed, 2 the page could not be sent.
    """
    if test == bool(incident_id):
        raise Failure("give --incident ID to page about an incident, or --test")
    with open_journal(journal_path, create=test) as journal:
        desk = make_desk(journal, actor=actor)
        if test:
            from irdesk.services.paging import test_page

            tried = test_page(desk, target, message or "")
            results = tried.results
        else:
            if not (message or "").strip():
                raise Failure('say what the page is about: irdesk page ROLE --incident ID "..."')
            session = desk.session(incident_id)
            outgoing = session.page(target, message)
            people = outgoing.entry.payload.get("people", ())
            click.echo(
                single_line(f"{incident_id} entry {outgoing.entry.seq}: paged {', '.join(people)}"),
                err=True,
            )
            if session.state.mode == "drill":
                click.echo("drill: journaled; nobody real is paged", err=True)
                return
            if not outgoing.calls:
                click.echo("no notify command in the roster: journaled, nobody paged", err=True)
                return
            results = tuple(session.send(outgoing))
    for result in results:
        click.echo(visible(_result_line(result)))
    if not results:
        raise Failure(f"nobody was paged for {single_line(target)}")
    raise SystemExit(0 if all(r.ok for r in results) else 1)
