"""The journal store's API: declaring, appending, reading, idempotency, live polling."""

from __future__ import annotations

import dataclasses
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from irdesk.domain.clock import FixedClock, format_ts
from irdesk.domain.entry import Entry
from irdesk.store import (
    GENESIS_HASH,
    IncidentRecord,
    Journal,
    JournalError,
    JournalReadOnly,
    UnknownIncident,
    canonical_json,
    entry_hash,
)

try:
    from helpers_store import PLAYBOOK_SHA, declare, plan, python, queries, subprocess_env
except ImportError:  # tests/ as a package
    from tests.helpers_store import (
        PLAYBOOK_SHA,
        declare,
        plan,
        python,
        queries,
        subprocess_env,
    )


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IRDESK_HOME", str(tmp_path / "home"))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 23, 9, 0, 0, 123456, tzinfo=UTC))


@pytest.fixture
def journal(tmp_path: Path, clock: FixedClock):
    with Journal.open(tmp_path / "j.db", clock=clock) as opened:
        yield opened


def test_declare_writes_record_and_entry_one(journal: Journal, clock: FixedClock):
    rec = declare(
        journal,
        scenario_id="ransomware",
        scenario_sha256="cd" * 32,
        payload={"summary": "checkout failing"},
    )
    assert isinstance(rec, IncidentRecord)
    assert rec.id == "INC-0001"
    assert (rec.mode, rec.status, rec.severity) == ("live", "open", "SEV2")
    assert (rec.playbook_id, rec.playbook_version, rec.playbook_sha256) == (
        "web-outage",
        "1.2",
        PLAYBOOK_SHA,
    )
    assert (rec.scenario_id, rec.scenario_sha256) == ("ransomware", "cd" * 32)
    # recorded_at has millisecond precision
    assert rec.created_at == datetime(2026, 11, 23, 9, 0, 0, 123000, tzinfo=UTC)
    assert rec.updated_at == rec.created_at and rec.closed_at is None
    assert (rec.last_seq, rec.entry_count) == (1, 1)
    assert journal.incident(rec.id) == rec

    first = journal.get_entry(rec.id, 1)
    assert first.kind == "incident.declared"
    assert first.prev_hash == GENESIS_HASH and first.hash == rec.head_hash
    assert first.payload == {
        "summary": "checkout failing",
        "mode": "live",
        "title": rec.title,
        "severity": "SEV2",
        "playbook_id": "web-outage",
        "playbook_version": "1.2",
        "playbook_sha256": PLAYBOOK_SHA,
        "scenario_id": "ransomware",
        "scenario_sha256": "cd" * 32,
    }


def test_ids_are_allocated_per_mode(journal: Journal):
    ids = [declare(journal, mode=m).id for m in ("live", "drill", "live", "drill", "drill")]
    assert ids == ["INC-0001", "DRL-0001", "INC-0002", "DRL-0002", "DRL-0003"]


def test_declare_rejects_bad_metadata(journal: Journal):
    with pytest.raises(ValueError, match="mode"):
        declare(journal, mode="practice")
    with pytest.raises(ValueError, match="title"):
        declare(journal, title="  ")
    with pytest.raises(ValueError, match="contradicts"):
        declare(journal, payload={"mode": "drill"})
    assert journal.incidents() == []


def test_append_chains_entries(journal: Journal, clock: FixedClock):
    rec = declare(journal)
    clock.advance(5)
    e = journal.append(
        rec.id, "note.added", {"text": "paged DBA", "n": 1}, actor="bob", role="scribe"
    )
    assert isinstance(e, Entry)
    assert (e.seq, e.kind, e.actor, e.role) == (2, "note.added", "bob", "scribe")
    assert e.prev_hash == rec.head_hash
    assert e.recorded_at == e.occurred_at == datetime(2026, 11, 23, 9, 0, 5, 123000, tzinfo=UTC)
    assert e.hash == entry_hash(
        rec.id,
        2,
        e.uid,
        "note.added",
        "bob",
        "scribe",
        format_ts(e.occurred_at),
        format_ts(e.recorded_at),
        None,
        None,
        canonical_json(e.payload),
        e.prev_hash,
    )
    assert journal.get_entry(rec.id, 2) == e
    after = journal.incident(rec.id)
    assert (after.last_seq, after.entry_count, after.head_hash) == (2, 2, e.hash)
    assert after.updated_at == e.recorded_at
    assert journal.last_seq(rec.id) == 2 and journal.entry_count(rec.id) == 2


