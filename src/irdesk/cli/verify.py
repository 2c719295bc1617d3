"""``irdesk verify``: recompute every hash chain in a journal and name the first bad entry.

Exit status: 0 every chain intact, 1 tampering found, 2 the journal could not be read
(missing, not a journal, damaged, newer schema, locked...): always one line, no traceback.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from irdesk.cli.common import Failure, journal_option, resolve_journal
from irdesk.store import Journal, VerifyReport
from irdesk.text import visible


class _Progress:
    """Progress on stderr: a self-rewriting line on a terminal, else a line a second."""

    def __init__(self) -> None:
        self.stream = sys.stderr
        self.tty = self.stream.isatty()
        self.last = 0.0
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < (0.1 if self.tty else 1.0):
            return
        self.last = now
        percent = f" ({100 * done // total}%)" if total else ""
        text = f"verifying: {done:,} / {total:,} entries{percent}"
        if self.tty:
            self.stream.write("\r" + text + "\x1b[K")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown and self.tty:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _text_report(report: VerifyReport, path: Path) -> None:
    if report.ok:
        click.echo(
            f"ok: {_count(report.incidents, 'incident', 'incidents')}, "
            f"{_count(report.checked, 'entry', 'entries')}, chains intact"
        )
    else:
        broken = len(report.broken_incidents)
        click.echo(
            f"TAMPERED: {broken} of {_count(report.incidents, 'incident', 'incidents')} broken "
            f"({report.checked:,} entries checked in {visible(path)})"
        )
        for problem in report.problems:
            click.echo(f"  {problem.how}: {visible(problem.message)}")
    if report.heads:
        click.echo("heads:")
        for incident_id, head in report.heads.items():
            click.echo(f"  {visible(incident_id)}  {head}")


@click.command("verify")
@journal_option
@click.option(
    "--progress/--no-progress",
    "show_progress",
    default=None,
    help="Report progress on stderr (default: only when stderr is a terminal).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Processes to check large journals with (default: automatic).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=5.0,
    show_default=True,
    help="Seconds to wait for a journal another process has locked.",
)
@click.argument("incident", required=False)
def verify(
    journal_path: Path | None,
    show_progress: bool | None,
    fmt: str,
    jobs: int | None,
    timeout: float,
    incident: str | None,
) -> None:
    """Recompute the hash chains of a journal (or of one INCIDENT).

    Names the first broken entry of each incident and how it was broken (edited,
    deleted, inserted, reordered, truncated, or a changed incident record). Exit 0 if
    every chain is intact, 1 if not, 2 if the journal cannot be read. The journal is
    opened read-only: verify never changes it.
    """
    path = resolve_journal(journal_path)
    if show_progress is None:
        show_progress = sys.stderr.isatty()
    progress = _Progress() if show_progress else None
    try:
        with Journal.open(path, readonly=True, create=False, timeout=timeout) as journal:
            report = journal.verify(incident, progress=progress, workers=jobs)
    except KeyError as exc:
        raise Failure(f"no incident {incident} in journal {path}") from exc
    finally:
        if progress is not None:
            progress.finish()
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "journal": str(path),
                    "ok": report.ok,
                    "incidents": report.incidents,
                    "checked": report.checked,
                    "problems": [p._asdict() for p in report.problems],
                    "heads": report.heads,
                },
                indent=2,
            )
        )
    else:
        _text_report(report, path)
    if not report.ok:
        click.get_current_context().exit(1)
