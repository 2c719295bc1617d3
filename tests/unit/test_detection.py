"""Windows, bursts, distinct counts, weights and finding identity (the pure detector).

Every expected answer is worked out by hand in the comment above it. Times are in
seconds from an arbitrary zero, turned into microseconds by ``at``.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from irdesk.domain.detection import (
    Detector,
    Event,
    Finding,
    Rule,
    Threshold,
    finding_id,
    merge_findings,
    render_title,
    same_burst,
)

BASE = 1_800_000_000_000_000  # some instant in 2027, in µs


def at(seconds: float) -> int:
    return BASE + round(seconds * 1_000_000)


def rule(
    count: int | None = 3, within: str | float = 60, distinct: str | None = None, **kw
) -> Rule:  # noqa: E501
    threshold = None
    if count is not None:
        threshold = Threshold(count, timedelta(seconds=within), distinct)
    fields = {
        "id": "r",
        "title": "burst from {ip}",
        "origin": "threat-model",
        "reviewed": date(2026, 11, 1),
        "requires": ("auth",),
        "match": r"from (?P<ip>\S+)(?: as (?P<user>\S+))?",
        "group_by": ("ip",),
        "threshold": threshold,
    }
    fields.update(kw)
    return Rule(**fields)


def ev(
    seconds: float, ip: str = "203.0.113.9", *, user: str | None = None, weight: int = 1
) -> Event:  # noqa: E501
    line = f"t={seconds} from {ip}" + (f" as {user}" if user else "")
    return Event(at(seconds), 0, (("ip", ip),), user, weight, line, "auth", (("ip", ip),))


def run(r: Rule, events: list[Event]) -> list[Finding]:
    return Detector([r]).feed_all(events)


# --------------------------------------------------------------------------- window edges


def test_exactly_within_apart_fires():
    # 0, 30, 60: last - first = 60 s = within, both ends included: one finding
    (finding,) = run(rule(), [ev(0), ev(30), ev(60)])
    assert (finding.first, finding.last, finding.count) == (at(0), at(60), 3)


def test_one_millisecond_more_does_not_fire():
    # 0, 30, 60.001: when the third comes, 0 is 60.001 s behind it and leaves the window
    assert run(rule(), [ev(0), ev(30), ev(60.001)]) == []


def test_the_window_slides():
    # 0, 50, 100, 110: at 100 the window is {50, 100}; at 110 it is {50, 100, 110}: fires
    (finding,) = run(rule(), [ev(0), ev(50), ev(100), ev(110)])
    assert (finding.first, finding.last) == (at(50), at(110))


# --------------------------------------------------------------------------- bursts


def test_one_finding_per_burst_then_afresh():
    # seven events a second apart, count 3: fires at 2 (0,1,2) and at 5 (3,4,5); 6 waits
    findings = run(rule(), [ev(s) for s in range(7)])
    assert [(f.first, f.last, f.count) for f in findings] == [
        (at(0), at(2), 3),
        (at(3), at(5), 3),
    ]


def test_keys_are_counted_apart():
    # A at 0,1,2 fires; B at 0.5, 1.5 does not reach 3
    events = [ev(0, "A"), ev(0.5, "B"), ev(1, "A"), ev(1.5, "B"), ev(2, "A")]
    (finding,) = run(rule(), events)
    assert finding.key == (("ip", "A"),) and finding.count == 3


def test_repeated_messages_weigh_their_count():
    # weights 2, 2, 2 with count 5: 4 after two lines, 6 after the third: fires with 6
    (finding,) = run(rule(count=5), [ev(0, weight=2), ev(1, weight=2), ev(2, weight=2)])
    assert finding.count == 6 and finding.lines == tuple(
        f"t={s} from 203.0.113.9" for s in (0, 1, 2)
    )


def test_a_single_heavy_line_can_fire_alone():
    (finding,) = run(rule(count=5), [ev(0, weight=5)])
    assert (finding.first, finding.last, finding.count) == (at(0), at(0), 5)


def test_out_of_order_events_join_their_window():
    # 10, 5, 8: sorted 5, 8, 10 spans 5 s: fires, first 5, last 10
    (finding,) = run(rule(), [ev(10), ev(5), ev(8)])
    assert (finding.first, finding.last) == (at(5), at(10))


# --------------------------------------------------------------------------- distinct counts


def test_distinct_values_within_the_window():
    # users a, a, b, a, c: the third distinct value (c) fires; 5 events in the window
    r = rule(count=3, within=600, distinct="user")
    events = [ev(s, user=u) for s, u in ((0, "a"), (10, "a"), (20, "b"), (30, "a"), (40, "c"))]
    (finding,) = run(r, events)
    assert (finding.count, finding.distinct, finding.first, finding.last) == (5, 3, at(0), at(40))


def test_distinct_values_that_left_the_window_do_not_count():
    # a at 0, b at 300, c at 601: a is 601 s behind c, gone; {b, c} is 2 distinct
    r = rule(count=3, within=600, distinct="user")
    assert run(r, [ev(0, user="a"), ev(300, user="b"), ev(601, user="c")]) == []


def test_repeats_of_one_value_keep_it_in_the_window():
    # a at 0 and at 500, b at 550, c at 1000: at 1000 the window is {a@500, b, c}: fires
    r = rule(count=3, within=600, distinct="user")
    events = [ev(0, user="a"), ev(500, user="a"), ev(550, user="b"), ev(1000, user="c")]
    (finding,) = run(r, events)
    assert (finding.first, finding.distinct, finding.count) == (at(500), 3, 3)


# --------------------------------------------------------------------------- no threshold


def test_without_threshold_every_event_is_a_finding():
    findings = run(rule(count=None), [ev(0), ev(1, "B", weight=3)])
    assert [(f.first, f.count) for f in findings] == [(at(0), 1), (at(1), 3)]


def test_same_rule_key_and_time_are_one_finding():
    findings = run(rule(count=None), [ev(0), ev(0)])
    merged = merge_findings(findings)
    (finding,) = merged.values()
    assert finding.count == 2 and len(finding.lines) == 2


# --------------------------------------------------------------------------- identity


def test_finding_id_is_rule_key_and_first_time_only():
    a = Finding("r", (("ip", "1.2.3.4"),), at(0), at(10), 5, "auth", "t")
    b = Finding("r", (("ip", "1.2.3.4"),), at(0), at(99), 7, "other", "t2", ("x",))
    assert a.id == b.id == finding_id("r", (("ip", "1.2.3.4"),), at(0))
    assert a.id != Finding("r", (("ip", "1.2.3.5"),), at(0), at(10), 5, "auth", "t").id
    assert a.id != Finding("r", (("ip", "1.2.3.4"),), at(0.000001), at(10), 5, "auth", "t").id
    assert a.id != Finding("q", (("ip", "1.2.3.4"),), at(0), at(10), 5, "auth", "t").id
    assert len(a.id) == 20 and int(a.id, 16) >= 0


def test_same_burst_needs_an_overlap_not_a_shared_end():
    a = Finding("r", (("ip", "x"),), at(0), at(20), 3, "auth", "t")
    overlapping = Finding("r", (("ip", "x"),), at(10), at(30), 3, "auth", "t")
    touching = Finding("r", (("ip", "x"),), at(20), at(40), 3, "auth", "t")
    other_key = Finding("r", (("ip", "y"),), at(10), at(30), 3, "auth", "t")
    assert same_burst(a, overlapping) and same_burst(overlapping, a)
    assert not same_burst(a, touching) and not same_burst(a, other_key)


def test_title_placeholders_and_missing_groups():
    r = rule(title="{ip} as {user}")
    assert render_title(r, {"ip": "1.2.3.4", "user": None}) == "1.2.3.4 as -"


# --------------------------------------------------------------------------- memory and state


def test_idle_keys_are_forgotten_as_log_time_passes():
    # one new address a second for three hours: without expiry 10,800 keys would wait;
    # keys idle for more than within (60 s) + 15 min go at each sweep (every 16 min)
    detector = Detector([rule()])
    for second in range(3 * 3600):
        detector.feed(ev(second, f"10.0.{second // 256}.{second % 256}"))
    assert detector.pending() <= 2 * (60 + 15 * 60) + 1


def test_state_carries_a_burst_across_scans():
    # 0, 1 in the first scan, 2 in the second: one finding, as if read in one go
    r = rule()
    first = Detector([r])
    assert first.feed_all([ev(0), ev(1)]) == []
    saved = json.loads(json.dumps(first.state()))
    second = Detector([r])
    second.restore(saved)
    (finding,) = second.feed_all([ev(2)])
    assert (finding.first, finding.count) == (at(0), 3)
    assert finding.lines[0] == "t=0 from 203.0.113.9"


def test_state_of_a_changed_rule_is_dropped():
    first = Detector([rule()])
    first.feed_all([ev(0), ev(1)])
    changed = Detector([rule(count=4)])
    changed.restore(first.state())
    assert changed.pending() == 0
    assert changed.feed_all([ev(2), ev(3)]) == []


def test_rules_without_threshold_keep_no_state():
    detector = Detector([rule(count=None)])
    detector.feed_all([ev(0)])
    assert detector.state() == {}


def test_a_damaged_saved_state_starts_the_rule_afresh():
    r = rule()
    good = Detector([r])
    good.feed_all([ev(0), ev(1)])
    state = good.state()
    state["r"]["keys"] = [[["not", "pairs"]], [["time?", 1, None]]]
    detector = Detector([r])
    detector.restore(state)
    assert detector.pending() == 0
    assert detector.feed_all([ev(2), ev(3), ev(4)])[0].first == at(2)