def test_payload_is_stored_canonically(journal: Journal, tmp_path: Path):
    rec = declare(journal)
    journal.append(rec.id, "note.added", {"b": [1, 2.5, None], "a": 'é\n"x"'}, actor="bob")
    raw = (
        sqlite3.connect(tmp_path / "j.db")
        .execute("SELECT payload FROM entries WHERE seq = 2")
        .fetchone()[0]
    )
    assert raw == '{"a":"é\\n\\"x\\"","b":[1,2.5,null]}'


def test_append_validates_before_writing(journal: Journal):
    rec = declare(journal)
    for kwargs, match in [
        ({"kind": "", "payload": {}, "actor": "bob"}, "kind"),
        ({"kind": "note.added", "payload": {}, "actor": ""}, "actor"),
        ({"kind": "note.added", "payload": [1], "actor": "bob"}, "payload"),
        ({"kind": "note.added", "payload": {"x": float("nan")}, "actor": "bob"}, "JSON"),
        ({"kind": "note.added", "payload": {"x": object()}, "actor": "bob"}, "JSON"),
        ({"kind": "incident.declared", "payload": {}, "actor": "bob"}, "create_incident"),
        ({"kind": "note.added", "payload": {}, "actor": "bob", "corrects": 0}, "corrects"),
        ({"kind": "note.added", "payload": {}, "actor": "bob", "corrects": True}, "corrects"),
        ({"kind": "finding.recorded", "payload": {}, "actor": "bob"}, "create_incident"),
        ({"kind": "desk.opened", "payload": {}, "actor": "bob"}, "desk"),
    ]:
        with pytest.raises(ValueError, match=match):
            journal.append(rec.id, **kwargs)
    assert journal.last_seq(rec.id) == 1


def test_unknown_incident(journal: Journal):
    """UnknownIncident is a JournalError with a sentence (and a KeyError for lookups)."""
    with pytest.raises(UnknownIncident) as info:
        journal.append("INC-0404", "note.added", {}, actor="bob")
    assert str(info.value) == f"no incident INC-0404 in {journal.path}"
    assert isinstance(info.value, JournalError)
    with pytest.raises(KeyError):
        journal.incident("INC-0404")
    with pytest.raises(KeyError):
        journal.last_seq("INC-0404")
    with pytest.raises(KeyError):
        journal.entry_count("INC-0404")
    assert list(journal.entries("INC-0404")) == []
    assert journal.get_entry("INC-0404", 1) is None


def test_backdating_needs_a_reason(journal: Journal, clock: FixedClock):
    rec = declare(journal)
    earlier = clock.now() - timedelta(minutes=20)
    with pytest.raises(ValueError, match="backdate_reason"):
        journal.append(rec.id, "note.added", {"text": "x"}, actor="bob", occurred_at=earlier)
    assert journal.last_seq(rec.id) == 1  # nothing written
    e = journal.append(
        rec.id,
        "note.added",
        {"text": "x"},
        actor="bob",
        occurred_at=earlier,
        backdate_reason="typed up from the phone call",
    )
    assert e.backdated and e.backdate_reason == "typed up from the phone call"
    assert e.occurred_at == datetime(2026, 11, 23, 8, 40, 0, 123000, tzinfo=UTC)
    assert e.recorded_at == datetime(2026, 11, 23, 9, 0, 0, 123000, tzinfo=UTC)
    # within a second is not backdating
    e2 = journal.append(
        rec.id, "note.added", {}, actor="bob", occurred_at=clock.now() - timedelta(milliseconds=900)
    )
    assert not e2.backdated


def test_declaration_can_be_backdated(journal: Journal, clock: FixedClock):
    began = clock.now() - timedelta(hours=2)
    with pytest.raises(ValueError, match="backdate_reason"):
        declare(journal, occurred_at=began)
    rec = declare(journal, occurred_at=began, backdate_reason="alert fired before paging")
    first = journal.get_entry(rec.id, 1)
    assert first.occurred_at == began.replace(microsecond=123000)
    assert rec.created_at == first.recorded_at


