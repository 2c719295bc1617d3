"""``irdesk scan``: look for the checklist's suspicious events in the logs (docs/rules.md).

Exit status: 0 nothing found, 1 findings or defects, 2 the scan could not run (broken
rules files, a bad option). Log lines are untrusted: everything printed from them goes
through the report's :func:`~irdesk.text.visible`, so no escape sequence or bidi
override reaches the terminal.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from irdesk.cli.common import (
    Failure,
    actor_option,
    group_option,
    journal_option,
    open_journal,
    text_or_json,
)

SHOWN_LINES = 3  # matched lines printed under each finding in text output


@click.command()
@click.option(
    "--rules",
    "rules_paths",
    multiple=True,
    metavar="FILE",
    type=click.Path(path_type=Path),
    help="Rules file or folder to scan with (repeatable; default: bundled and your own).",
)
@click.option(
    "--source",
    "source_paths",
    multiple=True,
    metavar="ID=PATH",
    help="Read source ID from PATH instead of its declared paths (repeatable).",
)
@click.option("--since", metavar="WHEN", help="Read every line from WHEN on, again if need be.")
@text_or_json
@click.option("--dry-run", is_flag=True, help="Record nothing and keep no checkpoint.")
@journal_option
@actor_option
def scan(
    rules_paths: tuple[Path, ...],
    source_paths: tuple[str, ...],
    since: str | None,
    fmt: str,
    dry_run: bool,
    journal_path: Path | None,
    actor: str | None,
) -> None:
    """Scan the log sources the rules need; record findings and defects in the journal
    and print them.

    Each scan carries on where the last one stopped; a finding or a defect is recorded
    once however often, and however many scans at once, look at the same lines. Exits 0
    when nothing was found, 1 on new findings or open defects, 2 when it could not run.
    """
    from irdesk.domain.clock import WhenError, parse_when
    from irdesk.services.scan import MemoryRecorder
    from irdesk.services.scan import scan as run_scan

    ruleset = load_checked_rules(rules_paths)
    overrides = _overrides(source_paths, ruleset.sources)
    now = datetime.now(UTC)
    when = None
    if since is not None:
        try:
            when = parse_when(since, now)
        except WhenError as exc:
            raise Failure(f"--since: {exc}") from None
    rules = list(ruleset.rules.values())
    files = [m.source for m in ruleset.used_files() if m.source is not None]

    def run(recorder):  # noqa: ANN001, ANN202
        return run_scan(
            rules,
            ruleset.sources,
            recorder,
            now=now,
            since=when,
            paths=overrides,
            rules_files=files,
        )

    records: dict[str, str] = {}
    if dry_run:
        report = run(MemoryRecorder())
    else:
        from irdesk.services.actor import default_actor
        from irdesk.services.findings import JournalRecorder

        who = (actor or group_option("actor") or "").strip() or default_actor()
        with open_journal(journal_path) as journal:
            recorder = JournalRecorder(journal, ruleset, who, paths=overrides)
            report = run(recorder)
        records = recorder.recorded
        for warning in recorder.warnings:
            click.echo(f"irdesk: warning: {_one_line(warning)}", err=True)
    if fmt == "json":
        doc = report.as_json()
        for finding in doc["findings"]:
            finding["record"] = records.get(finding["id"])
        click.echo(json.dumps(doc, indent=2))
    else:
        _print_text(report, records, dry_run)
    raise SystemExit(report.exit_code)


def load_checked_rules(rules_paths: tuple[Path, ...] = ()):  # noqa: ANN201 - a RuleSet
    """The rules to use (these files with the others' sources, or the bundled and the
    user's): their problems printed one a line and a Failure when any is an error."""
    from irdesk.formats.catalog import expand
    from irdesk.formats.rules import default_files, load_rules

    if rules_paths:
        given: list[tuple[Path, bool]] = []
        for path in rules_paths:
            if not path.exists():
                raise Failure(f"--rules: {path}: no such file or folder")
            given.extend((found, False) for found in expand(path))
        ruleset = load_rules(given, background=default_files())
    else:
        ruleset = load_rules(default_files())
    errors = ruleset.errors
    if errors:
        for problem in errors:
            click.echo(f"irdesk: {_one_line(problem)}", err=True)
        count = len(errors)
        raise Failure(
            f"{count} problem{'s' * (count != 1)} in the rules files; nothing was scanned "
            "(irdesk validate shows them all)"
        )
    if not ruleset.rules:
        raise Failure("no rules to scan with (none bundled, none in your rules folder)")
    return ruleset


def _overrides(source_paths: tuple[str, ...], sources) -> dict[str, list[str]]:  # noqa: ANN001
    from irdesk.formats.loader import _hint

    overrides: dict[str, list[str]] = {}
    for given in source_paths:
        ident, sep, path = given.partition("=")
        if not sep or not ident or not path:
            raise Failure(f"--source {given!r}: expected ID=PATH, e.g. auth=/var/log/auth.log")
        if ident not in sources:
            raise Failure(
                f"--source {given!r}: no source {ident!r} is declared; known: "
                + ", ".join(sorted(sources))
                + _hint(ident, sources)
            )
        overrides.setdefault(ident, []).append(str(Path(path).expanduser().absolute()))
    return overrides


def _one_line(text: object) -> str:
    from irdesk.text import visible

    return visible(text).replace("\n", "⏎").replace("\t", " ")


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


def _print_text(report, records: dict[str, str], dry_run: bool) -> None:  # noqa: ANN001
    for finding in report.findings:
        record = records.get(finding.id)
        name = f"{record} {finding.rule}" if record else finding.rule
        click.echo(f"finding {name}: {_one_line(finding.title)}")
        span = _when(finding.first_time)
        if finding.last != finding.first:
            span += f" to {_when(finding.last_time)}"
        events = f"{finding.count} event{'s' * (finding.count != 1)}"
        if finding.distinct is not None:
            events += f", {finding.distinct} distinct"
        # its FND id once recorded (above); a dry run's findings have no id anyone can use
        click.echo(f"  {events}, {span} UTC, in {finding.source}")
        for line in finding.lines[:SHOWN_LINES]:
            click.echo(f"  | {_one_line(line)}")
        more = len(finding.lines) - SHOWN_LINES
        if more > 0:
            click.echo(f"  | ... and {more} more line{'s' * (more != 1)}")
    opened = {d.key for d in report.opened}
    for defect in report.defects:
        new = " (new)" if defect.key in opened and not dry_run else ""
        click.echo(f"defect {defect.source} {defect.problem}{new}: {_one_line(defect.detail)}")
    if not dry_run:
        for defect in report.closed:
            click.echo(f"defect {defect.source} {defect.problem} closed: the source is well again")
    for rule, sources in report.unchecked.items():
        click.echo(f"not checked {rule}: every source it needs is defective ({', '.join(sources)})")
    findings, defects = len(report.findings), len(report.defects)
    summary = (
        f"{report.lines:,} line{'s' * (report.lines != 1)} from {report.files} "
        f"file{'s' * (report.files != 1)} in {report.seconds:.2f} s: "
        f"{findings} {'' if dry_run else 'new '}finding{'s' * (findings != 1)}, "
        f"{defects} defect{'s' * (defects != 1)}"
    )
    if report.unparsed:
        summary += f"; {report.unparsed:,} matching line(s) without a readable time skipped"
    if dry_run:
        summary += " (dry run: nothing recorded, no checkpoint kept)"
    click.echo(summary)
