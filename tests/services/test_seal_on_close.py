"""Sealing on close (issue 10): with a ``seal:`` section in the config, closing an
incident or a drill seals its head with a throwaway SSH key; without one nothing changes;
a seal that cannot be made or does not verify is a defect, and the incident is closed
all the same."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers_seal import allowed, make_key

from irdesk import paths
from irdesk.cli import main
from irdesk.domain.config import SealSettings
from irdesk.services import defects
from irdesk.services.desk import Desk
from irdesk.services.sealing import ON_CLOSE
from irdesk.store import Journal
from irdesk.store import seals as seal_format

pytestmark = pytest.mark.skipif(
    shutil.which("ssh-keygen") is None, reason="needs ssh-keygen (openssh-client)"
)


def write_config(home: Path, text: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.yaml"
    path.write_text(f"irdesk: config/1\n{text}")
    path.chmod(0o600)


def declare(desk: Desk, mode: str = "live"):  # noqa: ANN201
    playbook = desk.catalog.playbook("account-compromise")
    return desk.declare(playbook, title="Stolen laptop", mode=mode)


def open_seal_defects(journal: Journal) -> list[str]:
    return [d.detail for d in defects.ledger(journal).open.values() if d.key == ON_CLOSE]


def test_closing_seals_the_head_with_the_configured_key(irdesk_home, tmp_path):
    key = make_key(tmp_path, "ada")
    signers = allowed(tmp_path, {"ada@example.org": key})
    write_config(
        irdesk_home,
        f"seal:\n  key: {key}\n  principal: ada@example.org\n  allowed_signers: {signers}\n",
    )
    with Journal.open(paths.default_journal_path()) as journal:
        desk = Desk(journal, actor="Ada Moreno")
        session = declare(desk)
        closed = session.close("contained")
        entries = list(journal.entries(session.incident_id))
        last = entries[-1]
        assert last.kind == seal_format.KIND and last.seq == closed.seq + 1
        assert last.payload["principal"] == "ada@example.org"
        assert last.payload["seq"] == closed.seq  # it signed the closed head
        assert session.state.closed and open_seal_defects(journal) == []
    done = CliRunner().invoke(main, ["verify", session.incident_id])  # signers from config
    assert done.exit_code == 0, done.output
    assert "seals: 1 good" in done.output


def test_a_drill_is_sealed_when_it_closes_too(irdesk_home, tmp_path):
    key = make_key(tmp_path, "ada")
    with Journal.open(paths.default_journal_path()) as journal:
        desk = Desk(journal, actor="Ada", seal=SealSettings(str(key), "ada"))
        drill = declare(desk, mode="drill")
        drill.close("exercise finished")
        kinds = [e.kind for e in journal.entries(drill.incident_id)]
        assert kinds[-1] == seal_format.KIND


def test_without_a_seal_section_closing_changes_nothing(irdesk_home):
    with Journal.open(paths.default_journal_path()) as journal:
        session = declare(Desk(journal, actor="Ada"))
        closed = session.close()
        assert journal.incident(session.incident_id).head.seq == closed.seq
        assert open_seal_defects(journal) == []


def test_on_close_false_leaves_sealing_to_irdesk_seal(irdesk_home, tmp_path):
    key = make_key(tmp_path, "ada")
    write_config(irdesk_home, f"seal:\n  key: {key}\n  principal: ada\n  on_close: false\n")
    with Journal.open(paths.default_journal_path()) as journal:
        session = declare(Desk(journal, actor="Ada"))
        closed = session.close()
        assert journal.incident(session.incident_id).head.seq == closed.seq


def test_a_seal_that_cannot_be_made_is_a_defect_and_the_incident_is_closed(tmp_path):
    locked = make_key(tmp_path, "locked", passphrase="correct horse")
    good = make_key(tmp_path, "good")
    with Journal.open(tmp_path / "j.db") as journal:
        desk = Desk(journal, actor="Ada", seal=SealSettings(str(locked), "ada"))
        first = declare(desk)
        first.close()
        assert first.state.closed
        assert journal.incident(first.incident_id).status == "closed"
        (why,) = open_seal_defects(journal)
        assert "ssh-keygen could not sign" in why
        desk.seal = SealSettings(str(good), "ada")
        declare(desk).close()  # the next seal that works closes the defect
        assert open_seal_defects(journal) == []


def test_a_seal_that_does_not_verify_for_its_principal_is_a_defect(tmp_path):
    ada, eve = make_key(tmp_path, "ada"), make_key(tmp_path, "eve")
    signers = allowed(tmp_path, {"ada": ada})
    with Journal.open(tmp_path / "j.db") as journal:
        desk = Desk(journal, actor="Eve", seal=SealSettings(str(eve), "ada", str(signers)))
        declare(desk).close()
        (why,) = open_seal_defects(journal)
        assert "does not verify for ada" in why
