"""The bytes of one log file, in chunks of any size, turned into events. No I/O.

The fast path: each rule needs one of a few literal strings (:mod:`irdesk.domain.patterns`);
they are searched with ``bytes.find`` over a whole buffer of complete lines, and only the
lines holding one are decoded, parsed and given to the rule's regex. A rule with no usable
literal (a case-insensitive pattern, one made only of classes) has every line tried. Two
kinds of lines are candidates for every rule because their raw bytes may not show the text
the regex sees: syslog's ``message repeated N times: [...]`` (the text is re-assembled) and,
in ``jsonl`` files, lines with a backslash (JSON escapes: ``\\/`` for ``/``, ``\\u0041`` for ``A``).

What comes out does not depend on how the file was cut into chunks: lines are only handled
once complete, and a line longer than ``max_line`` bytes is cut at ``max_line`` whatever the
chunks (the rest of it is skipped). :func:`scan_lines` is the plain reference the tests
compare this with.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from irdesk.domain.detection import Event, Key, Rule
from irdesk.domain.logline import PARSERS, LineContext, Parsed, json_field
from irdesk.domain.patterns import requirements

MAX_LINE = 64 * 1024  # bytes of a line that are looked at; the rest of a longer one is not
SAMPLE = 1024 * 1024  # bytes of the first buffer used to choose each rule's literals
REPEATED = b"message repeated "


@dataclass(frozen=True)
class Target:
    """A rule as one file's scan sees it: its index in the detector and what it extracts."""

    index: int
    rule: Rule

    @property
    def names(self) -> tuple[str, ...]:
        title = tuple(n for _, n in self.rule.title_parts if n is not None)
        distinct = (self.rule.threshold.distinct,) if self.rule.threshold else ()
        return tuple(dict.fromkeys((*self.rule.group_by, *(d for d in distinct if d), *title)))


class FileScan:
    """Events from one file's bytes, in file order.

    ``feed`` takes the next chunk and returns the events of the lines it completed;
    ``finish`` ends the file (its last line counts even without a newline: use it for files
    that no longer grow, such as rotated ones). ``offset`` is where the next unread line
    starts (for checkpoints), ``lines`` how many lines were read, ``unparsed`` how many
    lines a rule matched had no readable time (they are skipped).
    """

    def __init__(
        self,
        targets: Sequence[Target],
        fmt: str,
        *,
        source: str,
        context: LineContext,
        since: int | None = None,
        offset: int = 0,
        max_line: int = MAX_LINE,
    ) -> None:
        self.targets = tuple(targets)
        self.format = fmt
        self.source = source
        self.context = context
        self.since = since
        self.offset = offset
        self.lines = 0
        self.unparsed = 0
        self.max_line = max_line
        self._parse = PARSERS[fmt]
        self._carry = b""
        self._long: bytes | None = None  # the kept head of a line longer than max_line
        self._long_size = 0
        self._everyone = (1 << len(self.targets)) - 1
        self._literals: list[tuple[bytes, int]] | None = None  # chosen on the first buffer
        self._all_lines = 0  # targets with no literal: every line is a candidate
        self._options: list[list[list[bytes]]] = []
        for bit, target in enumerate(self.targets):
            options = [_encoded(r) for r in requirements(target.rule.match)]
            options = [o for o in options if o]
            if not options:
                self._all_lines |= 1 << bit
            self._options.append(options)
        self._by_mask: dict[int, list[Target]] = {}

    # ------------------------------------------------------------------ feeding
    def feed(self, chunk: bytes) -> list[Event]:
        events: list[Event] = []
        if self._long is not None:
            end = chunk.find(b"\n")
            if end < 0:
                self._long_size += len(chunk)
                return events
            self._line(self._long, events)
            self.offset += self._long_size + end + 1
            self.lines += 1
            self._long = None
            chunk = chunk[end + 1 :]
        data = self._carry + chunk if self._carry else chunk
        end = data.rfind(b"\n") + 1
        if end:
            self._buffer(data, end, events)
        rest = data[end:]
        if len(rest) > self.max_line:
            self._long, self._long_size, self._carry = rest[: self.max_line], len(rest), b""
        else:
            self._carry = rest
        return events

    def finish(self) -> list[Event]:
        """The last line of a file that will not grow any more, newline or not."""
        events: list[Event] = []
        if self._long is not None:
            self._line(self._long, events)
            self.offset += self._long_size
            self.lines += 1
            self._long = None
        elif self._carry:
            self._line(self._carry[: self.max_line], events)
            self.offset += len(self._carry)
            self.lines += 1
            self._carry = b""
        return events

    # ------------------------------------------------------------------ buffers
    def _buffer(self, data: bytes, end: int, events: list[Event]) -> None:
        """Complete lines data[:end] (end just after a newline)."""
        self.lines += data.count(b"\n", 0, end)
        literals = self._literals
        if literals is None:
            literals = self._literals = self._choose(data, end)
        candidates: dict[int, int] = {}
        if self._all_lines:
            start = 0
            while start < end:
                candidates[start] = self._all_lines
                start = data.find(b"\n", start, end) + 1
        for literal, mask in literals:
            found = data.find(literal, 0, end)
            while found >= 0:
                start = data.rfind(b"\n", 0, found) + 1
                stop = data.find(b"\n", found, end)
                candidates[start] = candidates.get(start, 0) | mask
                found = data.find(literal, stop + 1, end)
        max_line = self.max_line
        for start in sorted(candidates):
            stop = data.find(b"\n", start, end)
            self._line(data[start : min(stop, start + max_line)], events, candidates[start])
        self.offset += end

    def _choose(self, data: bytes, end: int) -> list[tuple[bytes, int]]:
        """Per rule, the requirement that costs least on this first buffer.

        Any requirement gives the same result (each holds for every match); the cheapest
        only means less work: each literal is one pass of ``bytes.find`` over every buffer
        (about as long, per 50 kB, as decoding and trying one candidate line), each hit a
        line to decode.
        """
        chosen: dict[bytes, int] = {}
        sample = data[: min(end, SAMPLE)]
        pass_cost = len(sample) / 50_000
        for bit, options in enumerate(self._options):
            if not options:
                continue

            def cost(literals: list[bytes]) -> tuple[float, int]:
                hits = sum(sample.count(x) for x in literals)
                return hits + pass_cost * len(literals), -min(len(x) for x in literals)

            for literal in min(options, key=cost) if len(options) > 1 else options[0]:
                chosen[literal] = chosen.get(literal, 0) | (1 << bit)
        if self.format == "syslog":
            chosen[REPEATED] = self._everyone
        elif self.format == "jsonl":
            chosen[b"\\"] = self._everyone
        return sorted(chosen.items())

    # ------------------------------------------------------------------ lines
    def _line(self, raw: bytes, events: list[Event], mask: int | None = None) -> None:
        text = raw.decode("utf-8", "replace")
        if text.endswith("\r"):
            text = text[:-1]
        parsed = self._parse(text, self.context)
        targets = self._targets(self._everyone if mask is None else mask)
        match_line(parsed, text, targets, self.source, self.since, events, self)

    def _targets(self, mask: int) -> list[Target]:
        found = self._by_mask.get(mask)
        if found is None:
            found = self._by_mask[mask] = [
                t for bit, t in enumerate(self.targets) if mask & (1 << bit)
            ]
        return found


