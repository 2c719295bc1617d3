"""Opening an incident reads its entries without uid, prev_hash and hash (the fold reads
none of them): the state it opens to must be the fold of the entries read whole, on
incidents, drills and reviews, with damaged rows, corrections and clashes among them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from fixtures_report.scripts import fixed_uids, fixture_catalog, script_drill, script_incident
from helpers_store import damage_ticks

from irdesk.domain.fold import IncidentState
from irdesk.domain.incident import K
from irdesk.services.desk import Desk
from irdesk.store import Journal

#: (column, value) written over one check.ticked entry each: a payload that is not JSON, one
#: that is not an object, a time that does not parse, and a payload of the wrong shape
DAMAGE = (
    ("payload", "{not json"),
    ("payload", "[1, 2, 3]"),
    ("occurred_at", "yesterday-ish"),
    ("payload", {"item": "the third one"}),
)


def _clash(journal: Journal, incident_id: str) -> None:
    """A second responder's tick of an item already ticked and a second finish of a step
    already done, written anyway (two screens racing): kept as clashes."""
    [tick] = [e for e in journal.entries(incident_id) if e.kind == K.TICKED][-1:]
    [done] = [e for e in journal.entries(incident_id) if e.kind == K.STEP_DONE][-1:]
    journal.append(incident_id, K.TICKED, dict(tick.payload), actor="ben")
    journal.append(incident_id, K.STEP_DONE, dict(done.payload), actor="ben")


def _assert_opens_to_the_whole_fold(path: Path, incident_id: str) -> IncidentState:
    with Journal.open(path, readonly=True) as journal:
        desk = Desk(journal, catalog=fixture_catalog(), actor="ada")
        session = desk.session(incident_id)
        whole = list(journal.entries(incident_id))
        light = list(journal.entries(incident_id, chain_fields=False))
        assert whole and all(e.uid and e.hash and e.prev_hash for e in whole)
        # the same entries, but for the three fields left unread
        unread = {"uid": "", "prev_hash": "", "hash": ""}
        assert light == [dataclasses.replace(e, **unread) for e in whole]
        folded = IncidentState.fold(session.playbook, whole, session.scenario)
        assert session.state == folded
        assert session.state.entry_count == len(whole)
        return session.state


def test_an_incident_with_a_review_damage_corrections_and_clashes_opens_to_its_fold(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.db"
    with fixed_uids():
        scripted = script_incident(path, fixture_catalog())
    _clash(scripted.journal, scripted.incident)
    scripted.journal.close()
    damaged = damage_ticks(path, scripted.incident, DAMAGE)

    state = _assert_opens_to_the_whole_fold(path, scripted.incident)
    assert [seq for seq, _ in state.damaged] == damaged
    assert state.corrections and state.clashes and state.ext["review"].entries
    _assert_opens_to_the_whole_fold(path, scripted.earlier)


def test_a_drill_opens_to_its_fold(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    with fixed_uids():
        scripted = script_drill(path, fixture_catalog())
    scripted.journal.close()
    state = _assert_opens_to_the_whole_fold(path, scripted.drill)
    assert state.ext["drill"].injects


@pytest.mark.parametrize("page_size", [1, 3, 250])
def test_a_light_read_pages_like_a_whole_one(tmp_path: Path, page_size: int) -> None:
    path = tmp_path / "journal.db"
    with fixed_uids():
        scripted = script_incident(path, fixture_catalog())
    journal, iid = scripted.journal, scripted.incident
    whole = [e.seq for e in journal.entries(iid, after_seq=2, until_seq=40)]
    light = journal.entries(iid, after_seq=2, until_seq=40, page_size=page_size, chain_fields=False)
    assert [e.seq for e in light] == whole == list(range(3, 41))
    journal.close()
