"""``irdesk improvements``: improvement items across the journal; list them, mark one
done or dropped. Imports only what listing needs (the store and the review's fold): no
report, no playbook, no incident runner."""

from __future__ import annotations

import io
import json
from typing import TextIO

import click

from irdesk.cli.common import (
    acting_as,
    actor_option,
    journal_exists,
    journal_option,
    open_journal,
    text_or_json,
)
from irdesk.domain.clock import SystemClock, format_ts
from irdesk.text import squeezed, visible


def _row_json(row) -> dict:  # noqa: ANN001
    imp = row.improvement
    return {
        "item": squeezed(imp.item),
        "incident": row.incident_id,
        "incident_title": squeezed(row.incident_title),
        "mode": row.mode,
        "playbook": row.playbook_id,
        "what": visible(imp.what),
        "owner": visible(imp.owner),
        "due": imp.due.isoformat() if imp.due else None,
        "step": imp.step,
        "poete": imp.poete,
        "kind": imp.kind,
        "issue": visible(imp.issue) if imp.issue else None,
        "organization": visible(imp.organization) if imp.organization else None,
        "start": imp.start.isoformat() if imp.start else None,
        "status": row.status,
        "covered_by": [
            {"rule": c.rule, "file": c.path, "since": format_ts(c.since)} for c in row.covered_by
        ],
        "overdue": row.overdue,
        "added_at": format_ts(imp.added_at),
        "added_by": visible(imp.added_by),
        "closed_at": format_ts(imp.closed_at) if imp.closed_at else None,
        "closed_by": visible(imp.closed_by) if imp.closed_by else None,
        "note": visible(imp.close_note) or None,
    }


def _write_rows(rows, out: TextIO) -> None:  # noqa: ANN001
    table = []
    for row in rows:
        imp = row.improvement
        state = "OVERDUE" if row.overdue else row.status
        due = imp.due.isoformat() if imp.due else "no date"
        where = [f"{squeezed(row.incident_id)} {squeezed(row.incident_title)}"]
        if imp.step:
            where.append(f"step {squeezed(imp.step)}")
        if imp.poete:
            where.append(squeezed(imp.poete))
        if imp.kind == "detection":
            where.append("detection rule")
        what = squeezed(imp.what)
        if row.covered:
            what += f" [done: {squeezed(row.covered_by[0].text())}]"
        elif imp.status != "open" and imp.close_note:
            what += f" [{imp.status}: {squeezed(imp.close_note)}]"
        owner = imp.owner + (f" ({imp.organization})" if imp.organization else "")
        table.append((state, squeezed(imp.item), due, squeezed(owner), what, "; ".join(where)))
    widths = [max(len(r[i]) for r in table) for i in range(4)]
    for r in table:
        head = "  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True))
        out.write(f"{head}  {r[4]}\n{' ' * (len(head) + 2)}({r[5]})\n")


@click.group("improvements", invoke_without_command=True)
@click.option("--all", "include_closed", is_flag=True, help="Include done and dropped items.")
@click.option("--playbook", "playbook_id", default=None, help="Only items of this playbook.")
@text_or_json
@journal_option
@click.pass_context
def improvements(ctx, include_closed, playbook_id, fmt, journal_path) -> None:
    """List improvement items across the journal: open ones, overdue first, then by due date.

    Mark one done or dropped with `irdesk improvements done ITEM --note TEXT` (or drop);
    the closure is journaled in the incident that owns the item. A detection item counts
    as done once a rule citing its incident (source: past-incident) has been scanned with.
    """
    if ctx.invoked_subcommand is not None:
        return
    from irdesk.services.improvements import improvement_rows, today_of

    if not journal_exists(journal_path):
        rows = []
    else:
        with open_journal(journal_path, readonly=True) as journal:
            rows = improvement_rows(
                journal,
                today=today_of(SystemClock().now()),
                include_closed=include_closed,
                playbook_id=playbook_id,
            )
    if fmt == "json":
        click.echo(json.dumps([_row_json(r) for r in rows], indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("no improvement items" if include_closed else "no open improvement items")
        return
    buf = io.StringIO()
    _write_rows(rows, buf)
    click.echo(buf.getvalue(), nl=False)
    overdue = sum(1 for r in rows if r.overdue)
    open_count = sum(1 for r in rows if r.is_open)
    click.echo(f"{open_count} open, {overdue} overdue (due dates are compared in UTC)")


def _close(
    ctx: click.Context,
    item: str,
    outcome: str,
    note: str,
    journal_path,  # noqa: ANN001
    actor,
) -> None:  # noqa: ANN001
    from irdesk.services.improvements import close_improvement

    if journal_path is None and ctx.parent is not None:  # irdesk improvements --journal X done
        journal_path = ctx.parent.params.get("journal_path")
    with open_journal(journal_path, create=False) as journal:
        who = acting_as(actor)
        entry = close_improvement(journal, item, outcome, note, actor=who)
    click.echo(
        f"{squeezed(entry.payload['item'])} {outcome} ({squeezed(entry.incident_id)} entry "
        f"{entry.seq})"
    )


_note_option = click.option(
    "--note", required=True, help="What was done (done) or why it is dropped (drop)."
)


@improvements.command("done")
@click.argument("item")
@_note_option
@journal_option
@actor_option
@click.pass_context
def done(ctx, item, note, journal_path, actor) -> None:
    """Mark improvement ITEM done (an id like INC-0003-1), saying what was done."""
    _close(ctx, item, "done", note, journal_path, actor)


@improvements.command("drop")
@click.argument("item")
@_note_option
@journal_option
@actor_option
@click.pass_context
def drop(ctx, item, note, journal_path, actor) -> None:
    """Drop improvement ITEM (it will not be done), saying why."""
    _close(ctx, item, "dropped", note, journal_path, actor)


@improvements.command("add")
@click.argument("incident_id", metavar="INCIDENT")
@click.option("--what", required=True, help="What will change: the corrective action.")
@click.option("--issue", default=None, help="The area for improvement it answers.")
@click.option("--owner", required=True, help="Who makes it happen (a person or role).")
@click.option("--organization", "--organisation", default=None, help="The owner's organisation.")
@click.option("--start", default=None, metavar="YYYY-MM-DD", help="When work on it starts.")
@click.option("--due", default=None, metavar="YYYY-MM-DD", help="When it is due.")
@click.option("--step", default=None, help="The playbook step it concerns.")
@click.option(
    "--poete", default=None, help="Capability element: planning, organization, equipment..."
)
@click.option(
    "--kind",
    type=click.Choice(["general", "detection"]),
    default="general",
    show_default=True,
    help="detection: a rule to catch this again; done once a rule citing INCIDENT is scanned.",
)
@journal_option
@actor_option
@click.pass_context
def add(  # noqa: ANN001
    ctx,
    incident_id,
    what,
    issue,
    owner,
    organization,
    start,
    due,
    step,
    poete,
    kind,
    journal_path,
    actor,
) -> None:
    """Add an improvement item to INCIDENT's review; prints the item's id."""
    from irdesk.cli.common import make_desk
    from irdesk.services.review import ReviewSession

    if journal_path is None and ctx.parent is not None:
        journal_path = ctx.parent.params.get("journal_path")
    with open_journal(journal_path, create=False) as journal:
        desk = make_desk(journal, actor=actor)
        review = ReviewSession(desk.session(incident_id.strip()))
        item = review.add_improvement(
            what,
            owner=owner,
            due=due,
            step=step,
            poete=poete,
            kind=kind,
            issue=issue,
            organization=organization,
            start=start,
        )
    click.echo(squeezed(item.item))
