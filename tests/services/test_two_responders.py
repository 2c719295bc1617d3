"""Two responders' sessions on one journal: an action looks at the journal again before it
is checked, so a step finished, an option chosen or an item ticked by the other a moment
ago is refused by name instead of journaled twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from irdesk.domain.clock import FixedClock
from irdesk.domain.incident import ActionError, K
from irdesk.formats.catalog import Catalog
from irdesk.services.desk import Desk
from irdesk.store import Journal


@pytest.fixture
def two(tmp_path: Path):  # noqa: ANN201
    clock = FixedClock()
    journal = Journal.open(tmp_path / "journal.db", clock=clock)
    ada = Desk(journal, catalog=Catalog.load(), clock=clock, actor="Ada Moreno")
    session = ada.declare(
        ada.catalog.playbooks["account-compromise"], title="Phish", severity="SEV2"
    )
    ravi = Desk(journal, catalog=ada.catalog, clock=clock, actor="Ravi Iyer")
    other = ravi.session(session.incident_id)
    yield session, other
    journal.close()


def kinds(session) -> list[str]:  # noqa: ANN001
    return [e.kind for e in session.journal.entries(session.incident_id)]


def test_the_same_step_done_twice_is_journaled_once(two) -> None:
    ada, ravi = two
    ada.complete("triage")
    with pytest.raises(ActionError, match="already done"):
        ravi.complete("triage")
    assert kinds(ada).count(K.STEP_DONE) == 1


def test_the_same_item_ticked_twice_names_who_ticked_it(two) -> None:
    ada, ravi = two
    ada.tick("triage", 0)
    with pytest.raises(ActionError, match="is already ticked: Ada Moreno ticked it at"):
        ravi.tick("triage", 0)
    assert kinds(ada).count(K.TICKED) == 1


def test_a_skip_after_the_other_finished_the_step_is_refused(two) -> None:
    ada, ravi = two
    ada.complete("triage")
    with pytest.raises(ActionError):
        ravi.skip("triage", "SOC has it")
    assert K.STEP_SKIPPED not in kinds(ada)
