"""``irdesk verify``: recompute every hash chain in a journal and name the first bad entry.

Heads are printed as ``INC-0001@57:<hash>``; ``--expect`` checks heads written down earlier
(in a report, a ticket) still hold, so a journal cut short, rolled back to an older copy or
re-hashed after an edit is caught even though its chains are whole.

Exit status: 0 every chain intact (and every expected head found), 1 tampering found or an
expectation failed, 2 the journal could not be read (missing, not a journal, damaged,
newer schema, locked...): always one line, no traceback.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from irdesk.cli.common import Failure, journal_option, resolve_journal
from irdesk.store import Expectation, Journal, VerifyReport
from irdesk.text import visible

if TYPE_CHECKING:
    from irdesk.services import sealing

ENV_ALLOWED_SIGNERS = "IRDESK_ALLOWED_SIGNERS"


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


def _text_report(
    report: VerifyReport,
    path: Path,
    expected: int,
    unmet: list[str],
    seals: sealing.SealCheck,
) -> None:
    if report.ok:
        click.echo(
            f"ok: {_count(report.incidents, 'incident', 'incidents')}, "
            f"{_count(report.checked, 'entry', 'entries')}, chains intact"
        )
    else:
        broken = len(report.broken_incidents)
        journal_wide = sum(1 for p in report.problems if not p.incident_id)
        click.echo(
            f"TAMPERED: {broken} of {_count(report.incidents, 'incident', 'incidents')} broken "
            f"({report.checked:,} entries checked in {visible(str(path))})"
            + (
                f", and {_count(journal_wide, 'problem', 'problems')} with the journal itself"
                if journal_wide
                else ""
            )
        )
        for problem in report.problems:
            click.echo(f"  {problem.how}: {visible(problem.message)}")
    if unmet:
        click.echo(f"EXPECTED HEADS NOT FOUND: {len(unmet)}")
        for line in unmet:
            click.echo(f"  {visible(line)}")
    elif expected:  # say so: a head from a report was checked, and holds
        click.echo(f"expected heads: all found ({expected:,} checked)")
    click.echo(seals.summary())
    for line in seals.bad:
        click.echo(f"  BAD: {visible(line)}")
    for line in seals.good:
        click.echo(f"  good: {visible(line)}")
    if report.heads:
        click.echo("heads:")
        for incident_id, head in report.heads.items():
            click.echo(f"  {visible(head.label(incident_id))}")


def _expectations(given: tuple[str, ...], files: tuple[Path, ...]) -> list[Expectation]:
    """--expect values and the heads written in --expect-file files (one a line, or a
    report: every ``INC-0001@57:<hash>`` in it counts)."""
    found: list[Expectation] = []
    try:
        for text in given:
            found.append(Expectation.parse(text))
        for path in files:
            try:
                content = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                reason = getattr(exc, "strerror", None) or exc
                raise Failure(f"cannot read {path}: {reason}") from None
            try:
                heads = Expectation.find_all(content)
            except ValueError as exc:
                raise Failure(f"{path}:{exc}") from None
            if not heads:
                raise Failure(f"{path}: no heads in it (they look like INC-0001@57:<hash>)")
            found.extend(heads)
    except ValueError as exc:
        raise Failure(str(exc)) from None
    return list(dict.fromkeys(found))  # a report states its head more than once


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
@click.option(
    "--expect",
    "expected",
    metavar="ID@SEQ:HASH",
    multiple=True,
    help="A head written down earlier: entry SEQ of ID must still have HASH (repeatable).",
)
@click.option(
    "--expect-file",
    "expect_files",
    type=click.Path(dir_okay=False, path_type=Path),
    multiple=True,
    help="A file of heads, one a line (or a report): each must still hold.",
)
@click.option(
    "--allowed-signers",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="ssh-keygen allowed-signers file to check seals with (default: $IRDESK_ALLOWED_SIGNERS).",
)
@click.argument("incident", required=False)
def verify(
    journal_path: Path | None,
    show_progress: bool | None,
    fmt: str,
    jobs: int | None,
    timeout: float,
    expected: tuple[str, ...],
    expect_files: tuple[Path, ...],
    allowed_signers: Path | None,
    incident: str | None,
) -> None:
    """Recompute the hash chains of a journal (or of one INCIDENT).

    Names the first broken entry of each incident and how it was broken (edited,
    deleted, inserted, reordered, truncated, a changed incident record, or the journal's
    triggers removed), and prints each incident's head as ID@SEQ:HASH. With --expect,
    heads written down earlier must still be in the journal. Exit 0 if every chain is
    intact and every expected head found, 1 if not, 2 if the journal cannot be read. The
    journal is opened read-only: verify never changes it.
    """
    from irdesk.services import sealing

    path = resolve_journal(journal_path)
    expectations = _expectations(expected, expect_files)
    if allowed_signers is None and os.environ.get(ENV_ALLOWED_SIGNERS):
        allowed_signers = Path(os.environ[ENV_ALLOWED_SIGNERS]).expanduser()
    if show_progress is None:
        show_progress = sys.stderr.isatty()
    progress = _Progress() if show_progress else None
    try:
        with Journal.open(path, readonly=True, create=False, timeout=timeout) as journal:
            report = journal.verify(incident, progress=progress, workers=jobs)
            unmet = journal.unmet(expectations)
            seals = sealing.check(journal, incident, allowed_signers)
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
                    "heads": {
                        iid: {"seq": head.seq, "hash": head.hash, "label": head.label(iid)}
                        for iid, head in report.heads.items()
                    },
                    "expected": [e.label for e in expectations],
                    "unmet": unmet,
                    "seals": {
                        "count": seals.seals,
                        "signatures_checked": seals.checked_signatures,
                        "good": seals.good,
                        "bad": seals.bad,
                    },
                },
                indent=2,
            )
        )
    else:
        _text_report(report, path, len(expectations), unmet, seals)
    if not report.ok or unmet or not seals.ok:
        click.get_current_context().exit(1)
