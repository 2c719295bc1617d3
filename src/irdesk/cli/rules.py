"""``irdesk rules``: the detection checklist (list, review, history) and Sigma import.

The checklist is read from the bundled and your own rules files; what the journal knows
(reviews, the sources' defects, when scans read them, the findings) comes with it when
there is a journal. Rule titles and notes are people's text: shown through the sanitiser.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from irdesk.cli.common import (
    Failure,
    actor_option,
    group_option,
    journal_option,
    open_journal,
    resolve_journal,
    text_or_json,
)
from irdesk.domain.clock import SystemClock, format_ts
from irdesk.domain.events import ID_PATTERN
from irdesk.text import squeezed


def _today():  # noqa: ANN202
    from irdesk.services.review import today_of

    return today_of(SystemClock().now())


def _journal_path(ctx: click.Context, journal_path: Path | None) -> Path | None:
    """--journal after the subcommand, else after ``rules``, else before it."""
    if journal_path is None and ctx.parent is not None:
        journal_path = ctx.parent.params.get("journal_path")
    return journal_path


def _row_json(row) -> dict[str, Any]:  # noqa: ANN001 - a RuleRow
    from irdesk.services.checklist import review_due

    rule = row.rule
    review = row.last_review
    return {
        "id": rule.id,
        "title": rule.title,
        "origin": rule.origin,
        "reference": rule.reference,
        "incident": rule.incident,
        "file": row.file,
        "bundled": row.bundled,
        "reviewed": row.reviewed.isoformat(),
        "reviewed_in_file": rule.reviewed.isoformat(),
        "last_review": None
        if review is None
        else {"at": format_ts(review.at), "by": review.actor, "note": review.note or None},
        "review_due": review_due(row).isoformat(),
        "overdue": row.overdue,
        "requires": [
            {
                "source": s.id,
                "healthy": s.healthy,
                "last_read": format_ts(s.scanned_at) if s.scanned_at else None,
                "defects": [
                    {
                        "problem": d.key.rsplit("/", 1)[-1],
                        "since": format_ts(d.opened_at),
                        "detail": d.detail,
                    }
                    for d in s.defects
                ],
            }
            for s in row.sources
        ],
        "playbook": rule.playbook,
        "severity": rule.severity,
        "acknowledge_seconds": int(rule.acknowledge.total_seconds()) if rule.acknowledge else None,
        "first_scanned": format_ts(row.first_used) if row.first_used else None,
        "findings": {
            "total": row.findings,
            "open": row.open_findings,
            "false_positives": row.false_positives,
        },
    }


def _print_rows(rows) -> None:  # noqa: ANN001 - RuleRows
    from irdesk.services.checklist import GROUPS, review_due

    for origin, heading in GROUPS.items():
        group = [r for r in rows if r.rule.origin == origin]
        click.echo(heading)
        if not group:
            hint = {
                "past-incident": "turn a lesson into a rule with source: past-incident and "
                "incident: INC-…",
                "threat-model": "write down the attacks your threat model expects as rules "
                "with source: threat-model",
            }.get(origin, "cite advisories and public rule sets with source: external")
            click.echo(f"  (none yet: {hint})")
        for row in group:
            rule = row.rule
            flag = "REVIEW OVERDUE  " if row.overdue else ""
            click.echo(f"  {flag}{rule.id}: {squeezed(rule.title)}")
            cite = rule.reference if origin == "external" else rule.incident
            reviewed = f"reviewed {row.reviewed.isoformat()}"
            if row.last_review is not None:
                reviewed += f" by {squeezed(row.last_review.actor)}"
            reviewed += f", next due {review_due(row).isoformat()}"
            click.echo(f"      {reviewed}" + (f"; from {squeezed(cite)}" if cite else ""))
            for source in row.sources:
                click.echo(f"      needs {source.id}: {squeezed(source.text())}")
            if row.first_used is None:
                click.echo("      not scanned with yet")
            else:
                since = row.first_used.strftime("%Y-%m-%d")
                tally = f"{row.findings} finding{'s' * (row.findings != 1)}"
                if row.findings:
                    tally += f" ({row.open_findings} open, {row.false_positives} false positive"
                    tally += "s)" if row.false_positives != 1 else ")"
                click.echo(f"      scanned with since {since}: {tally}")
    overdue = sum(1 for r in rows if r.overdue)
    unhealthy = sum(1 for r in rows if not r.healthy)
    click.echo(
        f"{len(rows)} rule{'s' * (len(rows) != 1)}: {overdue} overdue for review, "
        f"{unhealthy} with a log source that is missing, broken or not scanned yet"
    )


@click.group("rules", invoke_without_command=True)
@text_or_json
@journal_option
@click.pass_context
def rules(ctx: click.Context, fmt: str, journal_path: Path | None) -> None:
    """The detection checklist: rules by where their knowledge came from, when each was
    reviewed (overdue ones flagged), and the health of the log sources each needs."""
    if ctx.invoked_subcommand is not None:
        return
    from irdesk.cli.scan import load_checked_rules
    from irdesk.services.checklist import GROUPS, checklist_rows

    ruleset = load_checked_rules()
    if resolve_journal(journal_path).exists():
        with open_journal(journal_path, readonly=True) as journal:
            rows = checklist_rows(journal, ruleset, today=_today())
    else:
        rows = checklist_rows(None, ruleset, today=_today())
    if fmt == "json":
        doc = {o: [_row_json(r) for r in rows if r.rule.origin == o] for o in GROUPS}
        click.echo(json.dumps(doc, indent=2))
        return
    _print_rows(rows)


@rules.command("review")
@click.argument("rule")
@click.option("--note", default="", help="What the review found (kept in the journal).")
@journal_option
@actor_option
@click.pass_context
def review(ctx: click.Context, rule: str, note: str, journal_path, actor) -> None:  # noqa: ANN001
    """Record that you reviewed RULE (journaled with its file's SHA-256)."""
    from irdesk.cli.scan import load_checked_rules
    from irdesk.formats.rules import STALE_REVIEW_DAYS
    from irdesk.services.actor import default_actor
    from irdesk.services.checklist import review_rule

    ruleset = load_checked_rules()
    who = (actor or group_option("actor") or "").strip() or default_actor()
    with open_journal(_journal_path(ctx, journal_path)) as journal:
        done = review_rule(journal, ruleset, rule.strip(), actor=who, note=note)
    due = done.at.date() + timedelta(days=STALE_REVIEW_DAYS)
    click.echo(
        f"rule {done.rule} reviewed by {squeezed(done.actor)}; next review due {due.isoformat()}"
    )


@rules.command("history")
@text_or_json
@journal_option
@click.pass_context
def history(ctx: click.Context, fmt: str, journal_path) -> None:  # noqa: ANN001
    """The checklist's history: each rules file as a scan first used it (its SHA-256, and
    the rules added, removed or changed) and each review, oldest first."""
    from irdesk.services.checklist import checklist_history

    path = _journal_path(ctx, journal_path)
    if not resolve_journal(path).exists():
        items = []
    else:
        with open_journal(path, readonly=True) as journal:
            items = checklist_history(journal)
    if fmt == "json":
        doc = [
            {
                "at": format_ts(i.at),
                "by": i.actor,
                "what": i.what,
                "text": i.text,
                "path": i.path or None,
                "sha256": i.sha256 or None,
                "rule": i.rule or None,
                "added": list(i.added),
                "removed": list(i.removed),
                "changed": list(i.changed),
            }
            for i in items
        ]
        click.echo(json.dumps(doc, indent=2))
        return
    if not items:
        click.echo("no history yet: a scan records the rules files it uses, reviews are recorded")
        click.echo("with irdesk rules review RULE")
        return
    for item in items:
        when = item.at.strftime("%Y-%m-%d %H:%M")
        line = f"{when} UTC  {squeezed(item.text)}"
        if item.what == "rules":
            line += f"  [sha256 {item.sha256[:12]}, by {squeezed(item.actor)}]"
        click.echo(line)


@rules.command("import")
@click.argument("sigma_file", metavar="FILE.yml", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the rules file here (e.g. into your rules folder) instead of to stdout.",
)
@click.option(
    "--source",
    "source_ids",
    multiple=True,
    metavar="ID",
    help="The log source(s) the rule reads, instead of the one its logsource maps to.",
)
@click.option("--id", "rule_id", default=None, help="The rule's id (default: from its title).")
def import_sigma(sigma_file: Path, output: Path | None, source_ids, rule_id) -> None:  # noqa: ANN001
    """Convert a Sigma rule into an irdesk rules file, as far as rules/1 can express it.

    Keyword and field selections, and event_count / value_count correlations, convert;
    anything else is refused with the reason. Exits 0 when every rule converted, 1 when
    some were refused (the others are written), 2 when none converted.
    """
    from irdesk.formats.loader import load_file
    from irdesk.formats.rules import check_given, default_files, load_rules
    from irdesk.formats.sigma import Refused, convert, read

    if rule_id is not None and not ID_PATTERN.match(rule_id):
        raise Failure(f"--id {rule_id!r}: lowercase letters, digits and dashes, at most 64")
    if output is not None and output.exists():
        raise Failure(f"{output} exists; write to another file or remove it first")
    known = load_rules(default_files())
    sources = known.sources
    unknown = [s for s in source_ids if s not in sources]
    if unknown:
        raise Failure(f"--source {unknown[0]!r}: no such source; known: {', '.join(sources)}")
    try:
        result = convert(
            read(sigma_file),
            str(sigma_file),
            sources=sources,
            today=_today(),
            source_ids=source_ids,
            rule_id=rule_id,
        )
    except Refused as exc:
        raise Failure(exc.message) from None
    if not result.rules and len(result.refused) == 1:
        raise Failure(result.refused[0])
    for line in result.refused:
        click.echo(f"irdesk: {squeezed(line)}", err=True)
    if not result.rules:
        raise Failure(f"none of the {len(result.refused)} rules in {sigma_file} could be converted")
    for ident in result.rules:
        owner = known.files.get(ident)
        if owner is not None and not (owner.source and owner.source.bundled):
            raise Failure(f"{owner.file} has a rule {ident!r} already; choose another with --id")
    target = output or Path(f"{result.rules[0]}.yaml")
    loaded = load_file(target, data=result.text.encode("utf-8"))
    problems = check_given([loaded]).errors
    if problems:  # a rule we wrote that irdesk cannot read is our bug: say so, write nothing
        raise Failure(f"the converted rule does not load ({problems[0]}); please report it")
    for note in result.notes:
        click.echo(f"irdesk: note: {squeezed(note)}", err=True)
    if output is None:
        click.echo(result.text, nl=False)
    else:
        from irdesk.services.files import private_file

        with private_file(output) as handle:
            handle.write(result.text)
        count = len(result.rules)
        click.echo(
            f"wrote {count} rule{'s' * (count != 1)} ({', '.join(result.rules)}) to {output}",
            err=True,
        )
    raise SystemExit(1 if result.refused else 0)


__all__ = ["history", "import_sigma", "review", "rules"]
