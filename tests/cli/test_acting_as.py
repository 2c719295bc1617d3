"""The command line acts as ``--as NAME``, else $IRDESK_ACTOR, else the name the desk
remembers for this login, else the login; a name that cannot be one is one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from irdesk.cli import main
from irdesk.services import actor as identity
from irdesk.store import Journal


@pytest.fixture(autouse=True)
def login_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IRDESK_ACTOR", raising=False)
    monkeypatch.setattr(identity, "login_name", lambda: "root")


def irdesk(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def actors(journal_path: Path, incident_id: str) -> list[tuple[str, str | None]]:
    with Journal.open(journal_path, readonly=True) as journal:
        return [(e.actor, e.role) for e in journal.entries(incident_id)]


def test_the_remembered_name_then_as_name_the_person(tmp_path: Path) -> None:
    journal = str(tmp_path / "journal.db")
    identity.remember("Ravi Iyer")
    iid = irdesk("declare", "account-compromise", "--title", "Phish", "--journal", journal)
    irdesk("log", "--incident", iid, "--journal", journal, "isolated the laptop")
    irdesk("--as", "Lena Fischer", "log", "--incident", iid, "--journal", journal, "comms out")
    assert actors(tmp_path / "journal.db", iid) == [
        ("Ravi Iyer", "commander"),
        ("Ravi Iyer", "commander"),
        ("Lena Fischer", None),
    ]


def test_a_name_that_cannot_be_one_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["declare", "account-compromise", "--title", "x", "--journal", str(tmp_path / "j.db")]
        + ["--as", "Ravi\x1b[2J"],
    )
    assert result.exit_code == 2
    assert result.stderr == "irdesk: a name cannot hold control characters\n"
