"""Scanning log sources with detection rules: the I/O around :mod:`irdesk.domain.scanning`.

For each source a rule needs, :func:`scan` finds its files (paths and globs), each with its
rotated siblings read oldest first (``auth.log.2.gz``, ``auth.log.1``, ``auth.log``; also
``secure-20261201`` date suffixes; ``.gz``, ``.bz2`` and ``.xz`` are decompressed as they
are read). It checks the source's health (missing, unreadable, empty, stale, retention:
each a :class:`~irdesk.domain.detection.Defect`), reads from where the last scan stopped,
merges the events of all files by time and feeds them to the rules' windows.

Where a scan stopped is kept per file as a :class:`FileCheckpoint`: device, inode, offset
and the SHA-256 of the file's first line. A file keeps its checkpoint when it is renamed
(same inode), and a copy of it (``auth.log.1`` compressed to ``auth.log.2.gz``, or copied
by ``copytruncate``) is recognised by its first line; a file whose first line changed was
truncated and is read from its start. The windows still open when a scan ends are kept too,
so a burst split across two scans fires as if it had been read in one go.

What a scan records goes through a :class:`ScanRecorder`: findings, defects opened and
closed, checkpoints, the rules files it used. :class:`MemoryRecorder` keeps them in memory
(``--dry-run`` and tests); :class:`irdesk.services.findings.JournalRecorder` records them in
the journal.
"""

from __future__ import annotations

import bz2
import glob
import gzip
import hashlib
import heapq
import io
import lzma
import os
import re
import stat
import time
import zlib
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from operator import attrgetter
from pathlib import Path
from typing import Any, Protocol

from irdesk.domain.detection import (
    Defect,
    Detector,
    Event,
    Finding,
    Key,
    LogSource,
    Rule,
    merge_findings,
    same_burst,
    us,
)
from irdesk.domain.durations import format_duration
from irdesk.domain.logline import LineContext, from_us, to_us
from irdesk.domain.models import Source
from irdesk.domain.scanning import FileScan, Target

CHUNK = 8 * 1024 * 1024
#: where a recorded scan keeps its checkpoint: the journal's runtime state (namespace, key)
SCAN_NAMESPACE = "scan"
CHECKPOINTS_KEY = "checkpoints"
FIRST_LINE_MAX = 64 * 1024  # bytes hashed at most to recognise a file by its first line
COMPRESSED: dict[str, type[gzip.GzipFile | bz2.BZ2File | lzma.LZMAFile]] = {
    ".gz": gzip.GzipFile,
    ".bz2": bz2.BZ2File,
    ".xz": lzma.LZMAFile,
}
_ROTATED = re.compile(
    r"(?:\.(?P<number>\d{1,4})|-(?P<date>\d{8}(?:\d{2})?))(?P<ext>\.(?:gz|bz2|xz))?"
)
_READ_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError)


# --------------------------------------------------------------------------- checkpoints


@dataclass(frozen=True)
class FileCheckpoint:
    """Where a scan stopped in one file. ``active``: it was its group's newest file."""

    source: str
    path: str
    device: int
    inode: int
    offset: int
    first_line: str | None  # SHA-256 (hex) of the first line, newline included
    active: bool = False