def test_corrections_reference_an_existing_entry(journal: Journal):
    rec = declare(journal)
    wrong = journal.append(rec.id, "note.added", {"text": "DB is fine"}, actor="bob")
    fix = journal.append(
        rec.id, "note.corrected", {"text": "DB was NOT fine"}, actor="bob", corrects=wrong.seq
    )
    assert fix.corrects == wrong.seq == 2
    with pytest.raises(ValueError, match="no entry 9"):
        journal.append(rec.id, "note.corrected", {}, actor="bob", corrects=9)
    other = declare(journal)
    with pytest.raises(ValueError, match="no entry 3"):
        journal.append(other.id, "note.corrected", {}, actor="bob", corrects=3)
    assert journal.verify().ok


def test_each_named_reader_sees_a_change_once(journal: Journal, tmp_path):
    """Two screens polling one Journal: the first to ask must not hide a change from the
    other (the review screen above the runner missed another terminal's writes)."""
    rec = declare(journal)
    assert journal.has_changed("runner") and journal.has_changed("review")  # first asks
    assert not journal.has_changed("runner") and not journal.has_changed("review")
    with Journal.open(journal.path) as other:
        other.append(rec.id, "note.added", {"text": "elsewhere"}, actor="bob")
    assert journal.has_changed("runner")
    assert journal.has_changed("review")  # still there for the second reader
    assert not journal.has_changed("runner") and not journal.has_changed("review")
    journal.append(rec.id, "note.added", {"text": "here"}, actor="ada")
    assert journal.has_changed("review") and journal.has_changed("runner")


def test_retried_write_with_same_uid_is_recorded_once(journal: Journal):
    rec = declare(journal)
    first = journal.append(rec.id, "note.added", {"text": "hi"}, actor="bob", uid="u-1")
    journal.has_changed()
    again = journal.append(rec.id, "note.added", {"text": "hi"}, actor="bob", uid="u-1")
    assert again == first
    assert journal.last_seq(rec.id) == 2 and journal.entry_count(rec.id) == 2
    assert not journal.has_changed()  # nothing was written
    with pytest.raises(ValueError, match="already used"):
        journal.append(rec.id, "note.added", {"text": "different"}, actor="bob", uid="u-1")
    # the uid belongs to the whole journal, not one incident
    other = declare(journal)
    with pytest.raises(ValueError, match="already used"):
        journal.append(other.id, "note.added", {"text": "hi"}, actor="bob", uid="u-1")


def test_retried_declaration_returns_the_same_incident(journal: Journal):
    a = declare(journal, uid="declare-1")
    b = declare(journal, uid="declare-1")
    assert a == b and [r.id for r in journal.incidents()] == ["INC-0001"]
    with pytest.raises(ValueError, match="already used"):
        declare(journal, uid="declare-1", title="Something else")


def test_the_record_follows_its_chain_in_the_same_write(journal: Journal, clock: FixedClock):
    """Nobody sets the record's summary: the kind and payload of each entry decide it."""
    rec = declare(journal)
    clock.advance(60)
    journal.append(rec.id, "severity.changed", {"severity": "SEV1", "from": "SEV2"}, actor="bob")
    journal.append(rec.id, "status.changed", {"status": "containing"}, actor="bob")
    e = journal.append(rec.id, "incident.closed", {"summary": "done"}, actor="bob")
    after = journal.incident(rec.id)
    assert (after.severity, after.title, after.status) == ("SEV1", rec.title, "closed")
    assert after.closed_at == e.recorded_at
    assert after.updated_at == e.recorded_at and after.head == (4, e.hash)
    clock.advance(60)
    journal.append(
        rec.id, "incident.reopened", {"reason": "again", "status": "investigating"}, actor="bob"
    )
    reopened = journal.incident(rec.id)
    assert (reopened.status, reopened.closed_at) == ("investigating", None)
    done = journal.append(rec.id, "step.done", {"step": "wrap", "marks": "closed"}, actor="bob")
    assert journal.incident(rec.id).status == "closed"
    assert journal.incident(rec.id).closed_at == done.recorded_at
    journal.append(rec.id, "step.done", {"step": "other", "marks": "contained"}, actor="bob")
    assert journal.incident(rec.id).status == "closed"


