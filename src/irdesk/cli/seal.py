"""``irdesk seal``: sign incidents' heads with an SSH key and keep the seals in the journal."""

from __future__ import annotations

import os
from pathlib import Path

import click

from irdesk.cli.common import Failure, actor_option, journal_option, open_journal
from irdesk.store import JournalError

ENV_KEY = "IRDESK_SIGNING_KEY"
ENV_PRINCIPAL = "IRDESK_SIGNING_PRINCIPAL"


@click.command("seal")
@journal_option
@actor_option
@click.option(
    "--key",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"SSH private key, or public key whose private half is in ssh-agent "
    f"(default: ${ENV_KEY}).",
)
@click.option(
    "--principal",
    default=None,
    help=f"Your name in the allowed-signers file (default: ${ENV_PRINCIPAL}, else --as).",
)
@click.argument("incident", required=False)
def seal(
    journal_path: Path | None,
    actor: str | None,
    key: Path | None,
    principal: str | None,
    incident: str | None,
) -> None:
    """Sign the head of INCIDENT (default: every incident and drill) with an SSH key.

    The seal (ssh-keygen -Y sign, namespace "irdesk") is appended to the incident's chain
    and printed. `irdesk verify --allowed-signers FILE` checks every seal later: a chain
    rewritten after it was sealed no longer matches its seal, and nobody can sign again
    without the key.
    """
    from irdesk.cli.common import group_option
    from irdesk.services.actor import default_actor

    key = key or (Path(os.environ[ENV_KEY]).expanduser() if os.environ.get(ENV_KEY) else None)
    if key is None:
        raise Failure(f"no signing key: give --key FILE or set {ENV_KEY}")
    who = actor or group_option("actor") or default_actor()
    principal = principal or os.environ.get(ENV_PRINCIPAL) or who
    try:
        _seal_all(journal_path, incident, key, principal, who)
    except JournalError as exc:
        raise Failure(str(exc)) from None


def _seal_all(
    journal_path: Path | None, incident: str | None, key: Path, principal: str, who: str
) -> None:
    from irdesk.services import sealing

    with open_journal(journal_path) as journal:
        if incident:
            ids = [journal.incident(incident).id]
        else:
            ids = [r.id for r in reversed(journal.incidents())]
        if not ids:
            raise Failure(f"nothing to seal: journal {journal.path} has no incidents")
        for iid in ids:
            head = journal.incident(iid).head
            entry = sealing.seal(
                journal,
                iid,
                key=key,
                principal=principal,
                actor=who,
                interactive=True,
            )
            label = entry.payload["head"]
            if entry.seq == head.seq:
                click.echo(f"{label} already sealed by {entry.payload['principal']}")
            else:
                click.echo(
                    f"sealed {label} as {entry.payload['principal']} "
                    f"({entry.payload['fingerprint']}, entry {entry.seq})"
                )
