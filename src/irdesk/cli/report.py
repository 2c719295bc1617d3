"""``irdesk report``: an incident's after-action report (``irdesk improvements`` is in
:mod:`irdesk.cli.improvements`)."""

from __future__ import annotations

import io
import sys
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import click

from irdesk.cli.common import (
    Failure,
    journal_option,
    open_journal,
)
from irdesk.domain.clock import SystemClock
from irdesk.report.render import FORMATS, render
from irdesk.services.files import private_file


def _now() -> datetime:
    return SystemClock().now()


@contextmanager
def _destination(output: Path | None):
    """A UTF-8 text stream: the file (written whole or not at all) or stdout."""
    if output is None:
        binary = getattr(sys.stdout, "buffer", None)
        if binary is None:  # a text-only stdout (an embedding host): write to it as it is
            yield sys.stdout
            sys.stdout.flush()
            return
        sys.stdout.flush()
        stream = io.TextIOWrapper(binary, encoding="utf-8", newline="\n", write_through=False)
        try:
            yield stream
            stream.flush()
        finally:
            stream.detach()
        return
    folder = output.resolve().parent
    if not folder.is_dir():
        raise Failure(f"cannot write {output}: no folder {folder}")
    with private_file(output) as handle:  # reports name people: 0600, whole or not at all
        yield handle


@click.command("report")
@click.argument("incident_id", metavar="INCIDENT")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="md",
    show_default=True,
    help="Markdown, a self-contained HTML page, or JSON (docs/report.schema.json).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to FILE instead of standard output.",
)
@click.option(
    "--no-verify",
    "skip_verify",
    is_flag=True,
    help="Do not recompute the hash chain (the report then says 'not verified').",
)
@journal_option
def report(incident_id, fmt, output, skip_verify, journal_path) -> None:
    """Write the after-action report of INCIDENT: an incident (INC-0003) or a drill (DRL-0001).

    The journal is opened read-only. Times are UTC. The report covers the entries in the
    journal when it starts; the chain is verified unless --no-verify.
    """
    from irdesk.formats.catalog import Catalog
    from irdesk.services.review import load_report

    incident_id = incident_id.strip()
    with open_journal(journal_path, readonly=True) as journal:
        built = load_report(
            journal,
            incident_id,
            now=_now(),
            catalog=lambda: _catalog(Catalog),
            verify=not skip_verify,
        )
        with built, _destination(output) as out:
            render(built, fmt, out)
    if output is not None:
        click.echo(f"wrote {output}", err=True)


def _catalog(catalog_cls):  # noqa: ANN001, ANN202
    """The catalog, loaded only when a journal lacks its own copy of a playbook."""
    try:
        return catalog_cls.load()
    except OSError:
        return None