def test_the_record_cannot_be_edited_apart_from_its_chain(journal: Journal):
    """A plain UPDATE of a record's summary or head is refused while the triggers stand."""
    rec = declare(journal)
    conn = sqlite3.connect(journal.path, isolation_level=None)
    for sql in (
        "UPDATE incidents SET status = 'closed'",
        "UPDATE incidents SET title = 'nothing to see'",
        "UPDATE incidents SET last_seq = 7",
        "UPDATE incidents SET head_hash = '00'",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="follows its chain"):
            conn.execute(sql)
    conn.close()
    assert journal.incident(rec.id) == rec


def test_incident_list_newest_first_with_filters(journal: Journal):
    a = declare(journal)
    b = declare(journal, mode="drill")
    c = declare(journal)
    journal.append(a.id, "incident.closed", {}, actor="bob")
    assert [r.id for r in journal.incidents()] == [c.id, b.id, a.id]
    assert [r.id for r in journal.incidents(mode="live")] == [c.id, a.id]
    assert [r.id for r in journal.incidents(status="open")] == [c.id, b.id]
    assert [r.id for r in journal.incidents(mode="live", status="closed")] == [a.id]
    assert [r.id for r in journal.incidents(limit=2)] == [c.id, b.id]


def test_incidents_are_read_a_page_at_a_time(journal: Journal, clock: FixedClock):
    made = [declare(journal, mode="drill" if n % 3 == 0 else "live") for n in range(11)]
    for rec in made[::2]:
        clock.advance(1)
        journal.append(rec.id, "incident.closed", {}, actor="bob")
    everything = journal.incidents()
    assert [r.id for r in everything] == [r.id for r in reversed(made)]
    for filters in ({}, {"closed": True}, {"closed": False}, {"mode": "drill"}, {"limit": 4}):
        expected = [
            r
            for r in everything
            if filters.get("closed") in (None, r.status == "closed")
            and filters.get("mode") in (None, r.mode)
        ][: filters.get("limit")]
        for size in (1, 2, 500):
            paged = journal.each_incident(page_size=size, **filters)
            assert list(paged) == expected, (filters, size)
    pages = journal.each_incident(page_size=3)
    for _ in pages:
        assert not journal._conn.in_transaction  # no read transaction held between pages
    assert journal.incidents(limit=0) == []
    with pytest.raises(ValueError):
        list(journal.each_incident(page_size=0))


def test_the_newest_open_and_closed_are_found_without_reading_the_rest(journal: Journal):
    """Home shows the newest few open and closed incidents: an index finds them, whatever
    the number of the others (SQLite's plan, as run: no scan, no sort)."""
    for _ in range(3):
        declare(journal)
    for closed in (False, True):
        [sql] = queries(journal, lambda c=closed: journal.incidents(closed=c, limit=5))
        shown = plan(journal, sql)
        assert "USING INDEX incidents_by_closed" in shown, shown
        assert "TEMP B-TREE" not in shown, shown
    [sql] = queries(journal, lambda: journal.incidents(limit=5))  # all: the table's own order
    assert "TEMP B-TREE" not in plan(journal, sql) and "INDEX" not in plan(journal, sql)


def test_entries_by_kind_are_found_through_the_index(journal: Journal, clock: FixedClock):
    a, b = declare(journal), declare(journal)
    wanted = {"milestone", "incident.closed"}
    for n in range(12):
        clock.advance(1)
        kind = ("note.added", "milestone", "note.added", "incident.closed")[n % 4]
        journal.append((a, b)[n % 3 == 0].id, kind, {"n": n}, actor="bob")
    everything = [e for rec in (a, b) for e in journal.entries(rec.id)]
    found = journal.entries_by_kind(wanted)
    assert found == [e for e in everything if e.kind in wanted]  # by incident, then seq
    assert found and journal.entries_by_kind(wanted, incident_id=b.id) == [
        e for e in found if e.incident_id == b.id
    ]
    assert journal.entries_by_kind([]) == []
    for one in (None, b.id):
        [sql] = queries(journal, lambda i=one: journal.entries_by_kind(wanted, incident_id=i))
        shown = plan(journal, sql)
        # never the primary key: that is every entry of the incident (or of the journal)
        assert "USING INDEX entries_by_kind" in shown and "PRIMARY KEY" not in shown, shown
    conn = sqlite3.connect(journal.path)
    conn.execute("DROP INDEX entries_by_kind")  # by hand: slower then, never wrong
    conn.close()
    with Journal.open(journal.path, readonly=True) as again:
        assert again.entries_by_kind(wanted) == found


