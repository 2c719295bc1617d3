"""``irdesk log`` from any shell, and ``--journal`` wherever a person puts it."""

from __future__ import annotations

from click.testing import CliRunner
from tui_helpers import rows, run, settle, text_of, wait_until

from irdesk.cli import main
from irdesk.domain.incident import K
from irdesk.store import Journal


def test_log_argument_appends_a_note_as_the_given_actor(declare, journal, journal_path):
    iid = declare().incident_id
    result = CliRunner().invoke(
        main,
        [
            "log",
            "--incident",
            iid,
            "--journal",
            str(journal_path),
            "--as",
            "Lena Fischer",
            "comms drafted the staff warning",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == f"{iid} entry 2\n"
    [note] = rows(journal, iid, K.NOTE)
    assert (note.actor, note.role) == ("Lena Fischer", None)
    assert note.payload == {"text": "comms drafted the staff warning", "source": "cli"}


def test_log_to_an_unknown_incident_fails_in_one_line(declare, journal_path):
    declare()
    result = CliRunner().invoke(
        main, ["log", "--incident", "INC-0099", "--journal", str(journal_path), "text"]
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == f"irdesk: no incident INC-0099 in {journal_path}"


async def test_a_logged_note_reaches_an_open_runner(declare, make_app, journal_path):
    iid = declare().incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        result = CliRunner().invoke(
            main,
            [
                "log",
                "--incident",
                iid,
                "--journal",
                str(journal_path),
                "--as",
                "ci",
                "deploy frozen",
            ],
        )
        assert result.exit_code == 0, result.output
        # the runner polls the journal every 0.5 s
        await wait_until(
            pilot, lambda: "deploy frozen" in text_of(app.screen.query_one("#timeline"))
        )
        await settle(pilot)
        assert "ci           note       deploy frozen" in text_of(app.screen.query_one("#timeline"))


def test_journal_option_before_the_command_is_honoured(tmp_path, irdesk_home):
    target = tmp_path / "shared.db"
    result = CliRunner().invoke(
        main,
        ["--journal", str(target), "declare", "account-compromise", "--title", "where does it go"],
    )
    assert result.exit_code == 0, result.output
    assert not (irdesk_home / "journal.db").exists(), "written to the default journal"
    with Journal.open(target, readonly=True) as journal:
        assert [r.title for r in journal.incidents()] == ["where does it go"]