def _encoded(requirement: frozenset[str]) -> list[bytes]:
    try:
        return sorted(s.encode("utf-8") for s in requirement)
    except UnicodeEncodeError:  # a lone surrogate in the pattern: no literal to look for
        return []


def match_line(
    parsed: Parsed,
    line: str,
    targets: Iterable[Target],
    source: str,
    since: int | None,
    events: list[Event],
    counter: FileScan | None = None,
) -> None:
    """Run each target's regex on a parsed line; append an event for each match."""
    if parsed.text is None:
        return
    if parsed.time is None:
        if counter is not None and any(t.rule.pattern.search(parsed.text) for t in targets):
            counter.unparsed += 1
        return
    if since is not None and parsed.time < since:
        return
    for target in targets:
        found = target.rule.pattern.search(parsed.text)
        if found is None:
            continue
        values = _values(found, parsed, target)
        rule = target.rule
        threshold = rule.threshold
        key: Key = tuple((name, values.get(name)) for name in rule.group_by)
        value = values.get(threshold.distinct) if threshold and threshold.distinct else None
        title = tuple((name, values.get(name)) for _, name in rule.title_parts if name)
        events.append(
            Event(parsed.time, target.index, key, value, parsed.weight, line, source, title)
        )


def _values(found: re.Match[str], parsed: Parsed, target: Target) -> dict[str, str | None]:
    groups = found.re.groupindex
    values: dict[str, str | None] = {}
    for name in target.names:
        if name in groups:
            values[name] = found.group(name)
        elif parsed.fields is not None:
            values[name] = json_field(parsed.fields, name)
        else:
            values[name] = None
    return values


def scan_lines(
    data: bytes,
    targets: Sequence[Target],
    fmt: str,
    *,
    source: str,
    context: LineContext,
    since: int | None = None,
    max_line: int = MAX_LINE,
    final: bool = True,
) -> list[Event]:
    """The reference: every line decoded, parsed and tried by every rule, in order."""
    events: list[Event] = []
    parse = PARSERS[fmt]
    lines = data.split(b"\n")
    if not final or lines[-1] == b"":
        lines = lines[:-1]
    for raw in lines:
        text = raw[:max_line].decode("utf-8", "replace")
        if text.endswith("\r"):
            text = text[:-1]
        match_line(parse(text, context), text, targets, source, since, events)
    return events