def test_entries_read_or_appended_are_the_entries_the_constructor_builds(
    journal: Journal, clock: FixedClock
):
    """The store builds entries without Entry.__init__ (it is most of the cost of a read):
    they must be the same in every field, and still frozen."""
    import dataclasses

    rec = declare(journal)
    clock.advance(3)
    appended = journal.append(
        rec.id,
        "milestone",
        {"name": "detected", "at": [1, 2.5, None, True]},
        actor="bob",
        role="ic",
        occurred_at=clock.now() - timedelta(minutes=5),
        backdate_reason="the first alert",
        corrects=1,
    )
    read = journal.get_entry(rec.id, 2)
    for entry in (appended, read):
        built = Entry(**{f.name: getattr(entry, f.name) for f in dataclasses.fields(Entry)})
        assert vars(entry) == vars(built) and entry == built
        assert entry.damage is None and entry.occurred_at.tzinfo is UTC
        with pytest.raises(dataclasses.FrozenInstanceError):
            entry.kind = "note.added"  # type: ignore[misc]
    assert dataclasses.replace(read, seq=9).seq == 9
    import uuid

    for _ in range(200):  # uids the store makes are uuid4s, hex
        uid = journal.append(rec.id, "note", {}, actor="bob").uid
        assert uuid.UUID(uid).version == 4 and uuid.UUID(uid).hex == uid


def test_paged_entries_are_the_entries_read_one_by_one_however_their_rows_were_written(
    journal: Journal, clock: FixedClock
):
    """entries() builds a row written as irdesk writes it in its own loop and hands any
    other to the one-by-one reader: a time with an offset or without one, JSON with
    spaces around it, a damaged row (its stand-in time the previous entry's), each gives
    the Entry get_entry() gives, on every page boundary."""
    rec = declare(journal)
    for n in range(2, 13):
        clock.advance(1)
        journal.append(
            rec.id,
            "milestone" if n % 3 else "note",
            {"n": n, "text": "x" * n},
            actor="bob",
            role=None if n % 2 else "ic",
            occurred_at=clock.now() - timedelta(seconds=n % 4),
            backdate_reason="seen earlier" if n % 4 else None,
            corrects=n - 1 if n % 5 == 0 else None,
        )
    journal.close()
    odd = {
        3: ("occurred_at", "2026-11-23T10:00:00.000+01:00"),  # an offset: same instant in UTC
        4: ("recorded_at", "2026-11-23T09:00:04.000"),  # no zone
        5: ("payload", ' {"text": "spaced"} '),
        6: ("payload", '{"text":"one"} {"text":"two"}'),  # damaged: not (one) JSON
        12: ("payload", '{"text":"trailing"}  '),
        7: ("payload", "[1]"),  # damaged: not an object
        8: ("occurred_at", "soon"),  # damaged: not a time
        9: ("recorded_at", "later"),
        10: ("payload", "{not json"),
    }
    conn = sqlite3.connect(journal.path, isolation_level=None)
    conn.execute("DROP TRIGGER entries_no_update")  # as someone editing the file would
    for seq, (column, value) in odd.items():
        conn.execute(
            f"UPDATE entries SET {column} = ? WHERE incident_id = ? AND seq = ?",
            (value, rec.id, seq),
        )
    conn.execute(
        "UPDATE entries SET occurred_at = 'never', recorded_at = 'ever' "
        "WHERE incident_id = ? AND seq = 11",
        (rec.id,),
    )
    conn.close()
    with Journal.open(journal.path, readonly=True) as ro:
        one_by_one = [ro.get_entry(rec.id, seq) for seq in range(1, 13)]
        # get_entry has no previous entry: a row with no readable time stands in with its own
        one_by_one[10] = dataclasses.replace(
            one_by_one[10],
            occurred_at=one_by_one[9].recorded_at,
            recorded_at=one_by_one[9].recorded_at,
        )
        assert [e.damage is not None for e in one_by_one] == [
            seq in (6, 7, 8, 9, 10, 11) for seq in range(1, 13)
        ]
        assert one_by_one[2].occurred_at == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        assert one_by_one[4].payload == {"text": "spaced"}
        assert one_by_one[11].payload == {"text": "trailing"}
        for size in (1, 2, 5, 250):
            assert list(ro.entries(rec.id, page_size=size)) == one_by_one


