"""Incident commands for scripts and shells: declare, list, log, and the TUI's run."""

from __future__ import annotations

import itertools
import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import click

from irdesk.cli.common import (
    Failure,
    actor_option,
    group_option,
    journal_option,
    make_desk,
    open_journal,
    screens,
    text_or_json,
)
from irdesk.domain.clock import SystemClock, WhenError, format_ts, parse_when
from irdesk.text import squeezed, visible

MAX_LOG_BYTES = 64 * 1024


def _when(value: str | None, label: str):
    if value is None:
        return None
    try:
        return parse_when(value, SystemClock().now())
    except WhenError as exc:
        raise Failure(f"{label}: {exc}") from None


def _declare(desk, playbook_ref, title, severity, commander, detected, started, reason):
    return desk.declare(
        desk.catalog.playbook(playbook_ref),
        title=title,
        severity=severity,
        commander=commander,
        detected_at=_when(detected, "--detected"),
        started_at=_when(started, "--started"),
        backdate_reason=reason,
    )


_declare_options = [
    click.option("--title", required=False, help="What is happening, in a few words."),
    click.option("--severity", default=None, help="One of the playbook's severities."),
    click.option("--commander", default=None, help="Incident commander (default: you)."),
    click.option(
        "--detected",
        default=None,
        metavar="WHEN",
        help="When it was detected: 09:12, -15m, 2026-11-23T09:12 (needs --reason).",
    ),
    click.option(
        "--started",
        default=None,
        metavar="WHEN",
        help="When impact started, if known (needs --reason).",
    ),
    click.option("--reason", default=None, help="How the earlier times are known."),
]


def declare_options(fn):
    for option in reversed(_declare_options):
        fn = option(fn)
    return fn


@click.command()
@click.argument("playbook", required=False)
@declare_options
@click.option(
    "--from-finding",
    "finding",
    metavar="FINDING",
    default=None,
    help="Declare from a finding (FND-0003): its rule's playbook, title and severity by "
    "default, its matched lines attached as evidence, the finding marked declared.",
)
@journal_option
@actor_option
def declare(
    playbook, title, severity, commander, detected, started, reason, finding, journal_path, actor
) -> None:
    """Open an incident without the UI; print its id alone (id=$(irdesk declare ...)).

    PLAYBOOK is a playbook id or a path to a playbook file; with --from-finding it may be
    left out (the rule's playbook is used).
    """
    if finding is not None:
        if detected or started:
            raise Failure(
                "--from-finding takes the detection time from the finding; "
                "leave out --detected and --started"
            )
        from irdesk.cli.findings import declare_from

        with open_journal(journal_path, create=False) as journal:
            desk = make_desk(journal, actor=actor)
            click.echo(declare_from(desk, finding, playbook, title, severity, commander))
        return
    if not playbook:
        raise Failure("give a PLAYBOOK to declare on (or --from-finding FINDING)")
    if not title:
        raise Failure("--title is required")
    with open_journal(journal_path) as journal:
        desk = make_desk(journal, actor=actor)
        session = _declare(desk, playbook, title, severity, commander, detected, started, reason)
        click.echo(session.incident_id)


@click.command(name="list")
@text_or_json
@click.option(
    "--status", type=click.Choice(["open", "closed", "all"]), default="all", show_default=True
)
@click.option(
    "--mode", type=click.Choice(["live", "drill", "all"]), default="all", show_default=True
)
@journal_option
def list_incidents(fmt, status, mode, journal_path) -> None:
    """List incidents and drills in the journal, newest first."""
    from irdesk.cli.common import resolve_journal

    if not resolve_journal(journal_path).exists():
        _print_records(iter(()), fmt)
        return
    with open_journal(journal_path, readonly=True) as journal:
        # read a page at a time and printed as read: memory stays flat however long the list
        records = journal.each_incident(
            mode=None if mode == "all" else mode,
            closed={"open": False, "closed": True}.get(status),
        )
        _print_records(records, fmt)


def _print_records(records: Iterator, fmt: str) -> None:
    """The listing, written record by record (the JSON is what ``json.dumps(list,
    indent=2)`` would print, without holding the list)."""
    first = next(records, None)
    if fmt == "json":
        if first is None:
            click.echo("[]")
            return
        click.echo("[")
        for record in itertools.chain([first], records):
            if record is not first:
                click.echo(",")
            text = json.dumps(_record_json(record), indent=2, ensure_ascii=False)
            click.echo(textwrap.indent(text, "  "), nl=False)
        click.echo("\n]")
        return
    if first is None:
        click.echo("no incidents")
        return
    for r in itertools.chain([first], records):
        cell = squeezed  # journal text may hold escapes and bidi overrides: shown literally
        click.echo(
            f"{cell(r.id):<10} {cell(r.status):<13} {cell(r.severity):<6} {r.mode:<5} "
            f"{cell(r.playbook_id):<26} {format_ts(r.updated_at) if r.updated_at else '':<24} "
            f"{cell(r.title)}"
        )


