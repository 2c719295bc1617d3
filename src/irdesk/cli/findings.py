"""``irdesk findings``, ``irdesk ack`` and ``irdesk dismiss``: findings for scripts and shells.

A finding's title and matched lines come from log files an attacker can write to: the text
output shows them through the sanitiser (an escape sequence as ``␛``), and the JSON output
carries them exactly, escaped (``\\u001b``), so the lines' SHA-256 can be checked.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click

from irdesk.cli.common import (
    actor_option,
    group_option,
    journal_option,
    open_journal,
    resolve_journal,
    text_or_json,
)
from irdesk.domain.clock import SystemClock, format_ts
from irdesk.domain.finding import OPEN, REASONS, STATUSES, FindingState, burst_span
from irdesk.text import single_line, squeezed

_STATUS_CHOICES = (*STATUSES, "open", "all")


def _who(actor: str | None) -> str:
    from irdesk.services.actor import default_actor

    return (actor or group_option("actor") or "").strip() or default_actor()


def _ts(value: datetime | None) -> str | None:
    return format_ts(value) if value is not None else None


def finding_json(f: FindingState, now: datetime) -> dict[str, Any]:
    """One finding as ``irdesk findings --format json`` prints it (exact text, escaped)."""
    return {
        "id": f.id,
        "finding": f.finding,
        "rule": f.rule,
        "title": f.title,
        "severity": f.severity,
        "status": f.status,
        "key": f.key,
        "first": f.first.isoformat() if f.first else None,
        "last": f.last.isoformat() if f.last else None,
        "count": f.count,
        "distinct": f.distinct,
        "source": f.source,
        "paths": list(f.paths),
        "lines": list(f.lines),
        "lines_sha256": f.lines_sha256,
        "recorded_at": _ts(f.recorded_at),
        "recorded_by": f.recorded_by,
        "acknowledge_by": _ts(f.ack_due),
        "overdue": f.overdue(now),
        "acknowledged_at": _ts(f.acknowledged_at),
        "acknowledged_by": f.acknowledged_by,
        "closed_at": _ts(f.closed_at),
        "closed_by": f.closed_by,
        "reason": f.reason,
        "note": f.note or None,
        "incident": f.declared_as,
        "rule_source": {
            "origin": f.origin,
            "reference": f.reference,
            "incident": f.incident,
            "playbook": f.playbook,
            "file": f.rules_file,
            "sha256": f.rules_sha256,
        },
    }


def _state_text(f: FindingState, now: datetime) -> str:
    if f.overdue(now):
        return "NEW, OVERDUE"
    if f.status == "dismissed":
        return f"dismissed ({REASONS.get(f.reason or '', f.reason or '')})"
    if f.status == "declared":
        return f"declared as {f.declared_as}"
    return f.status


def _print_row(f: FindingState, now: datetime) -> None:
    events = f"{f.count} event{'s' * (f.count != 1)}"
    if f.distinct is not None:
        events += f" ({f.distinct} distinct)"
    click.echo(f"{f.id}  {_state_text(f, now)}  {squeezed(f.title)}")
    click.echo(f"    rule {f.rule}, {events}, {burst_span(f)}, in {f.source}")
    if f.status == "new" and f.ack_due is not None:
        click.echo(f"    acknowledge by {format_ts(f.ack_due)}")


def _print_one(f: FindingState, now: datetime) -> None:
    _print_row(f, now)
    key = ", ".join(f"{k}={v if v is not None else '-'}" for k, v in f.key.items())
    click.echo(f"    key: {squeezed(key) or '(none)'}")
    origin = f.origin + (f" {f.incident}" if f.incident else "")
    origin += f", {f.reference}" if f.reference else ""
    click.echo(f"    the rule comes from: {squeezed(origin)}; playbook: {f.playbook or 'none'}")
    click.echo(f"    recorded {_ts(f.recorded_at)} by {squeezed(f.recorded_by)}")
    if f.acknowledged_at is not None:
        click.echo(f"    acknowledged {_ts(f.acknowledged_at)} by {squeezed(f.acknowledged_by)}")
    if f.closed_at is not None:
        click.echo(f"    {f.status} {_ts(f.closed_at)} by {squeezed(f.closed_by)}")
    if f.note:
        click.echo(f"    note: {single_line(f.note)}")
    shown = len(f.lines)
    more = f", {shown} kept of {f.count}" if f.count > shown else ""
    click.echo(f"    matched lines ({', '.join(f.paths) or f.source}{more}):")
    for line in f.lines:
        click.echo(f"    | {single_line(line)}")
    click.echo(f"    SHA-256 of the lines: {f.lines_sha256}")


@click.command()
@click.argument("finding", required=False)
@click.option(
    "--status",
    type=click.Choice(_STATUS_CHOICES),
    default="open",
    show_default=True,
    help="open: new and acknowledged.",
)
@text_or_json
@journal_option
def findings(finding: str | None, status: str, fmt: str, journal_path) -> None:  # noqa: ANN001
    """List what irdesk scan found, newest first; or show FINDING with its matched lines."""
    from irdesk.services.findings import finding_state, list_findings

    now = SystemClock().now()
    if finding is not None:
        with open_journal(journal_path, readonly=True, create=False) as journal:
            found = [finding_state(journal, finding)]
    elif not resolve_journal(journal_path).exists():
        found = []
    else:
        wanted = None if status == "all" else OPEN if status == "open" else (status,)
        with open_journal(journal_path, readonly=True) as journal:
            found = list_findings(journal, wanted)
    if fmt == "json":
        doc: Any = [finding_json(f, now) for f in found]
        click.echo(json.dumps(doc[0] if finding is not None else doc, indent=2))
        return
    if finding is not None:
        _print_one(found[0], now)
        return
    if not found:
        click.echo("no findings" if status == "all" else f"no {status} findings")
        return
    for f in found:
        _print_row(f, now)
    late = sum(1 for f in found if f.overdue(now))
    summary = f"{len(found)} finding{'s' * (len(found) != 1)}"
    click.echo(summary + (f", {late} not acknowledged in time" if late else ""))


_note_option = click.option("--note", default="", help="A word on why (kept in the journal).")


@click.command()
@click.argument("finding")
@_note_option
@journal_option
@actor_option
def ack(finding: str, note: str, journal_path, actor) -> None:  # noqa: ANN001
    """Acknowledge FINDING (FND-0003): you have seen it and are looking into it."""
    from irdesk.services.findings import acknowledge

    with open_journal(journal_path, create=False) as journal:
        state = acknowledge(journal, finding, actor=_who(actor), note=note)
    click.echo(f"{state.id} acknowledged by {squeezed(state.acknowledged_by)}")


@click.command()
@click.argument("finding")
@click.option(
    "--reason",
    type=click.Choice(tuple(REASONS)),
    required=True,
    help="Why it needs no incident.",
)
@_note_option
@journal_option
@actor_option
def dismiss(finding: str, reason: str, note: str, journal_path, actor) -> None:  # noqa: ANN001
    """Dismiss FINDING without an incident: a false positive, or expected activity."""
    from irdesk.services.findings import dismiss as dismiss_finding

    with open_journal(journal_path, create=False) as journal:
        state = dismiss_finding(journal, finding, reason, actor=_who(actor), note=note)
    click.echo(f"{state.id} dismissed ({REASONS[reason]}) by {squeezed(state.closed_by)}")


def declare_from(desk, finding: str, playbook, title, severity, commander) -> str:  # noqa: ANN001
    """``irdesk declare [PLAYBOOK] --from-finding FINDING``: the new incident's id."""
    from irdesk.services.findings import declare_from_finding

    session, _state = declare_from_finding(
        desk, finding, playbook=playbook, title=title, severity=severity, commander=commander
    )
    return session.incident_id


__all__ = ["ack", "declare_from", "dismiss", "finding_json", "findings"]
