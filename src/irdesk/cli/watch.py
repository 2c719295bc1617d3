"""``irdesk watch`` (escalations and readiness with no screen open), ``irdesk check``
(readiness now) and ``irdesk defects`` (what the checks have recorded)."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import timedelta
from pathlib import Path

import click

from irdesk import paths
from irdesk.cli.common import (
    Failure,
    actor_option,
    group_option,
    journal_option,
    make_desk,
    open_journal,
    resolve_journal,
)
from irdesk.domain.clock import format_ts, local_when
from irdesk.domain.durations import DurationError, format_duration, parse_duration
from irdesk.services.actor import default_actor
from irdesk.text import single_line, visible

#: how long ``irdesk watch`` waits between attempts to open a locked journal
OPEN_RETRY = 5.0


def _duration(value: str | None, option: str) -> timedelta | None:
    if value is None:
        return None
    try:
        return parse_duration(value)
    except DurationError as exc:
        raise Failure(f"{option}: {exc}") from None


def _config():
    """The desk's config, or a Failure naming the file's first problem."""
    from irdesk.formats.catalog import load_config

    config, result = load_config()
    if result is not None and not result.ok:
        problems = result.errors or result.problems
        raise Failure(f"config not loaded: {problems[0] if problems else result.path}")
    return config


# --------------------------------------------------------------------------- watch


def _say(line: str) -> None:
    click.echo(f"{format_ts(_now())} {visible(line)}", err=True)


def _now():
    from irdesk.domain.clock import SystemClock

    return SystemClock().now()


def _irdesk_argv() -> list[str]:
    """How a service manager should start this irdesk (an absolute path)."""
    found = shutil.which("irdesk")
    if found:
        return [os.path.abspath(found)]
    return [sys.executable, "-m", "irdesk"]


def _systemd_quote(value: str) -> str:
    """One word of a systemd unit's command line or Environment= (quoted, with systemd's
    specifiers and variable references escaped)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("%", "%%").replace("$", "$$") + '"'


def systemd_unit(journal: Path, home: Path, actor: str) -> str:
    argv = [*_irdesk_argv(), "watch", "--journal", str(journal)]
    command = " ".join(_systemd_quote(a) for a in argv)
    return f"""\
# irdesk watcher as a systemd user service. Install it with:
#   mkdir -p ~/.config/systemd/user
#   irdesk watch --print-systemd > ~/.config/systemd/user/irdesk-watch.service
#   systemctl --user daemon-reload
#   systemctl --user enable --now irdesk-watch.service
#   loginctl enable-linger "$USER"   # keep it running while you are logged out
# Follow it with: journalctl --user -u irdesk-watch -f
[Unit]
Description=irdesk watcher: escalations, paging and readiness checks
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
Environment={_systemd_quote(f"IRDESK_HOME={home}")}
Environment={_systemd_quote(f"IRDESK_ACTOR={actor}")}
ExecStart={command}
# SIGTERM lets the page in progress finish and be journaled; its notify command has a
# timeout of its own, well below this.
KillMode=mixed
TimeoutStopSec=60
Restart=always
RestartSec=10
UMask=0077
NoNewPrivileges=yes

[Install]
WantedBy=default.target
"""


def cron_line(journal: Path, home: Path, actor: str) -> str:
    argv = [*_irdesk_argv(), "watch", "--once", "--journal", str(journal)]
    log = home / "watch.log"
    words = [
        f"IRDESK_HOME={shlex.quote(str(home))}",
        f"IRDESK_ACTOR={shlex.quote(actor)}",
        *(shlex.quote(a) for a in argv),
        ">>",
        shlex.quote(str(log)),
        "2>&1",
    ]
    line = " ".join(words).replace("%", "\\%")  # cron reads % as a newline
    return (
        "# irdesk watcher from cron: one pass a minute (escalations fire up to a minute\n"
        "# after they are due; a systemd service looks every few seconds). Install with\n"
        "# `crontab -e` and paste the line below.\n"
        f"* * * * * {line}\n"
    )


def _open_waiting(path: Path | None, stop: threading.Event):
    """Open the journal, waiting while another process holds it locked."""
    from irdesk.store import JournalLocked

    while True:
        try:
            return open_journal(path)
        except JournalLocked as error:
            _say(f"{error.message}; trying again in {OPEN_RETRY:g}s")
            if stop.wait(OPEN_RETRY):
                return None


@contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    """While the watcher runs, SIGTERM and SIGINT ask it to stop after the page in
    progress; a second one stops it at once. The previous handlers come back after."""

    def handler(signum: int, frame) -> None:  # noqa: ANN001
        if stop.is_set():
            raise SystemExit(128 + signum)
        stop.set()
        _say(f"{signal.Signals(signum).name}: stopping after the page in progress")

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, was in previous.items():
            signal.signal(sig, was)


