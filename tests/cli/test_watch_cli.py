"""``irdesk watch``, ``check``, ``defects`` and ``page`` from the command line; the watcher
as a real process stopped with SIGTERM in the middle of a page."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers_store import subprocess_env
from helpers_watch import calls, wait_until, write_playbook, write_recorder, write_roster

from irdesk import paths
from irdesk.cli import main
from irdesk.domain.incident import K
from irdesk.services import heartbeat
from irdesk.store import DESK_ID, Journal


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


@pytest.fixture
def home(irdesk_home: Path, tmp_path: Path) -> Path:
    write_playbook(irdesk_home)
    write_roster(irdesk_home, write_recorder(tmp_path, tmp_path / "calls.jsonl"))
    return irdesk_home


def entries(incident: str, kind: str) -> list:
    with Journal.open(paths.default_journal_path(), readonly=True) as journal:
        return [e for e in journal.entries(incident) if e.kind == kind]


# --------------------------------------------------------------------------- set-up text


def test_print_systemd_gives_a_unit_to_copy(home, tmp_path):
    journal = tmp_path / "100% $HOME" / "j.db"
    done = run("watch", "--print-systemd", "--journal", str(journal), "--as", "Ops Bot")
    assert done.exit_code == 0, done.output
    unit = done.output
    assert "[Service]" in unit and "[Install]" in unit and "WantedBy=default.target" in unit
    exec_line = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    assert '"watch" "--journal"' in exec_line
    assert "100%% $$HOME" in exec_line  # systemd's specifiers and variables, escaped
    assert f'"IRDESK_HOME={home}"' in unit and '"IRDESK_ACTOR=Ops Bot"' in unit
    assert "systemctl --user enable --now irdesk-watch.service" in unit


def test_print_cron_gives_a_crontab_line(home, tmp_path):
    done = run("watch", "--print-cron", "--journal", str(tmp_path / "50%.db"))
    assert done.exit_code == 0, done.output
    (line,) = [x for x in done.output.splitlines() if not x.startswith("#")]
    assert line.startswith("* * * * * IRDESK_HOME=")
    assert "watch --once --journal" in line and "50\\%.db" in line
    assert line.endswith(f"{home / 'watch.log'} 2>&1")


# --------------------------------------------------------------------------- watch


def test_watch_once_pages_for_a_lapsed_timer_then_exits(irdesk_home, tmp_path):
    log = tmp_path / "calls.jsonl"
    write_playbook(irdesk_home, within="1s", after="1s")
    write_roster(irdesk_home, write_recorder(tmp_path, log))
    incident = run("declare", "watched", "--title", "cron-watched").output.strip()

    def one_pass() -> list:
        done = run("watch", "--once")
        assert done.exit_code == 0, done.output
        return calls(log)

    (argv,) = wait_until(one_pass, 20, "level 1 paged by a cron pass")
    assert argv[:2] == [incident, "1"]
    with Journal.open(paths.default_journal_path(), readonly=True) as journal:
        (beat,) = heartbeat.beats(journal)
    assert beat.once  # cron's heartbeat stays between runs


def test_a_config_with_errors_stops_the_watcher_from_starting(home):
    paths.config_path().write_text("irdesk: config/1\nwatch: {interval: 0s}\n")
    done = run("watch", "--once")
    assert done.exit_code == 2
    assert done.output.startswith("irdesk: config not loaded: ")
    assert "watch.interval" in done.output


def test_sigterm_mid_page_finishes_and_journals_it_then_exits_cleanly(irdesk_home, tmp_path):
    log = tmp_path / "calls.jsonl"
    write_playbook(irdesk_home, within="1s", after="1h")
    write_roster(irdesk_home, write_recorder(tmp_path, log, sleep=2))
    incident = run("declare", "watched", "--title", "stop me").output.strip()
    env = {**subprocess_env(), "IRDESK_HOME": str(irdesk_home), "IRDESK_ACTOR": "svc"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "irdesk", "watch", "--interval", "1s"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: calls(log), 20, "the notify command started")
        proc.send_signal(signal.SIGTERM)  # while the notify command is still running
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "SIGTERM: stopping after the page in progress" in err and err.rstrip().endswith(
        "stopped"
    )
    (notified,) = entries(incident, K.NOTIFIED)
    assert notified.payload["returncode"] == 0
    with Journal.open(paths.default_journal_path(), readonly=True) as journal:
        assert heartbeat.beats(journal) == []  # nobody is watching now, and home says so
        assert journal.verify().ok


# --------------------------------------------------------------------------- check, defects


def test_check_records_defects_and_says_whether_anybody_is_watching(home):
    done = run("check")
    assert done.exit_code == 1
    assert "✘ playbook watched has never been drilled (new)" in done.output
    assert "nobody is watching: escalations fire only while a screen is open" in done.output
    again = run("check", "--format", "json")
    found = json.loads(again.output)
    assert not found["ready"] and found["opened"] == [] and found["watcher"]["state"] == "none"
    listed = run("defects")
    assert "playbook watched has never been drilled" in listed.output
    assert listed.output.startswith("open ")
    with Journal.open(paths.default_journal_path(), readonly=True) as journal:
        desk_kinds = [e.kind for e in journal.entries(DESK_ID)]
    assert desk_kinds.count("defect.opened") == len(found["problems"])


def test_check_dry_run_records_nothing(home):
    assert run("check", "--dry-run").exit_code == 1
    assert run("defects").output == "no open defects\n"


def test_defects_all_lists_closed_ones_with_how_long_they_lasted(home):
    run("check")
    roster = paths.roster_path()
    text = roster.read_text()
    roster.write_text(text.replace("Ben Kaur", "Bea Kaur"))
    run("check")
    paths.config_path().write_text("irdesk: config/1\nreadiness: {playbooks: [watched]}\n")
    paths.config_path().chmod(0o600)
    run("check")
    shown = run("defects", "--all", "--format", "json")
    closed = [d for d in json.loads(shown.output) if d["closed_at"]]
    assert closed and all(d["area"] == "readiness" for d in closed)
    assert "closed " in run("defects", "--all").output


# --------------------------------------------------------------------------- page


def test_page_a_role_about_an_incident(home, tmp_path):
    incident = run("declare", "watched", "--title", "Webshell").output.strip()
    done = run("page", "lead", "--incident", incident, "join the bridge", "--as", "Lin")
    assert done.exit_code == 0, done.output
    (argv,) = calls(tmp_path / "calls.jsonl")
    assert argv[0] == incident and argv[2] == "Ada Moreno, Ben Kaur"
    assert argv[3] == f"{incident} Webshell: join the bridge (page from Lin)"
    (paged,) = entries(incident, K.PAGED)
    assert paged.actor == "Lin" and paged.payload["role"] == "lead"
    (notified,) = entries(incident, K.NOTIFIED)
    assert notified.payload["page_seq"] == paged.seq


def test_page_test_runs_the_command_without_touching_an_incident(home, tmp_path):
    done = run("page", "Ben Kaur", "--test")
    assert done.exit_code == 0, done.output
    (argv,) = calls(tmp_path / "calls.jsonl")
    assert argv[0] == "TEST" and argv[2] == "Ben Kaur"
    with Journal.open(paths.default_journal_path(), readonly=True) as journal:
        assert journal.incidents() == []
        (tested,) = [e for e in journal.entries(DESK_ID) if e.kind == "page.tested"]
    assert tested.payload["results"][0]["returncode"] == 0


def test_page_fails_in_one_line(home):
    incident = run("declare", "watched", "--title", "x").output.strip()
    unknown = run("page", "nobody", "--incident", incident, "hi")
    assert unknown.exit_code == 2
    assert unknown.output.startswith("irdesk: no role or person 'nobody'")
    assert run("page", "lead", "hi").exit_code == 2  # neither --incident nor --test
    assert "say what the page is about" in run("page", "lead", "--incident", incident).output


def test_page_in_a_drill_pages_nobody_real(home, tmp_path):
    with Journal.open(paths.default_journal_path()) as journal:
        from irdesk.cli.common import make_desk

        desk = make_desk(journal)
        drill = desk.start_drill(desk.catalog.scenario("ttx-ceo-phish")).incident_id
    done = run("page", "commander", "--incident", drill, "wake up")
    assert done.exit_code == 0 and "nobody real is paged" in done.output
    assert calls(tmp_path / "calls.jsonl") == []
    assert len(entries(drill, K.PAGED)) == 1


def test_validate_checks_the_config_and_refuses_a_roster_others_can_write(home):
    paths.config_path().write_text("irdesk: config/1\nwatch: {check_at: ['07:30']}\n")
    paths.config_path().chmod(0o600)
    done = run("validate", "-q")
    assert done.exit_code == 0, done.output
    os.chmod(paths.roster_path(), 0o666)
    done = run("validate", "-q")
    assert done.exit_code == 1
    assert "can be written by anyone (mode 0666)" in done.output