def test_entries_are_paged(journal: Journal, monkeypatch: pytest.MonkeyPatch):
    rec = declare(journal)
    for n in range(2, 24):
        journal.append(rec.id, "note.added", {"n": n}, actor="bob")
    seen = []
    pages = journal.entries(rec.id, page_size=5)
    for entry in pages:
        seen.append(entry.seq)
        assert not journal._conn.in_transaction  # no read transaction held between pages
    assert seen == list(range(1, 24))
    assert [e.seq for e in journal.entries(rec.id, after_seq=20)] == [21, 22, 23]
    assert [e.seq for e in journal.entries(rec.id, after_seq=3, until_seq=6, page_size=2)] == [
        4,
        5,
        6,
    ]
    assert [e.seq for e in journal.entries(rec.id, after_seq=23)] == []
    with pytest.raises(ValueError):
        list(journal.entries(rec.id, page_size=0))


def test_entries_keep_memory_flat(journal: Journal):
    """Paging fetches page_size rows per query, however long the incident."""
    rec = declare(journal)
    for n in range(2, 51):
        journal.append(rec.id, "note.added", {"n": n}, actor="bob")
    fetched: list[int] = []
    journal._conn.set_trace_callback(lambda sql: fetched.append(1) if "LIMIT" in sql else None)
    try:
        assert sum(1 for _ in journal.entries(rec.id, page_size=10)) == 50
    finally:
        journal._conn.set_trace_callback(None)
    assert len(fetched) == 6  # 5 full pages and one empty


def test_has_changed_sees_own_and_other_writes(tmp_path: Path, journal: Journal):
    rec = declare(journal)
    assert journal.has_changed()  # our own declaration
    assert not journal.has_changed()
    with Journal.open(tmp_path / "j.db") as other:
        version = journal.data_version()
        assert not journal.has_changed()
        other.append(rec.id, "note.added", {"text": "from another responder"}, actor="carol")
        assert journal.data_version() != version
        assert journal.has_changed()
        assert not journal.has_changed()
        assert other.has_changed() and not other.has_changed()


def test_has_changed_sees_another_process(tmp_path: Path, journal: Journal):
    rec = declare(journal)
    journal.has_changed()
    code = (
        "import sys; from irdesk.store import Journal\n"
        "with Journal.open(sys.argv[1]) as j:\n"
        "    j.append(sys.argv[2], 'note.added', {'text': 'hello'}, actor='dave')\n"
    )
    subprocess.run(
        [python(), "-c", code, str(tmp_path / "j.db"), rec.id],
        check=True,
        env=subprocess_env(),
        timeout=60,
    )
    assert journal.has_changed()
    assert [e.actor for e in journal.entries(rec.id)][-1] == "dave"


def test_readonly_journal_refuses_writes(tmp_path: Path, journal: Journal):
    rec = declare(journal)
    with Journal.open(tmp_path / "j.db", readonly=True) as ro:
        assert ro.incident(rec.id) == journal.incident(rec.id)
        with pytest.raises(JournalReadOnly, match="read-only"):
            ro.append(rec.id, "note.added", {}, actor="bob")
        with pytest.raises(JournalReadOnly):
            declare(ro)


def test_entry_by_uid(journal: Journal):
    rec = declare(journal)
    e = journal.append(rec.id, "note.added", {}, actor="bob", uid="abc")
    assert journal.entry_by_uid("abc") == e
    assert journal.entry_by_uid("nope") is None


