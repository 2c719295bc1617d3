"""Who acts: --as, then $IRDESK_ACTOR, then the name remembered for this login, then the
login; the remembered name lives in the irdesk home, never in a journal."""

from __future__ import annotations

import json

import pytest

from irdesk import paths
from irdesk.domain.incident import ActionError
from irdesk.services import actor as identity
from irdesk.services.actor import remember, remembered, resolve


@pytest.fixture(autouse=True)
def nobody_said(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IRDESK_ACTOR", raising=False)
    monkeypatch.setattr(identity, "login_name", lambda: "root")


def test_the_login_stands_in_until_someone_says_and_is_not_known() -> None:
    who = resolve()
    assert (who.name, who.source, who.known) == ("root", "login", False)


def test_a_remembered_name_is_per_login_and_kept_in_the_home_folder() -> None:
    assert remember("  Ravi   Iyer ") == "Ravi Iyer"
    assert remembered() == "Ravi Iyer"
    assert remembered("kofi") is None
    assert resolve() == identity.Actor("Ravi Iyer", "remembered")
    data = json.loads(paths.identity_path().read_text(encoding="utf-8"))
    assert data == {"format": "irdesk: identity/1", "names": {"root": "Ravi Iyer"}}
    assert paths.identity_path().stat().st_mode & 0o777 == 0o600
    remember("Kofi Mensah", login="kofi")
    assert (remembered(), remembered("kofi")) == ("Ravi Iyer", "Kofi Mensah")


def test_as_beats_the_environment_which_beats_the_remembered_name(monkeypatch) -> None:
    remember("Ravi Iyer")
    monkeypatch.setenv("IRDESK_ACTOR", "Lena Fischer")
    assert resolve().name == "Lena Fischer"
    assert resolve(" Ada Moreno ") == identity.Actor("Ada Moreno", "given")


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("   ", "a name is needed"),
        ("-rf", "cannot start with '-'"),
        ("Ravi\x1b[2J", "control characters"),
        ("x" * 61, "at most 60"),
    ],
)
def test_a_name_that_cannot_be_one_is_refused_in_a_sentence(name: str, why: str) -> None:
    with pytest.raises(ActionError, match=why):
        remember(name)
    assert not paths.identity_path().exists()


def test_an_unreadable_identity_file_counts_as_nothing_remembered() -> None:
    paths.identity_path().parent.mkdir(parents=True)
    paths.identity_path().write_text("{not json", encoding="utf-8")
    assert resolve().source == "login"
    remember("Ravi Iyer")  # saving replaces it
    assert remembered() == "Ravi Iyer"