def _shown(value: str | None) -> str | None:
    """A text field of the JSON listing, its control characters made visible (as in the
    report's JSON); None stays null."""
    return None if value is None else visible(value)


def _record_json(r) -> dict:
    v = _shown
    return {
        "id": v(r.id),
        "mode": r.mode,
        "title": v(r.title),
        "severity": v(r.severity),
        "status": v(r.status),
        "playbook": {
            "id": v(r.playbook_id),
            "version": v(r.playbook_version),
            "sha256": v(r.playbook_sha256),
        },
        "scenario": {"id": v(r.scenario_id), "sha256": v(r.scenario_sha256)}
        if r.scenario_id
        else None,
        "created_at": format_ts(r.created_at) if r.created_at else None,
        "updated_at": format_ts(r.updated_at) if r.updated_at else None,
        "closed_at": format_ts(r.closed_at) if r.closed_at else None,
        "entries": r.entry_count,
    }


@click.command()
@click.option("--incident", "incident_id", required=True, help="Incident id, e.g. INC-0007.")
@click.argument("text", required=False)
@journal_option
@actor_option
def log(incident_id, text, journal_path, actor) -> None:
    """Append a note from any shell: irdesk log --incident ID "text" (or text on stdin)."""
    if text is None:
        if sys.stdin is None or sys.stdin.isatty():
            raise Failure("give the note as an argument or pipe it in on stdin")
        data = sys.stdin.buffer.read(MAX_LOG_BYTES + 1)
        if len(data) > MAX_LOG_BYTES:
            raise Failure(
                f"the note is longer than {MAX_LOG_BYTES // 1024} KiB; "
                "attach large output as a file and log its path"
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            # kept, not replaced: each byte that is not UTF-8 is written as \xNN, and said
            text = data.decode("utf-8", "backslashreplace")
            click.echo(
                "irdesk: the note had bytes that are not UTF-8 text; they are kept as \\xNN",
                err=True,
            )
        text = text.rstrip("\n")
    if not text.strip():
        raise Failure("the note is empty")
    with open_journal(journal_path, create=False) as journal:
        desk = make_desk(journal, actor=actor)
        entry = desk.session(incident_id).note(text, source="cli")
        click.echo(f"{visible(incident_id)} entry {entry.seq}", err=True)


@click.command()
@click.argument("playbook", required=False)
@click.option("--incident", "incident_id", default=None, help="Open an existing incident.")
@declare_options
@journal_option
@actor_option
def run(
    playbook,
    incident_id,
    title,
    severity,
    commander,
    detected,
    started,
    reason,
    journal_path,
    actor,
) -> None:
    """Declare an incident on PLAYBOOK and open the runner, or open --incident ID."""
    if playbook and incident_id:
        raise Failure("give either a PLAYBOOK (to declare) or --incident ID (to open)")
    if not playbook and not incident_id:
        raise Failure("give a PLAYBOOK to declare on, or --incident ID to open")
    journal = open_journal(journal_path)
    desk = make_desk(journal, actor=actor)
    if playbook:
        if not title:
            raise Failure("--title is required to declare")
        incident_id = _declare(
            desk, playbook, title, severity, commander, detected, started, reason
        ).incident_id
    else:
        desk.session(incident_id)  # an unknown incident or playbook fails here, in one line
    launch(desk, open_incident=incident_id)


def launch(desk, *, open_incident: str | None = None) -> None:
    """Open the desk on screen (the journal is closed when the person quits)."""
    screens().desk(desk, open_incident=open_incident)


def open_home(journal_path: Path | None, actor: str | None) -> None:
    journal = open_journal(journal_path)
    launch(make_desk(journal, actor=actor, lazy=True))


@click.command()
@click.option("--reset", is_flag=True, help="Throw the demo journal away and seed it again.")
@actor_option
def demo(reset: bool, actor) -> None:  # noqa: ANN001
    """Open irdesk on the bundled demo: a live incident and a finished one to replay.

    The demo has a journal and roster of its own (under your irdesk folder, in demo/);
    your own journal is never touched.
    """
    import shutil

    from irdesk.services.demo import demo_home, prepare
    from irdesk.services.desk import Desk

    if reset and demo_home().exists():
        shutil.rmtree(demo_home())
    journal_path, roster_path = prepare()
    journal = open_journal(journal_path)
    desk = Desk(
        journal, roster_path=roster_path, actor=actor or group_option("actor") or "Ada Moreno"
    )
    screens().desk(desk, journal_label=f"{journal_path} (demo)", roster_path=roster_path)
