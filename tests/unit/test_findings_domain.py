"""The pure parts of findings and the checklist: a finding's fold and the checks on what
can be done to it, telling a burst seen twice, the defect ledger, and the checklist's
history (coverage of past incidents, what changed between versions of a rules file)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest

from irdesk.domain.checklist import (
    RULE_REVIEWED,
    RULES_SEEN,
    Checklist,
    RuleFacts,
    rules_seen_payload,
)
from irdesk.domain.defects import CLOSED, OPENED, Found, fold, reconcile, source_key
from irdesk.domain.describe import describe, label
from irdesk.domain.detection import Finding, Rule, Threshold
from irdesk.domain.entry import Entry
from irdesk.domain.finding import (
    FK,
    Burst,
    FindingState,
    burst_span,
    evidence_sha256,
    finding_payload,
)
from irdesk.domain.incident import ActionError
from irdesk.domain.logline import to_us

T0 = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
KEY = (("ip", "203.0.113.9"),)


def entry(iid: str, seq: int, kind: str, payload: dict, at: datetime = T0, actor: str = "ada"):
    return Entry(iid, seq, f"{iid}/{seq}", kind, actor, at, at, payload)


def finding(first: int = 0, last: int = 60, count: int = 5, key=KEY) -> Finding:  # noqa: ANN001
    base = to_us(T0)
    return Finding(
        "ssh-guessing",
        key,
        base + first * 1_000_000,
        base + last * 1_000_000,
        count,
        "auth",
        "SSH guessing from 203.0.113.9",
        ("line one", "line two"),
    )


def recorded(f: Finding, **rule) -> dict:  # noqa: ANN003
    payload = finding_payload(
        f,
        paths=["/var/log/auth.log"],
        origin=rule.get("origin", "external"),
        reference="https://attack.mitre.org/techniques/T1110/001/",
        incident=None,
        playbook=rule.get("playbook", "account-compromise"),
        acknowledge=rule.get("acknowledge", timedelta(minutes=20)),
        rules_file="/etc/irdesk/rules/ssh.yaml",
    )
    return {**payload, "title": f.title, "severity": "SEV3", "playbook_sha256": "ab" * 32}


# --------------------------------------------------------------------------- a finding


def test_the_evidence_hash_is_the_lines_as_a_file_holds_them():
    lines = ("Nov 30 06:00:00 web1 sshd[1]: Failed password", "second ␛ line")
    expected = hashlib.sha256("".join(f"{x}\n" for x in lines).encode()).hexdigest()
    assert evidence_sha256(lines) == expected


def test_a_finding_folds_from_its_chain():
    f = finding()
    state = FindingState.fold("FND-0001", [entry("FND-0001", 1, FK.RECORDED, recorded(f))])
    assert (state.status, state.rule, state.key, state.count) == (
        "new",
        "ssh-guessing",
        {"ip": "203.0.113.9"},
        5,
    )
    assert (state.first, state.last) == (T0, T0 + timedelta(seconds=60))
    assert state.lines == ("line one", "line two")
    assert state.lines_sha256 == evidence_sha256(f.lines)
    assert state.ack_due == T0 + timedelta(minutes=20)
    assert not state.overdue(T0 + timedelta(minutes=20))
    assert state.overdue(T0 + timedelta(minutes=20, seconds=1))
    assert burst_span(state) == "2026-11-30 06:00:00 to 06:01:00 UTC"
    evidence = state.evidence()
    assert evidence["finding"] == "FND-0001" and evidence["id"] == f.id
    assert evidence["lines"] == ["line one", "line two"] and evidence["source"] == "auth"


def test_acknowledging_stops_the_clock_and_closing_is_final():
    rec = entry("FND-0001", 1, FK.RECORDED, recorded(finding()))
    ack = entry("FND-0001", 2, FK.STATUS, {"status": "acknowledged", "note": ""}, actor="bob")
    state = FindingState.fold("FND-0001", [rec, ack])
    assert state.status == "acknowledged" and state.acknowledged_by == "bob"
    assert not state.overdue(T0 + timedelta(days=1))
    with pytest.raises(ActionError, match="acknowledged already, by bob at 2026-11-30 06:00 UTC"):
        state.check_acknowledge()
    state.check_dismiss("false-positive")
    state.check_declare()
    with pytest.raises(ActionError, match="unknown reason 'boring'; one of: false-positive"):
        state.check_dismiss("boring")
    gone = entry("FND-0001", 3, FK.STATUS, {"status": "dismissed", "reason": "false-positive"})
    state.apply(gone)
    assert (state.status, state.reason, state.closed_by) == ("dismissed", "false-positive", "ada")
    for check in (state.check_acknowledge, state.check_declare):
        with pytest.raises(ActionError, match=r"dismissed \(false positive\); it cannot be"):
            check()
    declared = FindingState.fold(
        "FND-0002",
        [rec, entry("FND-0002", 2, FK.STATUS, {"status": "declared", "incident": "INC-0007"})],
    )
    assert declared.declared_as == "INC-0007"
    with pytest.raises(ActionError, match="declared as INC-0007 already"):
        declared.check_dismiss("expected-activity")


def test_a_rule_without_acknowledge_never_makes_a_finding_overdue():
    rec = entry("FND-0001", 1, FK.RECORDED, recorded(finding(), acknowledge=None))
    state = FindingState.fold("FND-0001", [rec])
    assert state.ack_due is None and not state.overdue(T0 + timedelta(days=400))


def test_a_damaged_or_odd_chain_still_folds():
    damaged = Entry("FND-0001", 2, "u", FK.STATUS, "x", T0, T0, {}, damage="not JSON")
    odd = entry("FND-0001", 3, FK.STATUS, {"status": "obliterated"})
    state = FindingState.fold(
        "FND-0001",
        [entry("FND-0001", 1, FK.RECORDED, {"title": "t", "count": "many"}), damaged, odd],
    )
    assert (state.status, state.count, state.damaged, state.first) == ("new", 0, 1, None)


def test_a_burst_is_known_by_its_id_or_by_overlapping_the_same_rule_and_key():
    known = Burst.of("FND-0001", recorded(finding(0, 60)))
    assert known is not None
    assert known.same(finding(0, 60))  # the same finding
    assert known.same(finding(30, 90))  # the same burst from another start
    assert not known.same(finding(60, 120))  # touching is not overlapping: the next burst
    assert not known.same(finding(30, 90, key=(("ip", "198.51.100.1"),)))
    assert Burst.of("FND-0002", {"rule": "x"}) is None


def test_finding_entries_read_as_sentences():
    rec = entry("FND-0001", 1, FK.RECORDED, recorded(finding()))
    assert describe(rec) == (
        "finding recorded: SSH guessing from 203.0.113.9 (rule ssh-guessing, 5 events in auth)"
    )
    fp = entry("FND-0001", 2, FK.STATUS, {"status": "dismissed", "reason": "false-positive"})
    assert describe(fp) == "dismissed: false positive"
    attached = entry("INC-0001", 4, FK.ATTACHED, FindingState.fold("FND-0001", [rec]).evidence())
    assert label(attached) == "evidence"
    assert describe(attached).startswith(
        "evidence from FND-0001 (rule ssh-guessing): 2 lines of source auth, SHA-256 "
    )
    assert describe(attached).endswith("; first: line one")


# --------------------------------------------------------------------------- defects


def test_defects_open_once_and_close_with_their_time():
    key = source_key("auth", "missing")
    entries = [
        entry("DESK", 2, OPENED, {"key": key, "area": "detection", "text": "t", "detail": "d"}),
        entry("DESK", 3, OPENED, {"key": key, "area": "detection", "text": "again"}),
        entry("DESK", 4, CLOSED, {"key": key}, at=T0 + timedelta(hours=1)),
        entry("DESK", 5, OPENED, {"key": key, "area": "detection", "text": "back"}),
    ]
    ledger = fold(entries)
    assert list(ledger.open) == [key] and ledger.open[key].times == 2
    (closed,) = ledger.closed
    assert (closed.detail, closed.closed_at) == ("d", T0 + timedelta(hours=1))
    stale = Found(source_key("auth", "stale"), "detection", "stale")
    other = Found(source_key("web", "empty"), "detection", "empty")
    to_open, to_close = reconcile(ledger, "detection", [stale], scope=["detection/web/"])
    assert to_open == [stale] and to_close == []  # auth was not looked at
    to_open, to_close = reconcile(ledger, "detection", [other], scope=["detection/auth/"])
    assert to_open == [other] and [d.key for d in to_close] == [key]


# --------------------------------------------------------------------------- the checklist


def rule(ident: str, **kw) -> Rule:  # noqa: ANN003
    fields = {
        "id": ident,
        "title": "t",
        "origin": "external",
        "reviewed": date(2026, 11, 1),
        "requires": ("auth",),
        "match": "x",
        "reference": "https://example.org",
    }
    fields.update(kw)
    return Rule(**fields)


def seen(seq: int, path: str, rules: list[Rule], at: datetime, sources=("auth",)) -> Entry:  # noqa: ANN001
    payload = rules_seen_payload(
        path, f"{seq:064x}", bundled=False, rules=rules, sources=list(sources), text="..."
    )
    return entry("DESK", seq, RULES_SEEN, payload, at=at, actor="cron")


def test_a_past_incident_is_covered_by_a_rule_citing_it_in_the_file_as_last_scanned():
    cites = rule("ssh-fast", origin="past-incident", incident="INC-0003", reference=None)
    checklist = Checklist.fold(
        [
            seen(2, "/r/ssh.yaml", [rule("ssh-guessing")], T0),
            seen(3, "/r/ssh.yaml", [rule("ssh-guessing"), cites], T0 + timedelta(days=1)),
            seen(4, "/r/other.yaml", [rule("other", origin="past-incident", incident="INC-9")], T0),
        ]
    )
    (coverage,) = checklist.covering("INC-0003")
    assert (coverage.rule, coverage.path, coverage.since) == (
        "ssh-fast",
        "/r/ssh.yaml",
        T0 + timedelta(days=1),
    )
    assert "scanned with since 2026-12-01 06:00 UTC" in coverage.text()
    assert checklist.covering("INC-0004") == []
    # the rule is removed from its file: it no longer covers the incident
    checklist.apply(seen(5, "/r/ssh.yaml", [rule("ssh-guessing")], T0 + timedelta(days=2)))
    assert checklist.covering("INC-0003") == []
    assert checklist.first_used("ssh-fast") == T0 + timedelta(days=1)


def test_a_rule_that_only_names_the_incident_without_the_past_incident_source_covers_nothing():
    wrong = rule("mentions", origin="threat-model", incident="INC-0003")
    checklist = Checklist.fold([seen(2, "/r/a.yaml", [wrong], T0)])
    assert checklist.covering("INC-0003") == []


def test_the_history_says_what_changed_between_versions_of_a_file():
    before = [rule("a"), rule("b"), rule("c", match="old")]
    after = [rule("a"), rule("c", match="new", reviewed=date(2026, 12, 1)), rule("d")]
    review = entry("DESK", 4, RULE_REVIEWED, {"rule": "a", "note": "fine"}, actor="ada")
    history = Checklist.fold(
        [
            seen(2, "/r/x.yaml", before, T0),
            seen(3, "/r/x.yaml", after, T0 + timedelta(days=1), sources=("auth", "web")),
            review,
            seen(5, "/r/x.yaml", after, T0 + timedelta(days=2)),
        ]
    ).history()
    assert [h.text for h in history] == [
        "/r/x.yaml first used by a scan (3 rules, 1 source)",
        "/r/x.yaml changed (3 rules, 2 sources): +d, -b, ~c (what it matches, reviewed), "
        "+source web",
        "rule a reviewed by ada: fine",
        "/r/x.yaml changed (3 rules, 1 source): -source web",
    ]
    assert history[1].added == ("d",) and history[1].removed == ("b",)


def test_rule_facts_round_trip_and_ignore_junk():
    facts = RuleFacts.of(rule("a", threshold=Threshold(3, timedelta(minutes=1))))
    assert RuleFacts.from_payload(facts.as_payload()) == facts
    assert RuleFacts.from_payload({"title": "no id"}) is None
    assert RuleFacts.from_payload("junk") is None
