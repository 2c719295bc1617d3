"""Detection rules, log sources, findings and defects, and the windows that turn events
into findings. No I/O: :mod:`irdesk.services.scan` reads the files and feeds this.

Semantics (``docs/rules.md`` says the same for users):

- An **event** is one line a rule's ``match`` found, at the line's time, with the rule's
  ``group_by`` values as its key (a ``message repeated N times`` line is one event of
  weight N).
- Without a ``threshold`` every event is a finding. With one, a key fires when ``count``
  occurrences (or ``count`` distinct values of the ``distinct`` group) fall within
  ``within`` of each other: last − first ≤ within, both ends included. The key then
  starts afresh with its next event: one finding per burst.
- A finding is identified by (rule id, key, time of its first event): :func:`finding_id`.
- Per-key windows are forgotten once the rule's newest event is more than ``within`` plus
  :data:`LATE` past them, so memory does not grow with the length of the logs; events
  that arrive that far out of order may miss their window (logs are nearly ordered).
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from bisect import insort
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any, NamedTuple

from irdesk.domain.logline import from_us

FORMATS: tuple[str, ...] = ("syslog", "apache-access", "apache-error", "jsonl", "plain")
ORIGINS: tuple[str, ...] = ("external", "past-incident", "threat-model")
PROBLEMS: tuple[str, ...] = ("missing", "unreadable", "empty", "stale", "retention")
LATE = timedelta(minutes=15)  # how far out of order an event may come and still count
MAX_EVIDENCE = 100  # matched lines a finding keeps (its count says how many there were)
MISSING = "-"  # how a title shows a group that took no part in the match

_US = timedelta(microseconds=1)


def us(delta: timedelta) -> int:
    return delta // _US


# --------------------------------------------------------------------------- the checklist


@dataclass(frozen=True)
class LogSource:
    """Where some logs are and how to read them."""

    id: str
    paths: tuple[str, ...]
    format: str
    timezone: str = "local"
    max_age: timedelta | None = None
    retention: timedelta | None = None


@dataclass(frozen=True)
class Threshold:
    count: int
    within: timedelta
    distinct: str | None = None


@dataclass(frozen=True)
class Rule:
    """One suspicious event on the checklist (``origin`` is the file's ``source`` key)."""

    id: str
    title: str
    origin: str
    reviewed: date
    requires: tuple[str, ...]
    match: str
    group_by: tuple[str, ...] = ()
    threshold: Threshold | None = None
    reference: str | None = None
    incident: str | None = None
    severity: str | None = None
    playbook: str | None = None
    acknowledge: timedelta | None = None

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(self.match)

    @cached_property
    def title_parts(self) -> tuple[tuple[str, str | None], ...]:
        """The title as (literal text, field name or None) pieces."""
        return tuple(title_fields(self.title))

    @cached_property
    def fingerprint(self) -> str:
        """Changes when anything that decides what fires changes (saved windows then reset)."""
        threshold = self.threshold
        shape = [
            self.match,
            list(self.group_by),
            list(self.requires),
            None if threshold is None else [threshold.count, us(threshold.within)],
            None if threshold is None else threshold.distinct,
        ]
        return hashlib.sha256(json.dumps(shape).encode()).hexdigest()[:16]


def title_fields(title: str) -> Iterable[tuple[str, str | None]]:
    """``"From {ip}"`` → ("From ", "ip"). Raises ValueError for bad brace syntax.

    Only bare names are placeholders: ``{ip!r}``, ``{ip:>5}`` and ``{a.b}`` are refused by
    the loader (a title is not a place for Python formatting).
    """
    for text, name, spec, conversion in string.Formatter().parse(title):
        if name is not None and (spec or conversion):
            raise ValueError(f"only plain {{name}} placeholders are allowed, not {{{name}...}}")
        yield text, name


def render_title(rule: Rule, values: Mapping[str, str | None]) -> str:
    parts = []
    for text, name in rule.title_parts:
        parts.append(text)
        if name is not None:
            value = values.get(name)
            parts.append(MISSING if value is None else value)
    return "".join(parts)


# --------------------------------------------------------------------------- results


Key = tuple[tuple[str, str | None], ...]


def finding_id(rule: str, key: Key, first: int) -> str:
    """The identity of a finding: (rule id, key, time of its first event), hashed short."""
    text = json.dumps([rule, [list(pair) for pair in key], first], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class Finding:
    """A rule fired. Times are microseconds since the epoch, UTC."""

    rule: str
    key: Key
    first: int
    last: int
    count: int
    source: str
    title: str
    lines: tuple[str, ...] = ()
    distinct: int | None = None

    @cached_property
    def id(self) -> str:
        return finding_id(self.rule, self.key, self.first)

    @property
    def first_time(self) -> datetime:
        return from_us(self.first)

    @property
    def last_time(self) -> datetime:
        return from_us(self.last)

    def merged(self, other: Finding) -> Finding:
        """Two findings with one identity (same rule, key and first time) are one."""
        lines = (self.lines + other.lines)[:MAX_EVIDENCE]
        distinct = None
        if self.distinct is not None or other.distinct is not None:
            distinct = max(self.distinct or 0, other.distinct or 0)
        return Finding(
            self.rule,
            self.key,
            self.first,
            max(self.last, other.last),
            self.count + other.count,
            self.source,
            self.title,
            lines,
            distinct,
        )

    def as_json(self) -> dict[str, Any]:
        """The shape ``irdesk scan --format json`` prints (RULES.md), plus the title."""
        return {
            "rule": self.rule,
            "key": dict(self.key),
            "count": self.count,
            "first": self.first_time.isoformat(),
            "last": self.last_time.isoformat(),
            "source": self.source,
            "id": self.id,
            "title": self.title,
        }


@dataclass(frozen=True)
class Defect:
    """A log source the checklist needs cannot be used as it should (``problem`` in PROBLEMS)."""

    source: str
    problem: str
    detail: str = field(default="", compare=False)

    @property
    def key(self) -> tuple[str, str]:
        return self.source, self.problem

    def as_json(self) -> dict[str, str]:
        return {"source": self.source, "problem": self.problem, "detail": self.detail}


# --------------------------------------------------------------------------- events


class Event(NamedTuple):
    """One match of one rule. ``rule`` indexes the detector's rules."""

    time: int
    rule: int
    key: Key
    value: str | None  # the distinct group's value, if the rule counts distinct values
    weight: int
    line: str
    source: str
    title: tuple[tuple[str, str | None], ...]  # values for the title's placeholders


def _event_item(event: Event) -> list[object]:
    return [event.time, event.weight, event.value, event.line, event.source, event.title]


def _item_event(rule: int, key: Key, item: Sequence[Any]) -> Event:
    time, weight, value, line, source, title = item
    return Event(int(time), rule, key, value, int(weight), str(line), str(source), _pairs(title))


def _pairs(value: Iterable[Any]) -> tuple[tuple[str, str | None], ...]:
    return tuple((str(name), None if v is None else str(v)) for name, v in value)


class _Window:
    """The events of one key that lie within ``within`` of its newest one, oldest first."""

    __slots__ = ("events", "weight", "values")

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.weight = 0
        self.values: Counter[str] = Counter()

    def add(self, event: Event, within: int) -> None:
        events = self.events
        if not events or event.time >= events[-1].time:
            events.append(event)
        else:  # out of order: keep the list sorted by time, arrival order among equals
            insort(events, event, key=lambda e: e.time)
        self.weight += event.weight
        if event.value is not None:
            self.values[event.value] += event.weight
        newest = events[-1].time
        drop = 0
        while newest - events[drop].time > within:
            old = events[drop]
            self.weight -= old.weight
            if old.value is not None:
                self.values[old.value] -= old.weight
                if self.values[old.value] <= 0:
                    del self.values[old.value]
            drop += 1
        if drop:
            del events[:drop]


class _RuleWindows:
    def __init__(self, rule: Rule, index: int) -> None:
        self.rule = rule
        self.index = index
        threshold = rule.threshold
        self.count = threshold.count if threshold else 1
        self.within = us(threshold.within) if threshold else 0
        self.distinct = threshold.distinct if threshold else None
        self.horizon = self.within + us(LATE)
        self.keys: dict[Key, _Window] = {}
        self.newest: int | None = None
        self.swept: int | None = None

    def add(self, event: Event) -> Finding | None:
        if self.rule.threshold is None:
            return self._finding([event], event.weight, None)
        if self.newest is None or event.time > self.newest:
            self.newest = event.time
            self._sweep(event.time)
        window = self.keys.get(event.key)
        if window is None:
            window = self.keys[event.key] = _Window()
        window.add(event, self.within)
        reached = len(window.values) if self.distinct else window.weight
        if reached < self.count:
            return None
        del self.keys[event.key]  # fired: the key starts afresh with its next event
        return self._finding(window.events, window.weight, len(window.values) or None)

    def _sweep(self, newest: int) -> None:
        """Forget keys whose newest event is too old for any later event to reach."""
        if self.swept is None:
            self.swept = newest
            return
        if newest - self.swept < self.horizon:
            return
        limit = newest - self.horizon
        for key in [k for k, w in self.keys.items() if w.events[-1].time < limit]:
            del self.keys[key]
        self.swept = newest

    def _finding(self, events: Sequence[Event], weight: int, distinct: int | None) -> Finding:
        first = events[0]
        return Finding(
            rule=self.rule.id,
            key=first.key,
            first=first.time,
            last=max(e.time for e in events),
            count=weight,
            source=first.source,
            title=render_title(self.rule, dict(first.title)),
            lines=tuple(e.line for e in events[:MAX_EVIDENCE]),
            distinct=distinct if self.distinct else None,
        )

    # -- state kept between scans (JSON-able)
    def state(self) -> dict[str, Any]:
        return {
            "fingerprint": self.rule.fingerprint,
            "newest": self.newest,
            "swept": self.swept,
            "keys": [
                [[list(pair) for pair in key], [_event_item(e) for e in window.events]]
                for key, window in self.keys.items()
            ],
        }

    def restore(self, state: Mapping[str, Any]) -> None:
        self.newest = state.get("newest")
        self.swept = state.get("swept")
        self.keys = {}
        for raw_key, items in state.get("keys", ()):
            key = _pairs(raw_key)
            window = self.keys[key] = _Window()
            for item in items:
                window.add(_item_event(self.index, key, item), self.within)


class Detector:
    """Windows for a list of rules: events in (in time order, as far as logs allow),
    findings out. Feeding the same events in any number of calls gives the same findings.
    """

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = tuple(rules)
        self._windows = [_RuleWindows(rule, i) for i, rule in enumerate(self.rules)]

    def feed(self, event: Event) -> Finding | None:
        return self._windows[event.rule].add(event)

    def feed_all(self, events: Iterable[Event]) -> list[Finding]:
        found = []
        for event in events:
            finding = self._windows[event.rule].add(event)
            if finding is not None:
                found.append(finding)
        return found

    def pending(self) -> int:
        """Keys with events waiting for more (for tests and memory checks)."""
        return sum(len(w.keys) for w in self._windows)

    def state(self) -> dict[str, Any]:
        """What to keep between scans so a burst split across two scans still fires."""
        return {w.rule.id: w.state() for w in self._windows if w.rule.threshold is not None}

    def restore(self, state: Mapping[str, Any]) -> None:
        """Take back :meth:`state`; a rule whose definition changed starts empty."""
        for windows in self._windows:
            saved = state.get(windows.rule.id)
            if isinstance(saved, Mapping) and saved.get("fingerprint") == windows.rule.fingerprint:
                try:
                    windows.restore(saved)
                except (TypeError, ValueError, KeyError, IndexError, AttributeError):
                    windows.restore({})  # damaged: start this rule afresh rather than fail


def same_burst(a: Finding, b: Finding) -> bool:
    """One burst found twice from different starting points (an overlapping ``--since``
    regroups a key's events): same rule and key, time spans overlapping (not just touching:
    one stream's consecutive bursts may share an end second)."""
    return a.rule == b.rule and a.key == b.key and a.first < b.last and b.first < a.last


def merge_findings(findings: Iterable[Finding]) -> dict[str, Finding]:
    """Findings by id, those sharing an id merged (same rule, key and first time)."""
    merged: dict[str, Finding] = {}
    for finding in findings:
        known = merged.get(finding.id)
        merged[finding.id] = finding if known is None else known.merged(finding)
    return merged