@dataclass(frozen=True)
class Checkpoints:
    """Everything a scheduled scan needs from the previous one (JSON-able: ``as_json``)."""

    files: tuple[FileCheckpoint, ...] = ()
    windows: Mapping[str, Any] = field(default_factory=dict)  # rule id -> open windows
    scanned: Mapping[str, int] = field(default_factory=dict)  # source id -> µs of last read

    def as_json(self) -> dict[str, Any]:
        return {
            "files": [
                [f.source, f.path, f.device, f.inode, f.offset, f.first_line, f.active]
                for f in self.files
            ],
            "windows": dict(self.windows),
            "scanned": dict(self.scanned),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Checkpoints:
        """Raises ValueError when ``data`` is not what :meth:`as_json` wrote."""
        try:
            files = tuple(
                FileCheckpoint(str(s), str(p), int(d), int(i), int(o), f, bool(a))
                for s, p, d, i, o, f, a in data.get("files", ())
            )
            windows = dict(data.get("windows", {}))
            scanned = {str(k): int(v) for k, v in dict(data.get("scanned", {})).items()}
        except (TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"not a scan checkpoint: {exc}") from None
        return cls(files, windows, scanned)


# --------------------------------------------------------------------------- the seam


class ScanRecorder(Protocol):
    """Where a scan's results go. The journal implements it; so does :class:`MemoryRecorder`.

    ``record_finding`` returns False for a finding already recorded: the same id (rule,
    key, first time), or the same burst seen from another start (same rule and key, time
    spans overlapping: :func:`~irdesk.domain.detection.same_burst`), so rescans,
    overlapping ``--since`` and rotated files read twice never record a finding twice.
    ``known_defects`` are the defects open now; a scan opens the new ones and closes
    those of the sources it looked at that are fine again.
    """

    def load_checkpoints(self) -> Checkpoints | None: ...

    def save_checkpoints(self, checkpoints: Checkpoints) -> None: ...

    def record_finding(self, finding: Finding) -> bool: ...

    def known_defects(self) -> Collection[Defect]: ...

    def open_defect(self, defect: Defect) -> None: ...

    def close_defect(self, defect: Defect) -> None: ...

    def rules_used(self, files: Sequence[Source]) -> None: ...


@dataclass
class MemoryRecorder:
    """A recorder that keeps everything in memory (``irdesk scan --dry-run``, tests)."""

    findings: dict[str, Finding] = field(default_factory=dict)
    bursts: dict[tuple[str, Key], list[Finding]] = field(default_factory=dict)  # by (rule, key)
    defects: dict[tuple[str, str], Defect] = field(default_factory=dict)
    closed: list[Defect] = field(default_factory=list)
    checkpoints: Checkpoints | None = None
    rules_files: dict[str, str] = field(default_factory=dict)  # path -> sha256

    def load_checkpoints(self) -> Checkpoints | None:
        return self.checkpoints

    def save_checkpoints(self, checkpoints: Checkpoints) -> None:
        self.checkpoints = checkpoints

    def record_finding(self, finding: Finding) -> bool:
        if finding.id in self.findings:
            return False
        same_key = self.bursts.setdefault((finding.rule, finding.key), [])
        if any(same_burst(finding, known) for known in same_key):
            return False
        self.findings[finding.id] = finding
        same_key.append(finding)
        return True

    def known_defects(self) -> Collection[Defect]:
        return list(self.defects.values())

    def open_defect(self, defect: Defect) -> None:
        self.defects[defect.key] = defect

    def close_defect(self, defect: Defect) -> None:
        if self.defects.pop(defect.key, None) is not None:
            self.closed.append(defect)

    def rules_used(self, files: Sequence[Source]) -> None:
        for source in files:
            self.rules_files[str(source.path)] = source.sha256


# --------------------------------------------------------------------------- the report


@dataclass
class ScanReport:
    """What one scan found: new findings, the sources' defects now, and what it read."""

    findings: list[Finding] = field(default_factory=list)
    defects: list[Defect] = field(default_factory=list)
    opened: list[Defect] = field(default_factory=list)
    closed: list[Defect] = field(default_factory=list)
    # rules none of whose sources had anything to read (missing, empty, unreadable)
    unchecked: dict[str, list[str]] = field(default_factory=dict)
    lines: int = 0
    files: int = 0
    unparsed: int = 0
    seconds: float = 0.0
    more: bool = False  # ``max_read`` stopped it before the end of some file

    @property
    def exit_code(self) -> int:
        """0 nothing found, 1 new findings or open defects (``irdesk scan``'s exit status)."""
        return 1 if self.findings or self.defects else 0

    def as_json(self) -> dict[str, Any]:
        return {
            "findings": [f.as_json() for f in self.findings],
            "defects": [d.as_json() for d in self.defects],
            "opened": [d.as_json() for d in self.opened],
            "closed": [d.as_json() for d in self.closed],
            "unchecked": [
                {"rule": rule, "sources": sources} for rule, sources in self.unchecked.items()
            ],
            "lines": self.lines,
            "seconds": round(self.seconds, 3),
        }


# --------------------------------------------------------------------------- files


@dataclass
class _Member:
    """One file of a group: the live file or a rotated sibling."""

    path: Path
    compressed: bool
    device: int = 0
    inode: int = 0
    size: int = 0
    mtime: int = 0
    first_line: str | None = None
    error: str | None = None  # could not be opened: nothing read
    failed: str | None = None  # a read failed part-way: read up to the scan's offset
    moved: bool = False  # replaced by rotation between being looked at and being read
    cut: bool = False  # the scan's read limit stopped it part-way: the next scan goes on


def rotation_order(path: Path) -> list[Path]:
    """The rotated siblings of ``path``, oldest first, then ``path`` if it exists.

    Numbered siblings (``.1``, ``.2.gz``: higher is older) come before dated ones
    (``-20261201``: earlier is older), which come before the live file.
    """
    folder, name = path.parent, path.name
    numbered: list[tuple[int, Path]] = []
    dated: list[tuple[str, Path]] = []
    try:
        entries = os.listdir(folder)
    except OSError:
        entries = []
    for entry in entries:
        if not entry.startswith(name) or entry == name:
            continue
        match = _ROTATED.fullmatch(entry, len(name))
        if match is None:
            continue
        if match.group("number") is not None:
            numbered.append((int(match.group("number")), folder / entry))
        else:
            dated.append((match.group("date"), folder / entry))
    ordered = [p for _, p in sorted(numbered, key=lambda x: (-x[0], str(x[1])))]
    ordered += [p for _, p in sorted(dated)]
    if path.exists() or path.is_symlink():
        ordered.append(path)
    return ordered


def _base(path: Path) -> Path:
    """``auth.log.2.gz`` → ``auth.log`` (a rotated name matched by a glob)."""
    name = path.name
    for match in re.finditer(r"[.-]", name):
        if match.start() > 0 and _ROTATED.fullmatch(name, match.start()):
            return path.with_name(name[: match.start()])
    return path


def groups_of(patterns: Sequence[str]) -> list[list[Path]]:
    """The files of a source: one group (oldest first) per live file its paths name."""
    bases: dict[Path, None] = {}
    for pattern in patterns:
        if glob.has_magic(pattern):
            for found in sorted(glob.glob(pattern)):
                bases.setdefault(_base(Path(found)), None)
        else:
            bases.setdefault(Path(pattern), None)
    groups = []
    for base in bases:
        members = rotation_order(base)
        if members:
            groups.append(members)
    return groups


# what _open gives: a file read unbuffered, or a decompressing reader of one
_Stream = io.FileIO | gzip.GzipFile | bz2.BZ2File | lzma.LZMAFile


def _open(member: _Member) -> _Stream:
    opener = COMPRESSED.get(member.path.suffix) if member.compressed else None
    if opener is not None:
        return opener(member.path, "rb")
    return open(member.path, "rb", buffering=0)  # noqa: SIM115 - the caller closes it


def _inspect(path: Path) -> _Member:
    member = _Member(path, path.suffix in COMPRESSED)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            member.error = "not a regular file"
            return member
        member.device, member.inode = info.st_dev, info.st_ino
        member.size, member.mtime = info.st_size, info.st_mtime_ns // 1000
        with _open(member) as handle:
            head = handle.read(FIRST_LINE_MAX)
    except PermissionError:
        member.error = "permission denied"
        return member
    except FileNotFoundError:
        member.error = "disappeared while being read"
        return member
    except _READ_ERRORS as exc:
        member.error = _reason(exc)
        return member
    end = head.find(b"\n")
    if end >= 0:
        member.first_line = hashlib.sha256(head[: end + 1]).hexdigest()
    elif len(head) >= FIRST_LINE_MAX:
        member.first_line = hashlib.sha256(head).hexdigest()
    return member


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class _Resume:
    """Finds where to start in a file from the last scan's checkpoints."""

    def __init__(self, checkpoints: Sequence[FileCheckpoint]) -> None:
        self.by_inode: dict[tuple[int, int], FileCheckpoint] = {}
        self.by_line: dict[str, int] = {}
        for cp in checkpoints:
            self.by_inode[(cp.device, cp.inode)] = cp
            if cp.first_line is not None:
                self.by_line[cp.first_line] = max(self.by_line.get(cp.first_line, 0), cp.offset)

    def offset(self, member: _Member) -> int:
        if member.first_line is None:
            return 0  # no complete first line yet: nothing was read from it
        cp = self.by_inode.get((member.device, member.inode))
        if cp is not None and cp.first_line == member.first_line:
            offset = cp.offset
        else:
            offset = self.by_line.get(member.first_line, 0)
        if not member.compressed and offset > member.size:
            return 0  # truncated and rewritten with the same first line
        return offset

    def lost(self, source: str, members: Sequence[_Member]) -> list[FileCheckpoint]:
        """Live files of the last scan that are gone, copies and all (maybe unread lines)."""
        present = {(m.device, m.inode, m.first_line) for m in members}
        lines = {m.first_line for m in members}
        return [
            cp
            for cp in self.by_inode.values()
            if cp.source == source
            and cp.active
            and cp.first_line is not None
            and (cp.device, cp.inode, cp.first_line) not in present
            and cp.first_line not in lines
        ]


# --------------------------------------------------------------------------- scanning


def zone(name: str) -> tzinfo | None:
    """A source's ``timezone``: None for the system's local zone."""
    if name == "local":
        return None
    if name == "UTC":
        return UTC
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


@dataclass
class _SourceScan:
    source: LogSource
    groups: list[list[_Member]]
    defects: list[Defect] = field(default_factory=list)
    scans: list[tuple[_Member, FileScan, bool]] = field(default_factory=list)

    def problem(self, problem: str, detail: str) -> None:
        self.defects.append(Defect(self.source.id, problem, detail))

    @property
    def blind(self) -> bool:
        """Nothing to look at: no file, only empty files, or none could be read."""
        read = [m for m, _, _ in self.scans if m.error is None]  # (partly read counts)
        return not read or all(m.size == 0 for m in read)


def scan(
    rules: Sequence[Rule],
    sources: Mapping[str, LogSource],
    recorder: ScanRecorder,
    *,
    now: datetime,
    since: datetime | None = None,
    paths: Mapping[str, Sequence[str]] | None = None,
    rules_files: Sequence[Source] = (),
    chunk_size: int = CHUNK,
    max_read: int | None = None,
    timer: Callable[[], float] = time.perf_counter,
) -> ScanReport:
    """Scan the sources ``rules`` need and record what was found.

    ``paths`` replaces a source's declared paths (``--source ID=PATH``). With ``since``,
    every line from that time on is read again (checkpoints are not used, and are saved
    afterwards); without it, each file is read from where the last scan stopped.
    ``max_read`` bounds the bytes read from each group of files (a file and its rotated
    siblings): the scan stops there at a line's end, says so (``more``), and the next
    scan carries on from that point.
    """
    started = timer()
    now_us = to_us(now)
    since_us = to_us(since) if since is not None else None
    report = ScanReport()
    previous = recorder.load_checkpoints() or Checkpoints()
    resume = _Resume(previous.files)
    detector = Detector(rules)
    if since is None:
        detector.restore(previous.windows)
    recorder.rules_used(list(rules_files))

    needed = list(dict.fromkeys(sid for rule in rules for sid in rule.requires))
    scans = {}
    for sid in needed:
        source = sources[sid]
        if paths and sid in paths:
            source = replace(source, paths=tuple(paths[sid]))
        scans[sid] = _prepare(source, resume, previous, now_us, since_us)

    streams = []
    for sid, state in scans.items():
        targets = [Target(i, rule) for i, rule in enumerate(rules) if sid in rule.requires]
        tz = zone(state.source.timezone)
        for group in state.groups:
            group_scans = []
            for member in group:
                if member.error is not None:
                    continue
                start = 0 if since_us is not None else resume.offset(member)
                context = LineContext(tz=tz, mtime=member.mtime, now=now_us)
                file_scan = FileScan(
                    targets,
                    state.source.format,
                    source=sid,
                    context=context,
                    since=since_us,
                    offset=start,
                )
                group_scans.append((member, file_scan, member is group[-1]))
            if group_scans:
                state.scans.extend(group_scans)
                streams.append(_events(group_scans, chunk_size, max_read))

    found: list[Finding] = []
    feed = detector.feed
    for event in heapq.merge(*streams, key=attrgetter("time")):
        finding = feed(event)
        if finding is not None:
            found.append(finding)

    for finding in sorted(merge_findings(found).values(), key=lambda f: (f.first, f.rule)):
        if recorder.record_finding(finding):
            report.findings.append(finding)

    for state in scans.values():
        for member, file_scan, _live in state.scans:
            report.more = report.more or member.cut
            report.lines += file_scan.lines
            report.unparsed += file_scan.unparsed
        report.files += len(state.scans)
        errors = [
            f"{m.path}: {m.error or m.failed}"
            for group in state.groups
            for m in group
            if m.error is not None or m.failed is not None
        ]
        if errors:
            state.problem("unreadable", "; ".join(errors))
    _record_defects(scans, recorder, report)
    blind = {sid for sid, state in scans.items() if state.blind}
    for rule in rules:
        if all(sid in blind for sid in rule.requires):
            report.unchecked[rule.id] = list(rule.requires)
    recorder.save_checkpoints(_checkpoints(previous, scans, detector, now_us))
    report.seconds = timer() - started
    return report


def _prepare(
    source: LogSource,
    resume: _Resume,
    previous: Checkpoints,
    now: int,
    since: int | None,
) -> _SourceScan:
    groups = [[_inspect(path) for path in group] for group in groups_of(source.paths)]
    state = _SourceScan(source, groups)
    members = [m for group in groups for m in group]
    if not members:
        state.problem("missing", "no file matches " + ", ".join(source.paths))
        return state
    readable = [m for m in members if m.error is None]
    if readable and all(m.size == 0 for m in readable):
        state.problem("empty", "every file is empty: " + ", ".join(str(m.path) for m in readable))
    if readable and source.max_age is not None:
        newest = max(m.mtime for m in readable)
        if now - newest > us(source.max_age):
            state.problem(
                "stale",
                f"no new line since {_shown(newest)}, longer ago than max_age "
                f"{_duration(source.max_age)}",
            )
    if source.retention is not None:
        oldest = now - us(source.retention)
        if since is not None and since < oldest:
            state.problem(
                "retention",
                f"asked for lines since {_shown(since)}, but this source keeps "
                f"{_duration(source.retention)}: lines before {_shown(oldest)} are gone",
            )
        last = previous.scanned.get(source.id)
        if since is None and last is not None and last < oldest:
            state.problem(
                "retention",
                f"the last scan was at {_shown(last)}, longer ago than the "
                f"{_duration(source.retention)} this source keeps: lines in between may be "
                "gone unscanned",
            )
    if since is None:
        for cp in resume.lost(source.id, members):
            state.problem(
                "retention",
                f"{cp.path} was rotated away or truncated after being read to byte "
                f"{cp.offset:,}; lines written after that were never scanned",
            )
    return state


def _shown(value: int) -> str:
    return from_us(value).isoformat(timespec="seconds")


def _duration(value: timedelta) -> str:
    return format_duration(value)


def _events(
    members: Sequence[tuple[_Member, FileScan, bool]], chunk_size: int, max_read: int | None
) -> Iterator[Event]:
    """The events of one group's files, oldest file first, at most ``max_read`` bytes in
    all (the file being read then is marked ``cut``). Read errors become a defect."""
    left = max_read
    for member, file_scan, live in members:
        try:
            with _open(member) as handle:
                if not member.compressed:
                    info = os.fstat(handle.fileno())
                    if (info.st_dev, info.st_ino) != (member.device, member.inode):
                        member.moved = True  # rotated just now: the next scan reads both
                        continue
                _skip(handle, member, file_scan.offset)
                while True:
                    if left is not None and left <= 0:
                        if not handle.read(1):
                            break  # read to its end exactly
                        member.cut = True
                        return  # the rest, and the newer files, at the next scan
                    chunk = handle.read(chunk_size if left is None else min(chunk_size, left))
                    if not chunk:
                        break
                    if left is not None:
                        left -= len(chunk)
                    yield from file_scan.feed(chunk)
                if not live:
                    yield from file_scan.finish()
        except _READ_ERRORS as exc:
            member.failed = f"read up to byte {file_scan.offset:,}: {_reason(exc)}"


def _skip(handle: _Stream, member: _Member, offset: int) -> None:
    if not offset:
        return
    if not member.compressed:
        handle.seek(offset)
        return
    left = offset
    while left > 0:
        skipped = handle.read(min(left, CHUNK))
        if not skipped:
            break
        left -= len(skipped)


def _record_defects(
    scans: Mapping[str, _SourceScan], recorder: ScanRecorder, report: ScanReport
) -> None:
    current = {d.key: d for state in scans.values() for d in state.defects}
    known = {d.key: d for d in recorder.known_defects()}
    for key, defect in sorted(current.items()):
        if key not in known:
            recorder.open_defect(defect)
            report.opened.append(defect)
    for key, defect in sorted(known.items()):
        if defect.source in scans and key not in current:
            recorder.close_defect(defect)
            report.closed.append(defect)
    report.defects = [current[key] for key in sorted(current)]


def _checkpoints(
    previous: Checkpoints, scans: Mapping[str, _SourceScan], detector: Detector, now: int
) -> Checkpoints:
    files = [cp for cp in previous.files if cp.source not in scans]
    scanned = {k: v for k, v in previous.scanned.items() if k not in scans}
    for sid, state in scans.items():
        read = {id(m) for m, _, _ in state.scans if m.error is None and not m.moved}
        for member, file_scan, live in state.scans:
            if id(member) in read:
                files.append(
                    FileCheckpoint(
                        sid,
                        str(member.path),
                        member.device,
                        member.inode,
                        file_scan.offset,
                        member.first_line,
                        live,
                    )
                )
        unread = {
            (m.device, m.inode) for g in state.groups for m in g if id(m) not in read and m.inode
        }
        files.extend(
            cp for cp in previous.files if cp.source == sid and (cp.device, cp.inode) in unread
        )
        if read:
            scanned[sid] = now
        elif sid in previous.scanned:
            scanned[sid] = previous.scanned[sid]
    windows = {**previous.windows, **detector.state()}
    return Checkpoints(tuple(files), windows, scanned)
