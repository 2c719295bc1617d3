"""The record from any shell, beside ``irdesk log``: ack, status, severity, milestone, assign.

Each command is one journaled action through the same service the runner's keys call
(:class:`irdesk.services.incident.IncidentSession`), with the same rules: a severity change
or a handoff may carry a reason, a backdated milestone needs one, impact started after it
was detected needs ``--yes``. Each prints one line, ``INC-0007 entry 12: <what>``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from irdesk.cli.common import Failure, actor_option, journal_option, make_desk, open_journal
from irdesk.text import single_line

incident_option = click.option(
    "--incident", "incident_id", required=True, metavar="ID", help="Incident id, e.g. INC-0007."
)
yes_option = click.option(
    "--yes",
    is_flag=True,
    help="Confirm times that look like a slip (impact started after it was detected).",
)


@contextmanager
def confirmed_with_yes() -> Iterator[None]:
    """An :class:`~irdesk.domain.incident.Unconfirmed` action says how to confirm it."""
    from irdesk.domain.incident import Unconfirmed

    try:
        yield
    except Unconfirmed as exc:
        raise Failure(f"{exc.message} (give --yes)") from None


def record(journal_path, actor, incident_id: str, action: Callable[[Any], Any]) -> None:  # noqa: ANN001
    """Open the incident's session, do ``action(session)`` (one journal entry), and print
    what was written."""
    from irdesk.domain.describe import describe, label

    with open_journal(journal_path, create=False) as journal, confirmed_with_yes():
        session = make_desk(journal, actor=actor).session(incident_id)
        entry = action(session)
        click.echo(
            single_line(f"{entry.incident_id} entry {entry.seq}: {label(entry)} {describe(entry)}")
        )


def _finding(target: str) -> bool:
    return target.strip().upper().startswith("FND-")


@click.command()
@click.argument("target", metavar="INCIDENT|FINDING")
@click.option("--timer", default=None, help="Acknowledge only this timer's escalation.")
@click.option("--note", default="", help="A word on why (a finding's acknowledgement).")
@journal_option
@actor_option
def ack(target: str, timer, note: str, journal_path, actor) -> None:  # noqa: ANN001
    """Acknowledge an incident (INC-0007) or a finding (FND-0003); the prefix tells which.

    An incident is acknowledged at any time, before or after a timer lapsed: the
    'acknowledged' milestone is recorded once and every escalation fired so far is
    acknowledged (with --timer, only that timer's escalation). A finding's acknowledgement
    says you have seen it and are looking into it.
    """
    if _finding(target):
        if timer is not None:
            raise Failure("--timer is for incidents; a finding has no timers")
        from irdesk.cli.findings import acknowledge_finding

        acknowledge_finding(target, note, journal_path, actor)
        return
    if note:
        raise Failure("--note is for findings; note an incident with irdesk log")
    record(journal_path, actor, target, lambda s: s.acknowledge(timer))


@click.command()
@click.argument("status")
@incident_option
@journal_option
@actor_option
def status(status: str, incident_id: str, journal_path, actor) -> None:  # noqa: ANN001
    """Set the incident's STATUS: open, investigating, containing, eradicating,
    recovering or monitoring (close it in the runner, where the summary is written)."""
    record(journal_path, actor, incident_id, lambda s: s.set_status(status.strip().lower()))


@click.command()
@click.argument("severity")
@incident_option
@click.option("--reason", default="", help="Why the severity changes (journaled).")
@journal_option
@actor_option
def severity(severity: str, incident_id: str, reason: str, journal_path, actor) -> None:  # noqa: ANN001
    """Change the incident's SEVERITY to one of its playbook's (SEV1, SEV2...)."""
    record(
        journal_path,
        actor,
        incident_id,
        lambda s: s.set_severity(severity.strip().upper(), reason.strip()),
    )


@click.command()
@click.argument("name")
@incident_option
@click.option(
    "--at",
    "when",
    default=None,
    metavar="WHEN",
    help="When it happened, if earlier: 09:12, -15m, 2026-11-23 09:12 (needs --reason).",
)
@click.option("--reason", default=None, help="How the earlier time is known.")
@yes_option
@journal_option
@actor_option
def milestone(name: str, incident_id: str, when, reason, yes: bool, journal_path, actor) -> None:  # noqa: ANN001
    """Record milestone NAME: started, detected, acknowledged, contained or resolved."""
    from irdesk.cli.incidents import parse_time

    at = parse_time(when, "--at")
    record(
        journal_path,
        actor,
        incident_id,
        lambda s: s.milestone(name.strip().lower(), occurred_at=at, reason=reason, confirmed=yes),
    )


@click.command()
@click.argument("role")
@click.argument("person")
@incident_option
@click.option("--reason", default="", help="Why, for a handoff (e.g. end of shift).")
@journal_option
@actor_option
def assign(role: str, person: str, incident_id: str, reason: str, journal_path, actor) -> None:  # noqa: ANN001
    """Give ROLE (a role id of the incident's playbook, e.g. commander) to PERSON; a role
    that is held already is handed off."""
    record(journal_path, actor, incident_id, lambda s: s.assign(role, person, reason=reason))


@click.command()
@click.argument("url")
@incident_option
@click.option("--label", default="", help="What it is: ticket, chat, bridge...")
@journal_option
@actor_option
def link(url: str, incident_id: str, label: str, journal_path, actor) -> None:  # noqa: ANN001
    """Link the incident to URL: its ticket, chat channel or bridge (shown in the runner's
    header, the timeline and the reports)."""
    record(journal_path, actor, incident_id, lambda s: s.link(url, label))


@click.command(name="status-update")
@click.argument("incident_id", metavar="INCIDENT")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the update to FILE instead of printing it.",
)
@click.option("--preview", is_flag=True, help="Only show it: nothing is journaled.")
@journal_option
@actor_option
def status_update(incident_id: str, output, preview: bool, journal_path, actor) -> None:  # noqa: ANN001
    """Compose a status update from the incident's state (what happened, impact, actions
    taken, next steps, when the next update is due) and journal it as issued, which
    restarts the playbook's update reminder. Prints it, or writes it to FILE."""
    from irdesk.services.status_update import compose, issue, write

    with open_journal(journal_path, create=False) as journal:
        session = make_desk(journal, actor=actor).session(incident_id)
        text = compose(session, session.now())
        if preview:
            if output is not None:
                write(session, text, output)
            else:
                click.echo(text, nl=False)
            return
        entry = issue(session, text, written_to=output)
        if output is None:
            click.echo(text, nl=False)
        click.echo(
            single_line(f"{entry.incident_id} entry {entry.seq}: status update issued"), err=True
        )


__all__ = [
    "ack",
    "assign",
    "confirmed_with_yes",
    "link",
    "milestone",
    "record",
    "severity",
    "status",
    "status_update",
]