@click.command()
@click.option("--once", is_flag=True, help="One pass, then exit (for cron).")
@click.option(
    "--interval",
    default=None,
    metavar="DURATION",
    help="Time between passes (default: the config's watch.interval, else 15s).",
)
@click.option(
    "--every",
    default=None,
    metavar="DURATION",
    help="With --once: how often cron runs it (tells others when it is late); default 1m.",
)
@click.option("--print-systemd", is_flag=True, help="Print a systemd user unit and exit.")
@click.option("--print-cron", is_flag=True, help="Print a crontab line and exit.")
@journal_option
@actor_option
def watch(once, interval, every, print_systemd, print_cron, journal_path, actor) -> None:  # noqa: ANN001
    """Fire escalations and page for them with no screen open, check readiness daily.

    Runs until stopped (SIGTERM or ctrl+c: the page in progress finishes first); keeps a
    heartbeat in the journal so home and the runner can say whether anybody is watching.
    """
    journal = resolve_journal(journal_path).expanduser().absolute()
    who = actor or group_option("actor") or default_actor()
    if print_systemd or print_cron:
        home = paths.home().expanduser().absolute()
        text = systemd_unit(journal, home, who) if print_systemd else cron_line(journal, home, who)
        click.echo(text, nl=False)
        return
    config = _config()
    pause = _duration(interval, "--interval")
    if pause is not None and pause < timedelta(seconds=1):
        raise Failure("--interval: at least 1s")
    stop = threading.Event()
    # One pass (cron) is short: it keeps the default signals. A long-running watcher
    # finishes the page in progress on SIGTERM.
    with nullcontext() if once else _stopped_by_signals(stop):
        _watch(journal_path, actor, config, once, every, pause, stop)


def _watch(journal_path, actor, config, once, every, pause, stop) -> None:  # noqa: ANN001
    from irdesk.services.watch import CRON_EVERY, Watcher

    opened = _open_waiting(journal_path, stop)
    if opened is None:
        return
    with opened as journal_handle:
        desk = make_desk(journal_handle, actor=actor, lazy=True)
        watcher = Watcher(
            desk,
            config=config,
            once=once,
            every=_duration(every, "--every") or CRON_EVERY,
            interval=pause,
            stop=stop,
            say=_say,
        )
        if desk.roster_problem:
            _say(f"warning: {desk.roster_problem}; escalations will say so, paging nobody")
        if not once:
            raise SystemExit(watcher.run())
        report = watcher.run_pass()
        watcher.close()
        raise SystemExit(0 if report.ok else 1)


# --------------------------------------------------------------------------- check


@click.command()
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--dry-run", is_flag=True, help="Check only: record no defect.")
@journal_option
@actor_option
def check(fmt, dry_run, journal_path, actor) -> None:  # noqa: ANN001
    """Check readiness now: on-call coverage, contacts, the notify command, playbook
    reviews, drills, backups. Problems are recorded as defects (irdesk defects).

    Exit status: 0 ready, 1 problems found, 2 the check could not run.
    """
    from irdesk.services import heartbeat, readiness

    config = _config()
    with open_journal(journal_path) as journal:
        desk = make_desk(journal, actor=actor)
        result = readiness.check(desk, config, record=not dry_run)
        watching = heartbeat.watch_status(journal, desk.clock.now())
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "ready": result.ready,
                    "checked_at": format_ts(result.checked_at),
                    "problems": [visible_dict(p.as_payload()) for p in result.problems],
                    "opened": [p.key for p in result.opened],
                    "closed": [d.key for d in result.closed],
                    "watcher": {
                        "state": watching.state,
                        "since": format_ts(watching.since) if watching.since else None,
                        "watchers": [visible_dict(b.as_json()) for b in watching.beats],
                    },
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        for found in result.problems:
            new = " (new)" if any(o.key == found.key for o in result.opened) else ""
            click.echo(f"✘ {single_line(found.text)}{new}")
        for defect in result.closed:
            click.echo(f"✔ fixed: {single_line(defect.text)}")
        click.echo(visible(watching.sentence(lambda t: local_when(t, result.checked_at))))
        click.echo(
            "ready: no problems found"
            if result.ready
            else f"{len(result.problems)} problem(s); defects: irdesk defects"
        )
    raise SystemExit(0 if result.ready else 1)


def visible_dict(data: dict) -> dict:
    return {k: visible(v) if isinstance(v, str) else v for k, v in data.items()}


# --------------------------------------------------------------------------- defects


@click.command()
@click.option("--all", "show_all", is_flag=True, help="Closed defects too.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@journal_option
def defects(show_all, fmt, journal_path) -> None:  # noqa: ANN001
    """List the desk's defects (readiness problems, log sources the scans cannot read),
    open and (with --all) closed."""
    from irdesk.services import defects as ledger_of

    if not resolve_journal(journal_path).exists():
        found = []
    else:
        with open_journal(journal_path, readonly=True) as journal:
            found = ledger_of.ledger(journal).all()
    if not show_all:
        found = [d for d in found if d.open]
    if fmt == "json":
        click.echo(
            json.dumps(
                [
                    {
                        "key": visible(d.key),
                        "area": visible(d.area),
                        "text": visible(d.text),
                        "detail": visible(d.detail),
                        "opened_at": format_ts(d.opened_at),
                        "closed_at": format_ts(d.closed_at) if d.closed_at else None,
                    }
                    for d in found
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    if not found:
        click.echo("no open defects" if not show_all else "no defects")
        return
    now = _now()
    for d in found:
        when = f"since {local_when(d.opened_at, now)}"
        if d.closed_at is not None:
            took = format_duration(d.closed_at - d.opened_at)
            when = f"{local_when(d.opened_at, now)} – {local_when(d.closed_at, now)} ({took})"
        state = "open  " if d.open else "closed"
        click.echo(f"{state} {when:<28} {single_line(d.text)}")
