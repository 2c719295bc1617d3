"""A text field given a number keeps what was written (issue 12: YAML numbers in text).

YAML 1.1 reads ``1.10`` as the float 1.1, ``010`` as the octal 8 and ``1:30`` as the
sexagesimal 90. Where a file's key holds text (a version, a title, a name, a label), the
text as written is kept, the same for every kind of file.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from irdesk.domain.models import Playbook, Roster, Scenario
from irdesk.formats.loader import load_file

FIXTURES = Path(__file__).parent.parent / "fixtures"
WRITTEN = ["1.10", "010", "1:30", "0x1F", "1_000", "1e3", "0o17", "+12", ".5"]


def _swap(name: str, old: str, new: str) -> bytes:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1).encode("utf-8")


@pytest.mark.parametrize("written", WRITTEN)
def test_playbook_version_and_title_keep_the_written_number(written: str) -> None:
    data = _swap("playbook-valid.yaml", 'version: "1"', f"version: {written}")
    data = data.replace(b"title: Scribe", f"title: {written}".encode())
    result = load_file("p.yaml", data=data, expect="playbook")
    playbook = result.model_of(Playbook)
    assert playbook is not None, result.problems
    assert playbook.version == written
    assert playbook.role("scribe").title == written


@pytest.mark.parametrize("written", WRITTEN)
def test_a_checklist_item_keeps_the_written_number(written: str) -> None:
    text = (FIXTURES / "playbook-valid.yaml").read_text(encoding="utf-8")
    # the first checklist item of the first step
    marker = "checklist:\n"
    at = text.index(marker) + len(marker)
    indent = text[at:].index("- ")
    data = (text[:at] + " " * indent + f"- {written}\n" + text[at:]).encode()
    playbook = load_file("p.yaml", data=data, expect="playbook").model_of(Playbook)
    assert playbook is not None
    step = next(s for s in playbook.steps if s.checklist)
    assert step.checklist[0].text == written


def test_scenario_title_keeps_the_written_number() -> None:
    playbook = load_file(
        "p.yaml", data=(FIXTURES / "playbook-valid.yaml").read_bytes(), expect="playbook"
    ).model_of(Playbook)
    data = _swap("scenario-valid.yaml", "title: The CEO's mailbox", "title: 1:30")
    result = load_file(
        "s.yaml",
        data=data,
        expect="scenario",
        resolve_playbook=lambda pid: playbook if playbook and pid == playbook.id else None,
    )
    scenario = result.model_of(Scenario)
    assert scenario is not None, result.problems
    assert scenario.title == "1:30"


def test_roster_contact_keeps_the_written_number() -> None:
    data = _swap("roster-valid.yaml", 'contact: "+1 555 0100, ada@example.org"', "contact: 0100")
    roster = load_file("r.yaml", data=data, expect="roster").model_of(Roster)
    assert roster is not None
    assert roster.people[0].contact == "0100"


def test_rules_title_keeps_the_written_number() -> None:
    from irdesk import paths
    from irdesk.formats.rules import RulesFile

    path = paths.bundled_rules_dir() / "privilege.yaml"
    text = path.read_text(encoding="utf-8")
    old = 'title: "{user} tried sudo without being allowed to"'
    assert old in text
    data = text.replace(old, "title: 1.10").encode("utf-8")
    result = load_file("privilege.yaml", data=data, expect="rules")
    rules = result.model_of(RulesFile)
    assert rules is not None, result.problems
    assert rules.rules[0].title == "1.10"


def test_updates_cadence_is_read_by_severity() -> None:
    text = (FIXTURES / "playbook-valid.yaml").read_text(encoding="utf-8")
    good = text.replace("\ntimers:\n", "\nupdates:\n  SEV1: 30m\n  SEV3: 4h\ntimers:\n")
    playbook = load_file("p.yaml", data=good.encode(), expect="playbook").model_of(Playbook)
    assert playbook is not None
    assert playbook.update_every("SEV1") == timedelta(minutes=30)
    assert playbook.update_every("SEV2") is None
    bad = text.replace("\ntimers:\n", "\nupdates:\n  SEV9: 30m\n  SEV1: 30\ntimers:\n")
    result = load_file("p.yaml", data=bad.encode(), expect="playbook")
    messages = [f"{p.key_path}: {p.message}" for p in result.errors]
    assert any(m.startswith("updates.SEV9: unknown key 'SEV9'") for m in messages), messages
    assert any(m.startswith("updates.SEV1: ") for m in messages), messages
