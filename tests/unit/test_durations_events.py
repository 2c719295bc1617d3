"""Durations (``1h30m``; bare numbers refused) and event references (``step:<id>:done``)."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from irdesk.domain.durations import (
    MAX_DURATION,
    DurationError,
    format_clock,
    format_duration,
    parse_duration,
    type_name,
)
from irdesk.domain.events import MILESTONES, EventRef, EventRefError

# --------------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("15m", timedelta(minutes=15)),
        ("2h", timedelta(hours=2)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1d", timedelta(days=1)),
        ("1d2h3m4s", timedelta(days=1, hours=2, minutes=3, seconds=4)),
        ("0m", timedelta(0)),
        (" 15m ", timedelta(minutes=15)),
        ("366d", timedelta(days=366)),
    ],
)
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("number", [15, 0, 90, 1.5])
def test_bare_numbers_are_rejected_because_units_matter(number):
    with pytest.raises(DurationError, match=r"bare number .* is not a duration: units matter"):
        parse_duration(number)


@pytest.mark.parametrize(
    "text",
    [
        "30m1h",
        "1m1h",
        "5s1m",
        "1h1d",
        "15",
        "15 minutes",
        "1.5h",
        "-5m",
        "",
        "   ",
        "h",
        "1hm",
        "1H",
        "15min",
        "1h 30m",
        "1w",
    ],
)
def test_malformed_or_out_of_order_durations_are_rejected(text):
    with pytest.raises(DurationError, match="is not a duration; expected digits with units"):
        parse_duration(text)


@pytest.mark.parametrize("value", [None, True, False, ["15m"], {"m": 15}])
def test_non_text_durations_name_what_they_got(value):
    with pytest.raises(DurationError, match="expected a duration such as 15m or 1h30m, got"):
        parse_duration(value)


def test_durations_longer_than_a_year_are_refused():
    with pytest.raises(DurationError, match="longer than 366 days"):
        parse_duration("367d")
    with pytest.raises(DurationError, match="longer than 366 days"):
        parse_duration("9" * 30 + "d")  # would overflow timedelta
    assert parse_duration("366d") == MAX_DURATION


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_non_finite_numbers_are_rejected_as_durations(value):
    with pytest.raises(DurationError):
        parse_duration(value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(0), "0m"),
        (timedelta(seconds=45), "45s"),
        (timedelta(minutes=90), "1h30m"),
        (timedelta(days=1), "1d"),
        (timedelta(days=1, seconds=1), "1d1s"),
        (timedelta(minutes=-5), "-5m"),
    ],
)
def test_format_duration(value, text):
    assert format_duration(value) == text


@given(st.integers(min_value=0, max_value=int(MAX_DURATION.total_seconds())))
def test_format_then_parse_round_trips(seconds):
    value = timedelta(seconds=seconds)
    assert parse_duration(format_duration(value)) == value


@given(
    st.tuples(*(st.one_of(st.none(), st.integers(0, 99)) for _ in range(4))).filter(
        lambda parts: any(p is not None for p in parts)
    )
)
def test_parse_then_format_is_canonical(parts):
    text = "".join(f"{n}{unit}" for n, unit in zip(parts, "dhms", strict=True) if n is not None)
    value = parse_duration(text)
    assert parse_duration(format_duration(value)) == value
    assert format_duration(value) == format_duration(parse_duration(format_duration(value)))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(0), "00:00:00"),
        (timedelta(seconds=61), "00:01:01"),
        (timedelta(hours=26, minutes=3), "26:03:00"),
        (timedelta(seconds=-90), "-00:01:30"),
    ],
)
def test_format_clock(value, text):
    assert format_clock(value) == text


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (None, "nothing (null)"),
        (True, "a boolean (true)"),
        (3, "a number (3)"),
        ("x", "text"),
        ([], "a list"),
        ({}, "a mapping"),
    ],
)
def test_type_name(value, name):
    assert type_name(value) == name


# --------------------------------------------------------------------------- event references


@pytest.mark.parametrize("milestone", MILESTONES)
def test_milestones_are_events(milestone):
    ref = EventRef.parse(milestone)
    assert (ref.kind, ref.name, ref.state) == ("milestone", milestone, None)
    assert str(ref) == milestone


def test_milestones_in_order():
    assert MILESTONES == (
        "started",
        "detected",
        "declared",
        "acknowledged",
        "contained",
        "resolved",
        "closed",
    )


@pytest.mark.parametrize(
    ("text", "kind", "name", "state"),
    [
        ("step:triage:started", "step", "triage", "started"),
        ("step:revoke-sessions:done", "step", "revoke-sessions", "done"),
        ("inject:first-report", "inject", "first-report", None),
        ("  declared  ", "milestone", "declared", None),
    ],
)
def test_event_refs_parse_and_print_back(text, kind, name, state):
    ref = EventRef.parse(text)
    assert (ref.kind, ref.name, ref.state) == (kind, name, state)
    assert EventRef.parse(str(ref)) == ref
    assert str(ref) == text.strip()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("step:triage", "is not a step event; expected step:<id>:started or step:<id>:done"),
        ("step:triage:finished", "is not a step event"),
        ("step:triage:done:now", "is not a step event"),
        ("step:Triage:done", "'Triage' is not a valid step id"),
        ("inject:", "is not an inject event; expected inject:<id>"),
        ("inject:a:b", "is not an inject event"),
        ("inject:First", "is not an inject event"),
        ("aknowledged", "is not an event reference; expected a milestone (started, detected"),
        ("Declared", "is not an event reference"),
        ("", "is not an event reference"),
    ],
)
def test_bad_event_refs_say_what_was_expected(text, message):
    with pytest.raises(EventRefError, match=message.replace("(", r"\(").replace(")", r"\)")):
        EventRef.parse(text)


@pytest.mark.parametrize("value", [None, 3, True, ["declared"]])
def test_event_refs_must_be_text(value):
    with pytest.raises(EventRefError, match="expected an event reference, got"):
        EventRef.parse(value)


def test_event_refs_are_values():
    assert EventRef.parse("step:a:done") == EventRef("step", "a", "done")
    assert EventRef.parse("step:a:done") != EventRef.parse("step:a:started")
    assert len({EventRef.parse("declared"), EventRef("milestone", "declared")}) == 1