def test_default_journal_path_honours_irdesk_home(tmp_path: Path):
    from irdesk.paths import default_journal_path

    with Journal.open(default_journal_path()) as journal:
        declare(journal)
    assert (tmp_path / "home" / "journal.db").is_file()


def test_unicode_and_control_characters_verify(journal: Journal):
    rec = declare(journal, title='Ünïcødé "quoted" \\ title\u2028')
    entry = journal.append(
        rec.id,
        "note.ädded\t",
        {
            "text": "line1\nline2\x00\x1f\x7f \ud7ff 😀",
            "nested": {"z": [True, False, None, -0.5e-7]},
        },
        actor='björk "the" ic',
        role="r\\ole",
    )
    report = journal.verify()
    assert report.ok, report.problems
    assert report.heads[rec.id] == (2, entry.hash)
    assert journal.get_entry(rec.id, 2) == entry  # every character came back as written
    assert journal.incident(rec.id).title == 'Ünïcødé "quoted" \\ title\u2028'


def test_runtime_state_is_kept_apart_from_the_record(journal: Journal, clock: FixedClock):
    rec = declare(journal)
    head = journal.incident(rec.id).head
    journal.put_runtime("watcher", "host-1", {"pid": 42, "state": "running"})
    clock.advance(30)
    journal.put_runtime("watcher", "host-1", {"pid": 42, "state": "scanning"})
    journal.put_runtime("scan", "auth", {"offset": 10})
    [(key, (value, when))] = journal.runtime("watcher").items()
    assert (key, value, when) == (
        "host-1",
        {"pid": 42, "state": "scanning"},
        clock.now().replace(microsecond=clock.now().microsecond // 1000 * 1000),
    )
    journal.drop_runtime("watcher", "host-1")
    assert journal.runtime("watcher") == {} and list(journal.runtime("scan")) == ["auth"]
    assert journal.incident(rec.id).head == head  # nothing appended to any chain
    assert journal.verify().ok


# --------------------------------------------------------------------------- transactions


def test_a_transaction_commits_its_writes_together(journal: Journal, tmp_path: Path):
    rec = declare(journal)
    with journal.transaction():
        journal.append(rec.id, "note", {"text": "one"}, actor="bob")
        journal.put_runtime("scan", "checkpoints", {"files": []})
        finding = journal.create_incident(
            chain="finding",
            mode="live",
            title="guessing",
            severity="SEV3",
            playbook_id="ssh-guessing",
            playbook_version="rules/1",
            playbook_sha256=PLAYBOOK_SHA,
            actor="scan",
        )
        # another connection sees none of it yet, and cannot write meanwhile
        other = sqlite3.connect(tmp_path / "j.db", timeout=0.05, isolation_level=None)
        assert other.execute("SELECT count(*) FROM entries").fetchone() == (1,)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
    assert [e.kind for e in journal.entries(rec.id)] == ["incident.declared", "note"]
    assert journal.incident(finding.id).status == "new"
    assert journal.runtime("scan")["checkpoints"][0] == {"files": []}
    assert journal.verify().ok


def test_an_error_in_a_transaction_undoes_all_of_it(journal: Journal):
    rec = declare(journal)
    with pytest.raises(RuntimeError), journal.transaction():
        journal.append(rec.id, "note", {"text": "kept?"}, actor="bob")
        journal.desk()
        raise RuntimeError("the check failed")
    assert journal.last_seq(rec.id) == 1
    with pytest.raises(UnknownIncident):
        journal.incident("DESK")
    journal.append(rec.id, "note", {"text": "after"}, actor="bob")  # the journal goes on
    assert journal.last_seq(rec.id) == 2 and journal.verify().ok


def test_a_refused_uid_inside_a_transaction_leaves_the_rest(journal: Journal):
    rec = declare(journal)
    journal.append(rec.id, "note", {"text": "first"}, actor="bob", uid="once")
    with journal.transaction():
        with pytest.raises(ValueError, match="already used"):
            journal.append(rec.id, "note", {"text": "other words"}, actor="bob", uid="once")
        journal.append(rec.id, "note", {"text": "second"}, actor="bob")
    assert [e.payload.get("text") for e in journal.entries(rec.id)][1:] == ["first", "second"]
    assert journal.verify().ok
