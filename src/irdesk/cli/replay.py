"""``irdesk replay``: watch a past incident unfold, read-only, from any journal."""

from __future__ import annotations

import click

from irdesk.cli.common import Failure, journal_option, resolve_journal, screens
from irdesk.formats.catalog import Catalog


@click.command()
@click.argument("incident")
@journal_option
def replay(incident: str, journal_path) -> None:  # noqa: ANN001
    """Replay INCIDENT from the journal, read-only (even on read-only media).

    Keys: space play/pause · ←/→ step · +/- speed (1x, 10x, 60x, max) · home/end ·
    j jump to a milestone · t jump to a time · g compress idle gaps · escape quit.
    """
    from irdesk.services.replay import open_replay

    path = resolve_journal(journal_path)
    if not path.exists():
        raise Failure(f"no journal at {path}")
    # the catalog is loaded only if the journal has no copy of the incident's playbook
    screens().replay(open_replay(path, incident, Catalog.load), journal_label=str(path))
