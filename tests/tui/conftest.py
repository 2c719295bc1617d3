"""Fixtures for the TUI tests: a fixed clock, a journal in tmp_path, the catalog of the
playbooks and scenarios the tests own (tests/tui/playbooks, tests/tui/scenarios: copies of
the bundled ones, which users are invited to edit), a roster whose notify command records
its argv, and an app factory.

Every app runs at 130x40 with the journal label ``journal.db`` so screens (and snapshots)
read the same on every machine.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tui_helpers import (
    ACTOR,
    NOTIFY_SCRIPT,
    PLAYBOOKS_AND_SCENARIOS,
    START,
    catalog_sources,
    write_roster,
)

from irdesk.domain.clock import FixedClock
from irdesk.domain.models import Roster
from irdesk.formats.catalog import Catalog
from irdesk.formats.loader import load_file
from irdesk.services.desk import Desk
from irdesk.services.incident import IncidentSession
from irdesk.store import Journal
from irdesk.tui.app import IrdeskApp


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The tests' own playbooks and scenarios (loaded once: models are frozen)."""
    loaded = Catalog.load(PLAYBOOKS_AND_SCENARIOS)
    assert not loaded.invalid, loaded.invalid
    return loaded


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    return tmp_path / "journal.db"


@pytest.fixture
def journal(journal_path: Path, clock: FixedClock) -> Iterator[Journal]:
    with Journal.open(journal_path, clock=clock) as opened:
        yield opened


@pytest.fixture
def notify_log(tmp_path: Path) -> Path:
    """Where the recording notify script writes one JSON list of its argv per run."""
    return tmp_path / "notify-calls.jsonl"


@pytest.fixture
def notify_script(tmp_path: Path, notify_log: Path) -> Path:
    script = tmp_path / "record_notify.py"
    script.write_text(NOTIFY_SCRIPT.format(log=str(notify_log)))
    return script


@pytest.fixture
def notify_command(notify_script: Path) -> list[str]:
    """argv form: each placeholder inside its own argument, one with a fixed prefix."""
    return [
        sys.executable,
        str(notify_script),
        "irdesk: {incident}",
        "{timer}",
        "{level}",
        "{role}",
        "{people}",
        "{message}",
    ]


@pytest.fixture
def roster_path(tmp_path: Path, notify_command: list[str]) -> Path:
    path = tmp_path / "roster.yaml"
    write_roster(path, notify_command)
    return path


@pytest.fixture
def roster(roster_path: Path) -> Roster:
    result = load_file(roster_path, expect="roster")
    assert result.ok, result.errors
    return result.model


@pytest.fixture
def desk(journal: Journal, catalog: Catalog, roster: Roster, clock: FixedClock) -> Desk:
    return Desk(
        journal,
        catalog=catalog,
        sources=catalog_sources(),
        roster=roster,
        clock=clock,
        actor=ACTOR,
    )


@pytest.fixture
def declare(desk: Desk) -> Callable[..., IncidentSession]:
    """Declare an incident through the service (account-compromise unless told)."""

    def make(
        playbook: str = "account-compromise", title: str = "Phished mailbox", **kwargs
    ) -> IncidentSession:
        kwargs.setdefault("severity", "SEV2")
        kwargs.setdefault("commander", ACTOR)
        return desk.declare(desk.catalog.playbooks[playbook], title=title, **kwargs)

    return make


@pytest.fixture
def make_app(desk: Desk, roster_path: Path) -> Callable[..., IrdeskApp]:
    def make(
        open_incident: str | None = None,
        *,
        desk_: Desk | None = None,
        roster_path_: Path | None = None,
    ) -> IrdeskApp:
        return IrdeskApp(
            desk_ or desk,
            open_incident=open_incident,
            journal_label="journal.db",
            roster_path=roster_path_ or roster_path,
        )

    return make
