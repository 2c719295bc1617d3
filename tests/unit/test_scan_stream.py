"""Scanning bytes: the fast path (literal prefilter over whole buffers) gives exactly what the
plain reference gives (every line decoded, parsed and tried by every rule), and cutting a
file into chunks anywhere changes nothing. Random logs, random cuts (hypothesis)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from irdesk.domain.detection import Detector, Rule, Threshold
from irdesk.domain.logline import LineContext, to_us
from irdesk.domain.scanning import FileScan, Target, scan_lines

MTIME = to_us(datetime(2026, 12, 31, 23, 0, tzinfo=UTC))
CONTEXT = LineContext(tz=UTC, mtime=MTIME, now=to_us(datetime(2027, 1, 1, tzinfo=UTC)))


def make_rule(ident: str, match: str, group_by=(), threshold=None, title: str = "t") -> Rule:  # noqa: ANN001
    return Rule(
        id=ident,
        title=title,
        origin="threat-model",
        reviewed=date(2026, 11, 1),
        requires=("s",),
        match=match,
        group_by=tuple(group_by),
        threshold=threshold,
    )


SYSLOG_RULES = [
    make_rule(
        "guess",
        r"sshd\[\d+\]: Failed password for (?P<user>\S+) from (?P<ip>\S+)",
        ["ip"],
        Threshold(3, timedelta(seconds=60)),
        "guessing from {ip} as {user}",
    ),
    make_rule("anycase", r"(?i)invalid USER (?P<user>\S+)", ["user"]),  # no literal: all lines
    make_rule(
        "enum",
        r"Invalid user (?P<user>\S*) from (?P<ip>\S+)",
        ["ip"],
        Threshold(2, timedelta(seconds=30), "user"),
    ),
    make_rule("accent", r"café (?P<ip>\S+)", ["ip"]),
]
TARGETS = [Target(i, r) for i, r in enumerate(SYSLOG_RULES)]

IPS = st.sampled_from(["203.0.113.9", "198.51.100.7", "192.0.2.1"])
USERS = st.sampled_from(["root", "admin", "bob", "", "ünï"])


@st.composite
def syslog_line(draw) -> bytes:  # noqa: ANN001
    second = draw(st.integers(0, 59))
    minute = draw(st.integers(0, 4))
    stamp = f"Dec 31 22:{minute:02d}:{second:02d}"
    ip, user = draw(IPS), draw(USERS)
    kind = draw(st.integers(0, 11))
    text = [
        f"{stamp} host sshd[42]: Failed password for {user} from {ip} port 22 ssh2",
        f"{stamp} host sshd[42]: Invalid user {user} from {ip} port 22",
        f"{stamp} host sshd[42]: message repeated {draw(st.integers(1, 4))} times: "
        f"[ Failed password for {user} from {ip} port 22 ssh2]",
        f"{stamp} host CRON[7]: pam_unix(cron:session): session opened for user root",
        f"{stamp} host app: INVALID user {user}",
        f"{stamp} host app: café {ip}",
        "no time here: Failed password for x from 1.2.3.4",
        "",
        f"{stamp} host sshd[42]: Failed password for {user} from {ip} port 22 ssh2\r",
    ][kind % 9].encode()
    if kind == 9:
        text = b"\xff\xfe" + text + b"\x00\x1b[2J Failed password for x"
    if kind == 10:
        text = (stamp + " host sshd[42]: Failed password for ").encode() + b"x" * 300
    if kind == 11:
        text = f"{stamp} host sshd[42]: Invalid user {user}".encode() + b" from \xc3"
    return text


@st.composite
def log_and_cuts(draw, line=syslog_line()):  # noqa: ANN001, B008
    lines = draw(st.lists(line, min_size=0, max_size=40))
    data = b"\n".join(lines)
    if draw(st.booleans()):
        data += b"\n"
    cuts = sorted(set(draw(st.lists(st.integers(0, len(data)), max_size=12))))
    return data, cuts


def fast(data: bytes, cuts: list[int], fmt: str = "syslog", final: bool = True, **kw):  # noqa: ANN003
    scanner = FileScan(kw.pop("targets", TARGETS), fmt, source="s", context=CONTEXT, **kw)
    events = []
    bounds = [0, *cuts, len(data)]
    for start, stop in zip(bounds, bounds[1:], strict=False):
        events.extend(scanner.feed(data[start:stop]))
    if final:
        events.extend(scanner.finish())
    return events, scanner


@settings(max_examples=300, deadline=None)
@given(log_and_cuts(), st.sampled_from([64, 120, 4096]))
def test_any_chunking_gives_the_reference_events(sample, max_line: int):
    data, cuts = sample
    reference = scan_lines(data, TARGETS, "syslog", source="s", context=CONTEXT, max_line=max_line)
    whole, _ = fast(data, [], max_line=max_line)
    chunked, scanner = fast(data, cuts, max_line=max_line)
    assert whole == reference
    assert chunked == reference
    assert scanner.offset == len(data)
    expected_lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    assert scanner.lines == expected_lines


@settings(max_examples=150, deadline=None)
@given(log_and_cuts())
def test_a_growing_file_keeps_its_unfinished_line(sample):
    data, cuts = sample
    events, scanner = fast(data, cuts, final=False)
    reference = scan_lines(data, TARGETS, "syslog", source="s", context=CONTEXT, final=False)
    assert events == reference
    assert scanner.offset == data.rfind(b"\n") + 1


@settings(max_examples=150, deadline=None)
@given(log_and_cuts())
def test_findings_do_not_depend_on_chunks(sample):
    data, cuts = sample
    whole, _ = fast(data, [])
    chunked, _ = fast(data, cuts)
    assert Detector(SYSLOG_RULES).feed_all(whole) == Detector(SYSLOG_RULES).feed_all(chunked)


def test_since_drops_earlier_lines_and_unparsed_matches_are_counted():
    data = (
        b"Dec 31 22:00:00 h sshd[1]: Failed password for a from 1.1.1.1 port 1\n"
        b"Dec 31 22:00:10 h sshd[1]: Failed password for b from 1.1.1.1 port 1\n"
        b"garbage sshd[1]: Failed password for c from 1.1.1.1 port 1\n"
        b"garbage without any literal\n"
    )
    since = to_us(datetime(2026, 12, 31, 22, 0, 5, tzinfo=UTC))
    events, scanner = fast(data, [], since=since)
    assert [e.key for e in events] == [(("ip", "1.1.1.1"),)]
    assert scanner.unparsed == 1 and scanner.lines == 4


# --------------------------------------------------------------------------- json lines

JSON_RULES = [
    make_rule("login", r"Failed (?P<path>/login) for (?P<user>\w+)", ["user", "status"]),
    make_rule("quote", r'said "(?P<what>[a-z]+)"', ["what"]),
]
JSON_TARGETS = [Target(i, r) for i, r in enumerate(JSON_RULES)]


@st.composite
def json_line(draw) -> bytes:  # noqa: ANN001
    message = draw(
        st.sampled_from(
            ["Failed /login for bob", 'said "hi"', "Failed /login for ünï", "nothing", "é/"]
        )
    )
    record = {
        "time": f"2026-12-31T22:00:{draw(st.integers(0, 59)):02d}Z",
        "message": message,
        "status": draw(st.sampled_from([401, "401", None, True])),
    }
    text = json.dumps(record, ensure_ascii=draw(st.booleans()))
    if draw(st.booleans()):
        text = text.replace("/", "\\/")  # what PHP's json_encode writes
    if draw(st.integers(0, 9)) == 0:
        text = text[: len(text) // 2]  # a torn line
    return text.encode()


@settings(max_examples=200, deadline=None)
@given(log_and_cuts(line=json_line()))
def test_json_lines_with_escapes_match_like_the_reference(sample):
    data, cuts = sample
    reference = scan_lines(data, JSON_TARGETS, "jsonl", source="s", context=CONTEXT)
    chunked, _ = fast(data, cuts, fmt="jsonl", targets=JSON_TARGETS)
    assert chunked == reference


def test_json_escaped_slash_and_fields():
    line = b'{"time":"2026-12-31T22:00:00Z","message":"Failed \\/login for bob","status":401}\n'
    (event,) = fast(line, [], fmt="jsonl", targets=JSON_TARGETS)[0]
    assert event.key == (("user", "bob"), ("status", "401"))
