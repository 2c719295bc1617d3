"""``irdesk drill``, in-process with click's CliRunner; the TUI is never launched."""

from __future__ import annotations

import shlex
import shutil
import sys
import types
from pathlib import Path

import pytest
from click.testing import CliRunner

import irdesk.cli.incidents
from irdesk import paths
from irdesk.cli import main
from irdesk.cli.common import Screens
from irdesk.services.drill import DrillSession
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


# --------------------------------------------------------------------------- --player, --serve


def declare_drill(journal: Path) -> str:
    result = run("drill", "ttx-ceo-phish", "--journal", str(journal))
    assert result.exit_code == 0, result.output
    with Journal.open(journal) as j:
        return j.incidents()[0].id


def run_with_screens(*args: str):
    """Run with Screens that record what they would open instead of opening it."""
    opened: list[tuple[str, object]] = []

    def player(session) -> None:  # noqa: ANN001
        opened.append(("player", session))
        session.journal.close()

    def other(*a, **k) -> None:  # noqa: ANN002, ANN003
        raise AssertionError("only the player view may open")

    obj = Screens(desk=other, replay=other, player=player)
    result = CliRunner().invoke(main, list(args), prog_name="irdesk", obj=obj)
    return result, opened


def test_player_opens_the_player_view_of_the_drill(tmp_path, launched):
    journal = tmp_path / "j.db"
    iid = declare_drill(journal)
    result, opened = run_with_screens("drill", "--player", iid, "--journal", str(journal))
    assert result.exit_code == 0, result.output
    [(what, session)] = opened
    assert what == "player" and isinstance(session, DrillSession)
    assert session.incident_id == iid and session.journal.path == journal


def test_player_of_an_incident_or_of_nothing_is_one_line(tmp_path, launched):
    journal = tmp_path / "j.db"
    declare_drill(journal)
    assert run("run", "account-compromise", "--title", "real", "--journal", str(journal))
    with Journal.open(journal) as j:
        live = next(r.id for r in j.incidents() if r.mode != "drill")
    result, opened = run_with_screens("drill", "--player", live, "--journal", str(journal))
    assert "is an incident, not a drill" in one_line_error(result)
    result, opened = run_with_screens("drill", "--player", "D-9", "--journal", str(journal))
    assert "no incident D-9" in one_line_error(result)
    assert opened == []


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["drill", "--serve"], "--serve serves a player view: give --player ID too"),
        (["drill", "ttx-ceo-phish", "--player", "D-1"], "either --player ID or a SCENARIO"),
        (["drill", "--list", "--player", "D-1"], "either --player ID or a SCENARIO"),
    ],
)
def test_player_usage_errors(args, says, launched):
    result, opened = run_with_screens(*args)
    assert says in one_line_error(result)
    assert opened == [] and launched == []


class FakeServer:
    """textual-serve's Server as --serve uses it, recording instead of listening."""

    made: list[dict] = []
    served = 0

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        FakeServer.made.append(kwargs)

    def serve(self) -> None:
        FakeServer.served += 1


@pytest.fixture
def fake_textual_serve(monkeypatch: pytest.MonkeyPatch) -> type[FakeServer]:
    module = types.ModuleType("textual_serve.server")
    module.Server = FakeServer  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "textual_serve", types.ModuleType("textual_serve"))
    monkeypatch.setitem(sys.modules, "textual_serve.server", module)
    FakeServer.made, FakeServer.served = [], 0
    return FakeServer


def test_serve_runs_the_player_view_for_each_browser_on_localhost(
    tmp_path, fake_textual_serve, launched
):
    journal = tmp_path / "my journals" / "j.db"
    journal.parent.mkdir()
    iid = declare_drill(journal)
    result, opened = run_with_screens(
        "drill", "--player", iid, "--serve", "--journal", str(journal)
    )
    assert result.exit_code == 0, result.output
    assert opened == []  # the browser's process opens it, not this one
    [made] = fake_textual_serve.made
    assert fake_textual_serve.served == 1
    assert (made["host"], made["port"]) == ("127.0.0.1", 8000)
    assert made["title"] == f"irdesk player view: {iid}"
    # a shell command (textual-serve starts it with a shell), quoted: the path has a space
    assert shlex.split(made["command"]) == [
        sys.executable,
        "-m",
        "irdesk",
        "drill",
        "--player",
        iid,
        "--journal",
        str(journal.resolve()),
    ]
    assert "http://127.0.0.1:8000" in result.output
    assert "ssh -N -L 8000:127.0.0.1:8000" in result.output
    assert "warning" not in result.output


def test_serve_on_another_address_says_what_it_exposes(tmp_path, fake_textual_serve, launched):
    journal = tmp_path / "j.db"
    iid = declare_drill(journal)
    result, _ = run_with_screens(
        "drill", "--player", iid, "--serve", "--host", "0.0.0.0", "--port", "8123",
        "--journal", str(journal),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    [made] = fake_textual_serve.made
    assert (made["host"], made["port"]) == ("0.0.0.0", 8123)
    assert "warning: listening on 0.0.0.0: anyone who can reach this machine on port 8123" in (
        result.output
    )


def test_serve_checks_the_drill_before_listening(tmp_path, fake_textual_serve, launched):
    journal = tmp_path / "j.db"
    declare_drill(journal)
    result, _ = run_with_screens("drill", "--player", "D-9", "--serve", "--journal", str(journal))
    assert "no incident D-9" in one_line_error(result)
    assert fake_textual_serve.made == []


def test_serve_without_the_extra_says_how_to_get_it(tmp_path, monkeypatch, launched):
    journal = tmp_path / "j.db"
    iid = declare_drill(journal)
    monkeypatch.setitem(sys.modules, "textual_serve", None)  # not installed
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    result, _ = run_with_screens("drill", "--player", iid, "--serve", "--journal", str(journal))
    assert "needs the serve extra: pip install 'irdesk[serve]'" in one_line_error(result)


def test_help_says_how_to_reach_the_browser_view_safely():
    result = run("drill", "--help")
    text = " ".join(result.output.split())
    assert "SSH tunnel" in text and "ssh -N -L 8000:127.0.0.1:8000" in text
    assert "--host 0.0.0.0 would show the drill, without a password or encryption" in text
