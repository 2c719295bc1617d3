"""``irdesk drill``, in-process with click's CliRunner; the TUI is never launched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import irdesk.cli.incidents
from irdesk import paths
from irdesk.cli import main
from irdesk.store import Journal

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures_drill"


def run(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="irdesk")


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """Replace the TUI: record which incident it would have opened."""
    opened: list[str | None] = []

    def fake_launch(desk, *, open_incident=None):  # noqa: ANN001
        opened.append(open_incident)
        desk.journal.close()

    monkeypatch.setattr(irdesk.cli.incidents, "launch", fake_launch)
    return opened


def one_line_error(result) -> str:
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("irdesk: ")
    return lines[0]


def test_drill_is_listed_after_run_in_help():
    result = run("--help")
    assert result.exit_code == 0
    commands = [
        ln.split()[0] for ln in result.output.split("Commands:")[1].splitlines() if ln.strip()
    ]
    assert commands[commands.index("run") + 1] == "drill"


def test_list_shows_the_bundled_scenarios():
    result = run("drill", "--list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["SCENARIO", "PLAYBOOK", "DURATION", "INJECTS", "TITLE"]
    rows = {ln.split()[0]: ln for ln in lines[1:]}
    assert "ttx-ceo-phish" in rows and len(rows) >= 5
    assert rows["ttx-ceo-phish"].split()[1:4] == ["account-compromise", "1h", "7"]
    assert rows["ttx-ceo-phish"].endswith("The CEO's mailbox")


def test_list_includes_the_users_own_scenarios():
    shutil.copytree(FIXTURES, paths.user_scenarios_dir())
    result = run("drill", "--list")
    assert result.exit_code == 0, result.output
    row = next(ln for ln in result.output.splitlines() if ln.startswith("drill-mini "))
    assert row.split()[1:4] == ["drill-mini-pb", "30m", "5"]


def test_unknown_scenario_is_one_line_and_launches_nothing(tmp_path, launched):
    journal = tmp_path / "j.db"
    result = run("drill", "no-such-drill", "--journal", str(journal))
    line = one_line_error(result)
    assert "no scenario 'no-such-drill'" in line and "ttx-ceo-phish" in line
    assert launched == []
    if journal.exists():
        with Journal.open(journal) as j:
            assert j.incidents() == []


def test_a_broken_scenario_file_is_one_line(tmp_path, launched):
    broken = tmp_path / "broken.yaml"
    broken.write_text("irdesk: scenario/1\nid: Broken Id\n", encoding="utf-8")
    line = one_line_error(run("drill", str(broken), "--journal", str(tmp_path / "j.db")))
    assert "broken.yaml:1:1: error: missing required key 'title'" in line
    assert line.endswith(f"more problems: irdesk validate {broken} lists them)")
    assert launched == []


@pytest.mark.parametrize("args", [["drill"], ["drill", "--list", "ttx-ceo-phish"]])
def test_usage_errors(args, launched):
    line = one_line_error(run(*args))
    assert "SCENARIO" in line
    assert launched == []


def test_drill_declares_and_opens_the_desk_on_it(tmp_path, launched):
    journal = tmp_path / "j.db"
    result = run(
        "drill", "ttx-ceo-phish", "--journal", str(journal), "--as", "fac", "--commander", "Bea"
    )
    assert result.exit_code == 0, result.output
    with Journal.open(journal) as j:
        records = j.incidents()
        assert [(r.mode, r.scenario_id, r.title) for r in records] == [
            ("drill", "ttx-ceo-phish", "Drill: The CEO's mailbox")
        ]
        assert launched == [records[0].id]
        entries = list(j.entries(records[0].id))
        assert [e.kind for e in entries] == ["incident.declared"]  # clock not started
        assert entries[0].actor == "fac" and entries[0].payload["commander"] == "Bea"


def test_drill_from_a_scenario_file_with_its_playbook_beside_it(tmp_path, launched):
    journal = tmp_path / "j.db"
    result = run(
        "drill",
        str(FIXTURES / "scenario.yaml"),
        "--journal",
        str(journal),
        "--title",
        "Tuesday exercise",
    )
    assert result.exit_code == 0, result.output
    with Journal.open(journal) as j:
        (record,) = j.incidents()
        assert (record.playbook_id, record.title) == ("drill-mini-pb", "Tuesday exercise")
        assert launched == [record.id]


CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def test_invalid_scenarios_are_listed_with_their_problem():
    paths.user_scenarios_dir().mkdir(parents=True, exist_ok=True)
    shutil.copy(CORPUS / "scenario-unknown-playbook.yaml", paths.user_scenarios_dir())
    result = run("drill", "--list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    at = lines.index("NOT RUNNABLE (irdesk validate FILE lists every problem)")
    assert lines[at + 1].startswith("scenario-unknown-playbook  ")
    assert (
        "scenario-unknown-playbook.yaml:6:11: error: playbook: no playbook with id "
        "'account-compromize' found" in lines[at + 1]
    )
    assert "ttx-ceo-phish" in result.output  # the valid ones are still there


def test_running_an_invalid_scenario_by_id_says_what_is_wrong(tmp_path, launched):
    paths.user_scenarios_dir().mkdir(parents=True, exist_ok=True)
    shutil.copy(CORPUS / "scenario-unknown-playbook.yaml", paths.user_scenarios_dir())
    line = one_line_error(
        run("drill", "scenario-unknown-playbook", "--journal", str(tmp_path / "j.db"))
    )
    assert "no scenario" not in line
    assert (
        "scenario-unknown-playbook.yaml:6:11: error: playbook: no playbook with id "
        "'account-compromize' found" in line
    )
    assert launched == []
