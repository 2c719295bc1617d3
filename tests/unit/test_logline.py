"""Line parsing: where each format keeps its time, year inference, repeated messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from irdesk.domain.logline import (
    LineContext,
    from_us,
    infer_year,
    parse_apache_access,
    parse_apache_error,
    parse_jsonl,
    parse_plain,
    parse_syslog,
    to_us,
)


def us(*fields: int, tz=UTC) -> int:  # noqa: ANN001
    return to_us(datetime(*fields, tzinfo=tz))


def ctx(mtime: datetime | None = None, tz=UTC, now: datetime | None = None) -> LineContext:  # noqa: ANN001
    return LineContext(
        tz=tz,
        mtime=None if mtime is None else to_us(mtime),
        now=to_us(now or datetime(2026, 12, 15, tzinfo=UTC)),
    )


DECEMBER = ctx(datetime(2026, 12, 15, 12, 0, tzinfo=UTC))

# --------------------------------------------------------------------------- syslog


def test_rfc3164_line_takes_the_year_of_the_file():
    parsed = parse_syslog(
        "Dec 10 06:55:46 host sshd[1234]: Failed password for root from 203.0.113.9", DECEMBER
    )
    assert parsed.time == us(2026, 12, 10, 6, 55, 46)
    assert parsed.text.endswith("from 203.0.113.9") and parsed.weight == 1


def test_rfc3164_single_digit_day_is_space_padded():
    parsed = parse_syslog("Dec  1 00:00:01 host cron[1]: x", DECEMBER)
    assert parsed.time == us(2026, 12, 1, 0, 0, 1)


def test_year_rollover_december_line_in_a_file_written_in_january():
    # mtime 2027-01-01 00:00:05: "Dec 31 23:59:58" placed in 2027 would be after it,
    # so it is 2026; "Jan  1 00:00:02" is before the mtime, so 2027. 4 s apart.
    january = ctx(datetime(2027, 1, 1, 0, 0, 5, tzinfo=UTC))
    december = parse_syslog("Dec 31 23:59:58 host sshd[1]: a", january).time
    new_year = parse_syslog("Jan  1 00:00:02 host sshd[1]: b", january).time
    assert december == us(2026, 12, 31, 23, 59, 58)
    assert new_year == us(2027, 1, 1, 0, 0, 2)
    assert new_year - december == 4_000_000


def test_a_time_equal_to_the_mtime_stays_in_its_year():
    mtime = datetime(2027, 3, 1, 10, 0, 0, tzinfo=UTC)
    assert parse_syslog("Mar  1 10:00:00 h p: x", ctx(mtime)).time == to_us(mtime)
    assert parse_syslog("Mar  1 10:00:01 h p: x", ctx(mtime)).time == us(2026, 3, 1, 10, 0, 1)


def test_year_is_the_mtime_year_in_the_source_zone():
    # 2027-01-01 00:30 in Paris is still 2026-12-31 23:30 UTC: the year is Paris's, 2027
    paris = ZoneInfo("Europe/Paris")
    mtime = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    parsed = parse_syslog("Jan  1 00:10:00 h p: x", ctx(mtime, tz=paris))
    assert parsed.time == us(2027, 1, 1, 0, 10, tz=paris)


def test_february_29_goes_back_to_a_leap_year():
    mtime = datetime(2029, 1, 5, tzinfo=UTC)
    value = infer_year(2, 29, 12, 0, 0, 0, ctx(mtime))
    assert from_us(value) == datetime(2028, 2, 29, 12, 0, tzinfo=UTC)


def test_without_mtime_the_scan_time_places_the_year():
    parsed = parse_syslog(
        "Dec 16 00:00:00 h p: x", ctx(None, now=datetime(2026, 12, 15, tzinfo=UTC))
    )
    assert parsed.time == us(2025, 12, 16)


def test_rfc5424_with_and_without_priority():
    line = (
        "<34>1 2026-12-10T06:55:46.003Z mymachine.example.com sshd 1234 - - "
        "Failed password for root from 203.0.113.9 port 22 ssh2"
    )
    parsed = parse_syslog(line, DECEMBER)
    assert parsed.time == us(2026, 12, 10, 6, 55, 46) + 3000
    assert parsed.text == line
    bare = parse_syslog("1 2026-12-10T07:55:46+01:00 host app - ID47 - text", DECEMBER)
    assert bare.time == us(2026, 12, 10, 6, 55, 46)


def test_rfc5424_structured_data_and_nil_time():
    line = '<165>1 2026-12-10T06:55:46Z h app 1 ID [exampleSDID@32473 iut="3" a="b\\]c"] msg'
    assert parse_syslog(line, DECEMBER).time == us(2026, 12, 10, 6, 55, 46)
    assert parse_syslog("<34>1 - host app 1 - - text", DECEMBER).time is None


def test_iso_timestamps_of_rsyslog_and_journald():
    parsed = parse_syslog("2026-12-10T06:55:46.123456+01:00 host sshd[1]: x", DECEMBER)
    assert parsed.time == us(2026, 12, 10, 5, 55, 46) + 123_456
    short = parse_syslog("2026-12-10T06:55:46+0100 host sshd[1]: x", DECEMBER)
    assert short.time == us(2026, 12, 10, 5, 55, 46)
    naive = parse_syslog("2026-12-10 06:55:46 host sshd[1]: x", DECEMBER)
    assert naive.time == us(2026, 12, 10, 6, 55, 46)


def test_a_line_without_a_time_has_none():
    assert parse_syslog("-- Reboot --", DECEMBER).time is None
    assert parse_syslog("Foo 10 06:55:46 host x", DECEMBER).time is None


# --------------------------------------------------------------------------- repeated messages


def test_repeated_message_counts_n_times_as_the_line_it_repeats():
    line = (
        "Dec 10 06:55:46 host sshd[1234]: message repeated 3 times: "
        "[ Failed password for root from 203.0.113.9 port 22 ssh2]"
    )
    parsed = parse_syslog(line, DECEMBER)
    assert parsed.weight == 3
    assert parsed.text == (
        "Dec 10 06:55:46 host sshd[1234]: Failed password for root from 203.0.113.9 port 22 ssh2"
    )
    assert parsed.time == us(2026, 12, 10, 6, 55, 46)


def test_repeated_message_with_spaces_on_both_sides_and_brackets_inside():
    line = "Dec 10 06:55:46 host sshd[1]: message repeated 2 times: [ Closed [preauth] ]"
    parsed = parse_syslog(line, DECEMBER)
    assert (parsed.weight, parsed.text) == (2, "Dec 10 06:55:46 host sshd[1]: Closed [preauth]")


def test_repeated_message_in_rfc5424():
    line = "<38>1 2026-12-10T06:55:46Z host sshd 1234 - - message repeated 4 times: [ Bad thing]"
    parsed = parse_syslog(line, DECEMBER)
    assert parsed.weight == 4
    assert parsed.text == "<38>1 2026-12-10T06:55:46Z host sshd 1234 - - Bad thing"


def test_repeat_text_inside_a_message_does_not_count():
    # an attacker-chosen user name cannot pose as rsyslog's repeat marker
    line = (
        "Dec 10 06:55:46 host sshd[1]: Invalid user message repeated 99 times: "
        "[ Failed password for root from 1.2.3.4 port 22 ssh2]"
    )
    parsed = parse_syslog(line, DECEMBER)
    assert parsed.weight == 1 and parsed.text == line


def test_repeat_count_zero_or_absurd_is_not_believed():
    for count in ("0", "999999999"):
        line = f"Dec 10 06:55:46 host p[1]: message repeated {count} times: [ x]"
        assert parse_syslog(line, DECEMBER).weight == 1


# --------------------------------------------------------------------------- web servers


COMBINED = (
    '203.0.113.9 - - [10/Dec/2026:06:55:46 +0100] "GET /.env HTTP/1.1" 404 153 "-" "Mozilla/5.0"'
)


def test_apache_access_common_and_combined_with_offset():
    assert parse_apache_access(COMBINED, DECEMBER).time == us(2026, 12, 10, 5, 55, 46)
    common = '10.0.0.1 - bob [10/Dec/2026:06:55:46 -0500] "POST /login HTTP/1.0" 401 12'
    assert parse_apache_access(common, DECEMBER).time == us(2026, 12, 10, 11, 55, 46)


def test_apache_access_vhost_prefix_and_no_time():
    line = "example.org:443 " + COMBINED
    assert parse_apache_access(line, DECEMBER).time == us(2026, 12, 10, 5, 55, 46)
    assert parse_apache_access("garbage", DECEMBER).time is None
    bad = '1.2.3.4 - - [31/Feb/2026:06:55:46 +0000] "GET / HTTP/1.1" 200 1'
    assert parse_apache_access(bad, DECEMBER).time is None


def test_apache_error_both_generations_and_nginx():
    paris = ZoneInfo("Europe/Paris")
    old = "[Sun Dec 04 04:47:44 2005] [error] [client 1.2.3.4] File does not exist"
    assert parse_apache_error(old, ctx(tz=paris)).time == us(2005, 12, 4, 4, 47, 44, tz=paris)
    new = "[Thu Dec 10 06:55:46.123456 2026] [core:error] [pid 12] [client 1.2.3.4:5] AH00126"
    assert parse_apache_error(new, DECEMBER).time == us(2026, 12, 10, 6, 55, 46) + 123_456
    nginx = "2026/12/10 06:55:46 [error] 123#0: *1 open() failed"
    assert parse_apache_error(nginx, DECEMBER).time == us(2026, 12, 10, 6, 55, 46)


# --------------------------------------------------------------------------- json lines


def test_jsonl_time_message_and_fields():
    parsed = parse_jsonl(
        '{"time": "2026-12-10T06:55:46Z", "message": "login failed", "user": "bob", "n": 3}',
        DECEMBER,
    )
    assert parsed.time == us(2026, 12, 10, 6, 55, 46)
    assert parsed.text == "login failed"
    assert parsed.fields["user"] == "bob"


@pytest.mark.parametrize(
    "stamp, expected",
    [
        ('"2026-12-10T06:55:46.5+02:00"', us(2026, 12, 10, 4, 55, 46) + 500_000),
        ('"2026-12-10T06:55:46"', us(2026, 12, 10, 6, 55, 46)),  # no offset: the zone's
        ("1796880946", us(2026, 12, 10, 5, 35, 46)),  # seconds
        ("1796880946.25", us(2026, 12, 10, 5, 35, 46) + 250_000),
        ("1796880946250", us(2026, 12, 10, 5, 35, 46) + 250_000),  # milliseconds
        ("1796880946250000", us(2026, 12, 10, 5, 35, 46) + 250_000),  # microseconds
        ("1796880946250000000", us(2026, 12, 10, 5, 35, 46) + 250_000),  # nanoseconds
        ('"yesterday"', None),
        ("true", None),
        ("null", None),
    ],
)
def test_jsonl_time_forms(stamp: str, expected: int | None):
    parsed = parse_jsonl('{"timestamp": ' + stamp + ', "message": "m"}', DECEMBER)
    assert parsed.time == expected


def test_jsonl_time_wins_over_timestamp_and_bad_lines_have_no_text():
    parsed = parse_jsonl(
        '{"time": "2026-12-10T00:00:00Z", "timestamp": "2020-01-01T00:00:00Z", "message": 3}',
        DECEMBER,
    )
    assert parsed.time == us(2026, 12, 10) and parsed.text is None  # a number is not text
    for bad in ("not json", "[1, 2]", '"text"', "{" * 5000):
        assert parse_jsonl(bad, DECEMBER).text is None


def test_plain_lines_take_the_scan_time():
    now = datetime(2026, 12, 10, 12, tzinfo=UTC)
    assert parse_plain("anything", ctx(now=now)).time == to_us(now)


def test_local_zone_is_the_systems(monkeypatch):
    # tests run with TZ=UTC (conftest): the local zone then agrees with UTC
    parsed = parse_syslog(
        "Dec 10 06:55:46 h p: x", ctx(datetime(2026, 12, 15, tzinfo=UTC), tz=None)
    )
    assert parsed.time == us(2026, 12, 10, 6, 55, 46)


def test_fixed_offsets_are_exact():
    zone = timezone(timedelta(hours=5, minutes=30))
    line = '1.2.3.4 - - [10/Dec/2026:06:55:46 +0530] "GET / HTTP/1.1" 200 1'
    assert parse_apache_access(line, DECEMBER).time == us(2026, 12, 10, 6, 55, 46, tz=zone)
