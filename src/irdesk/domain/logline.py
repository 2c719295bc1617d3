"""One log line: where its time is, what a rule's ``match`` is searched in, how often it counts.

Pure functions of the line and a :class:`LineContext` (the source's time zone, the file's
modification time for syslog's missing year, the scan's time for ``plain``). Times are
integers, microseconds since the Unix epoch in UTC, so window arithmetic is exact: two
events exactly ``within`` apart are inside the window, one microsecond more is not.

Formats (see ``docs/rules.md``):

- ``syslog``: RFC 3164 (``Dec 10 06:55:46 host prog[pid]: text``, no year, in the source's
  zone), RFC 5424 (``<34>1 2026-12-10T06:55:46.003Z host app pid msgid - text``) and the ISO
  timestamps rsyslog and journald write (``2026-12-10T06:55:46.123456+01:00 host ...``).
  ``prog[pid]: message repeated N times: [ TEXT ]`` is the line ``prog[pid]: TEXT``, N times.
- ``apache-access``: common and combined log formats, as Apache and nginx write them (the
  ``[10/Dec/2026:06:55:46 +0000]`` field, wherever it is on the line).
- ``apache-error``: ``[Sun Dec 04 04:47:44 2005] [error] ...`` (also Apache 2.4's
  fractions of a second) and nginx's ``2026/12/10 06:55:46 [error] ...``.
- ``jsonl``: one JSON object per line; its time in ``time`` or ``timestamp`` (ISO 8601, or
  seconds since the epoch; milliseconds, microseconds or nanoseconds when the number is too
  large to be seconds), ``match`` searched in ``message``, other top-level fields usable by
  name.
- ``plain``: no time in the line: every line is taken at the scan's time.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cached_property
from typing import Any, NamedTuple

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# the instants a datetime can show (years 1 to 9999), in epoch microseconds
MIN_US = (datetime(1, 1, 2, tzinfo=UTC) - EPOCH) // timedelta(microseconds=1)
MAX_US = (datetime(9999, 12, 30, tzinfo=UTC) - EPOCH) // timedelta(microseconds=1)
_US = timedelta(microseconds=1)
MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
MAX_REPEAT = 1_000_000  # a "message repeated" count above this is not believed


@dataclass(frozen=True)
class LineContext:
    """What a line's time depends on besides the line.

    ``tz`` is the zone of timestamps that carry none (None: the system's local zone, as
    the C library sees it); ``mtime`` the file's modification time (syslog years);
    ``now`` the scan's time (``plain`` lines). Both in microseconds since the epoch.
    """

    tz: tzinfo | None = None
    mtime: int | None = None
    now: int = 0

    @cached_property
    def limit(self) -> tuple[int, int]:
        """(year, instant) a syslog time is placed by: the file's, or the scan's time."""
        instant = self.now if self.mtime is None else self.mtime
        return year_of(instant, self.tz), instant


class Parsed(NamedTuple):
    """A line as a rule sees it.

    ``time`` is None when the line has no readable time (it is then counted, not matched);
    ``text`` is what ``match`` is searched in (None: nothing to search); ``fields`` the
    top-level values of a JSON line; ``weight`` how many occurrences the line stands for.
    """

    time: int | None
    text: str | None
    fields: dict[str, Any] | None = None
    weight: int = 1


# --------------------------------------------------------------------------- times


def to_us(when: datetime) -> int:
    """An aware datetime as microseconds since the epoch (exact, no float)."""
    return (when - EPOCH) // _US


def from_us(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


def local_time(
    year: int,
    month: int,
    day: int,
    hour: int,
    minute: int,
    second: int,
    micro: int,
    tz: tzinfo | None,
) -> int:
    """Wall-clock fields in ``tz`` (None: the system's zone) as epoch microseconds.

    Raises ValueError for a date that does not exist (Feb 30).
    """
    naive = datetime(year, month, day, hour, minute, second, micro)
    aware = naive.astimezone() if tz is None else naive.replace(tzinfo=tz)
    return to_us(aware)


def year_of(value: int, tz: tzinfo | None) -> int:
    """The calendar year of an epoch-microseconds instant, in ``tz`` (None: local)."""
    when = from_us(value)
    return (when.astimezone() if tz is None else when.astimezone(tz)).year


def infer_year(
    month: int, day: int, hour: int, minute: int, second: int, micro: int, ctx: LineContext
) -> int | None:
    """A syslog time without a year, placed by the file's modification time.

    The time goes in the year of the modification time, or the year before when it would
    then lie after the modification time (a December line in a file last written in
    January). February 29th goes back to the nearest leap year. None when the file's time
    is unknown and the date cannot be placed, or the date does not exist.
    """
    year, limit = ctx.limit
    for candidate in range(year, year - 9, -1):
        try:
            value = local_time(candidate, month, day, hour, minute, second, micro, ctx.tz)
        except (ValueError, OverflowError):
            if month == 2 and day == 29:
                continue  # not a leap year: the line is from an earlier one
            return None
        if candidate == year and value > limit:
            continue  # after the file was last written: it is from the year before
        return value
    return None


def parse_iso(text: str, tz: tzinfo | None) -> int | None:
    """ISO 8601 (``Z``, ``+01:00``, ``+0100`` or no offset, which means ``tz``)."""
    try:
        if text.endswith(("Z", "z")):
            when = datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
        else:
            when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.astimezone() if tz is None else when.replace(tzinfo=tz)
    try:
        return to_us(when)
    except OverflowError:
        return None


def _clock(
    month: str, day: str, hour: str, minute: str, second: str, fraction: str | None
) -> tuple[int, int, int, int, int, int]:
    """Matched text of a timestamp as (month, day, hour, minute, second, microsecond)."""
    return MONTHS[month], int(day), int(hour), int(minute), int(second), _fraction(fraction)


def _fraction(digits: str | None) -> int:
    """Fractional-second digits as microseconds (extra digits beyond six are dropped)."""
    if not digits:
        return 0
    return int(digits[:6].ljust(6, "0"))


# --------------------------------------------------------------------------- syslog

_RFC3164 = re.compile(
    r"(?:<\d{1,3}>)?(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([ \d]?\d) "
    r"(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))? "
)
# rsyslog's RSYSLOG_FileFormat, journald's short-iso: an ISO time, then the host
_ISO_SYSLOG = re.compile(
    r"(?:<\d{1,3}>)?(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:[Zz]|[+-]\d\d:?\d\d)?) "
)
# RFC 5424: <PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]
_RFC5424 = re.compile(
    r"(?:<\d{1,3}>)?\d{1,2} (\S+) \S+ \S+ \S+ \S+ (?:-|(?:\[(?:[^\]\\]|\\.)*\])+)(?: |$)"
)
# after the time: HOST TAG: where TAG is prog or prog[pid] (never message text, so a
# user name or request cannot pose as a repeat count)
_TAG = re.compile(r"\S+ [^\s\[\]:]+(?:\[[^\s\]]*\])?: ")
_REPEATED = re.compile(r"message repeated (\d{1,9}) times: \[ ?(.*?) ?\]")


def parse_syslog(line: str, ctx: LineContext) -> Parsed:
    match = _RFC3164.match(line)
    if match is not None:
        time = infer_year(*_clock(*match.groups()), ctx)
        return _repeated(line, match.end(), time, _TAG)
    match = _ISO_SYSLOG.match(line)
    if match is not None:
        stamp = match.group(1).replace(" ", "T", 1)
        if len(stamp) > 5 and stamp[-5] in "+-" and stamp[-3] != ":" and "T" in stamp:
            stamp = stamp[:-2] + ":" + stamp[-2:]  # +0100 -> +01:00
        return _repeated(line, match.end(), parse_iso(stamp, ctx.tz), _TAG)
    match = _RFC5424.match(line)
    if match is not None:
        stamp = match.group(1)
        time = None if stamp == "-" else parse_iso(stamp, ctx.tz)
        return _repeated(line, match.end(), time, None)
    return Parsed(None, line)


def _repeated(line: str, start: int, time: int | None, tag: re.Pattern[str] | None) -> Parsed:
    """``prog[pid]: message repeated N times: [ TEXT ]`` counts as ``prog[pid]: TEXT``, N times."""
    if "message repeated " not in line:
        return Parsed(time, line)
    message = start
    if tag is not None:
        found = tag.match(line, start)
        if found is None:
            return Parsed(time, line)
        message = found.end()
    repeat = _REPEATED.fullmatch(line, message)
    if repeat is None:
        return Parsed(time, line)
    count = int(repeat.group(1))
    if not 1 <= count <= MAX_REPEAT:
        return Parsed(time, line)
    return Parsed(time, line[:message] + repeat.group(2), None, count)


# --------------------------------------------------------------------------- apache, nginx

_ACCESS_TIME = re.compile(
    r"\[(\d\d)/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/(\d{4}):(\d\d):(\d\d):(\d\d)"
    r"(?:\.(\d{1,9}))? ([+-])(\d\d)(\d\d)\]"
)


def parse_apache_access(line: str, ctx: LineContext) -> Parsed:
    match = _ACCESS_TIME.search(line)
    if match is None:
        return Parsed(None, line)
    day, month, year, hour, minute, second, frac, sign, off_h, off_m = match.groups()
    offset = timedelta(hours=int(off_h), minutes=int(off_m))
    try:
        zone = _fixed_zone(-offset if sign == "-" else offset)
        fields = _clock(month, day, hour, minute, second, frac)
        return Parsed(to_us(datetime(int(year), *fields, tzinfo=zone)), line)
    except (ValueError, OverflowError):
        return Parsed(None, line)


_ZONES: dict[timedelta, tzinfo] = {}


def _fixed_zone(offset: timedelta) -> tzinfo:
    zone = _ZONES.get(offset)
    if zone is None:
        zone = _ZONES[offset] = timezone(offset)  # raises ValueError beyond ±24h
    return zone


_APACHE_ERROR = re.compile(
    r"\[(?:[A-Z][a-z]{2} )?(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([ \d]?\d) "
    r"(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))? (\d{4})\]"
)
_NGINX_ERROR = re.compile(r"(\d{4})/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d) ")


def parse_apache_error(line: str, ctx: LineContext) -> Parsed:
    match = _APACHE_ERROR.match(line)
    try:
        if match is not None:
            *clock, year = match.groups()
            return Parsed(local_time(int(year), *_clock(*clock), ctx.tz), line)
        match = _NGINX_ERROR.match(line)
        if match is not None:
            year, month, day, hour, minute, second = (int(g) for g in match.groups())
            return Parsed(local_time(year, month, day, hour, minute, second, 0, ctx.tz), line)
    except (ValueError, OverflowError):
        pass
    return Parsed(None, line)


# --------------------------------------------------------------------------- json lines


def parse_jsonl(line: str, ctx: LineContext) -> Parsed:
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        return Parsed(None, None)
    if not isinstance(value, dict):
        return Parsed(None, None)
    stamp = value.get("time", value.get("timestamp"))
    time = _json_time(stamp, ctx)
    message = value.get("message")
    return Parsed(time, message if isinstance(message, str) else None, value)


def _json_time(stamp: object, ctx: LineContext) -> int | None:
    if isinstance(stamp, str):
        return parse_iso(stamp.strip(), ctx.tz)
    if isinstance(stamp, bool) or not isinstance(stamp, int | float):
        return None
    if stamp != stamp or stamp in (float("inf"), float("-inf")):
        return None
    number = abs(stamp)
    # seconds until the year 5138; beyond that the number is ms, then µs, then ns
    scale = 1_000_000 if number < 1e11 else 1_000 if number < 1e14 else 1 if number < 1e17 else 0
    if scale == 0:
        value = int(stamp) // 1_000
    elif isinstance(stamp, int):
        value = stamp * scale
    else:
        value = round(stamp * scale)
    return value if MIN_US <= value <= MAX_US else None


def json_field(fields: dict[str, Any], name: str) -> str | None:
    """A top-level JSON value as text: strings as they are, anything else as JSON."""
    if name not in fields:
        return None
    value = fields[name]
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


# --------------------------------------------------------------------------- plain


def parse_plain(line: str, ctx: LineContext) -> Parsed:
    return Parsed(ctx.now, line)


PARSERS = {
    "syslog": parse_syslog,
    "apache-access": parse_apache_access,
    "apache-error": parse_apache_error,
    "jsonl": parse_jsonl,
    "plain": parse_plain,
}
