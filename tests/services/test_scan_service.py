"""Scanning files: rotated siblings, compression, checkpoints, truncation, reruns, --since,
and a defect for each way a source can fail. Answers worked out by hand in comments."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from irdesk.domain.detection import LogSource, Rule, Threshold
from irdesk.services.scan import (
    Checkpoints,
    FileCheckpoint,
    MemoryRecorder,
    groups_of,
    rotation_order,
    scan,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
GUESS = r"sshd\[\d+\]: Failed password for (?P<user>\S+) from (?P<ip>\S+)"


def rule(ident: str = "guess", count: int | None = 3, within: int = 60, **kw) -> Rule:
    fields = {
        "id": ident,
        "title": "guessing from {ip}",
        "origin": "threat-model",
        "reviewed": date(2026, 11, 1),
        "requires": ("auth",),
        "match": GUESS,
        "group_by": ("ip",),
        "threshold": Threshold(count, timedelta(seconds=within)) if count else None,
    }
    fields.update(kw)
    return Rule(**fields)


def source(*paths: Path | str, ident: str = "auth", fmt: str = "syslog", **kw) -> LogSource:
    return LogSource(ident, tuple(str(p) for p in paths), fmt, "UTC", **kw)


def fail(clock: str, ip: str = "203.0.113.9", user: str = "root") -> str:
    return f"Nov 30 {clock} host sshd[42]: Failed password for {user} from {ip} port 22 ssh2\n"


def write(path: Path, *lines: str, mtime: datetime = NOW - timedelta(minutes=1)) -> Path:
    path.write_text("".join(lines))
    touch(path, mtime)
    return path


def append(path: Path, *lines: str, mtime: datetime = NOW - timedelta(minutes=1)) -> None:
    with path.open("a") as handle:
        handle.write("".join(lines))
    touch(path, mtime)


def touch(path: Path, when: datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


def run(rules, sources, recorder=None, **kw):  # noqa: ANN001, ANN003
    recorder = recorder if recorder is not None else MemoryRecorder()
    kw.setdefault("now", NOW)
    if isinstance(sources, LogSource):
        sources = {sources.id: sources}
    return scan(list(rules), sources, recorder, **kw), recorder


def spans(report) -> list[tuple[str, str, int]]:  # noqa: ANN001
    return [
        (f.first_time.strftime("%H:%M:%S"), f.last_time.strftime("%H:%M:%S"), f.count)
        for f in report.findings
    ]


# --------------------------------------------------------------------------- finding files


def test_rotated_siblings_are_read_oldest_first(tmp_path: Path):
    for name in ("auth.log", "auth.log.1", "auth.log.2.gz", "auth.log.10.gz", "auth.log-old"):
        (tmp_path / name).write_text("")
    (tmp_path / "secure-20261122").write_text("")
    (tmp_path / "secure-20261129.gz").write_text("")
    assert [p.name for p in rotation_order(tmp_path / "auth.log")] == [
        "auth.log.10.gz",
        "auth.log.2.gz",
        "auth.log.1",
        "auth.log",
    ]
    assert [p.name for p in rotation_order(tmp_path / "secure")] == [
        "secure-20261122",
        "secure-20261129.gz",  # the live file does not exist right now
    ]


def test_a_glob_that_matches_rotated_names_groups_them_under_their_file(tmp_path: Path):
    for name in ("a.log", "a.log.1", "b.log", "b.log.2.gz"):
        (tmp_path / name).write_text("")
    groups = groups_of([str(tmp_path / "*.log*")])
    assert [[p.name for p in g] for g in groups] == [["a.log.1", "a.log"], ["b.log.2.gz", "b.log"]]


def test_a_burst_across_rotation_is_one_finding(tmp_path: Path):
    # auth.log.1 holds 06:00:00 and 06:00:10, auth.log 06:00:20: three within 60 s
    write(tmp_path / "auth.log.1", fail("06:00:00"), fail("06:00:10"))
    write(tmp_path / "auth.log", fail("06:00:20"))
    report, _ = run([rule()], source(tmp_path / "auth.log"))
    assert spans(report) == [("06:00:00", "06:00:20", 3)]
    assert (report.lines, report.files, report.defects) == (3, 2, [])


@pytest.mark.parametrize(
    "suffix, opener", [(".gz", gzip.open), (".bz2", bz2.open), (".xz", lzma.open)]
)
def test_compressed_siblings_are_read(tmp_path: Path, suffix: str, opener):  # noqa: ANN001
    with opener(tmp_path / f"auth.log.2{suffix}", "wt") as handle:
        handle.write(fail("06:00:00") + fail("06:00:10"))
    touch(tmp_path / f"auth.log.2{suffix}", NOW - timedelta(hours=1))
    write(tmp_path / "auth.log", fail("06:00:20"))
    report, _ = run([rule()], source(tmp_path / "auth.log"))
    assert spans(report) == [("06:00:00", "06:00:20", 3)]


def test_events_of_several_files_are_merged_by_time(tmp_path: Path):
    # a.log has 06:00:00 and 06:00:30, b.log 06:00:10 and 06:01:10 for the same client:
    # merged, 00, 10, 30 fire (30 s); file by file, a's 00, 30 then b's 10 would too, but
    # b's 01:10 after a's 00:30 shows the order: merged gives one finding, first 06:00:00
    write(tmp_path / "a.log", fail("06:00:00"), fail("06:00:30"))
    write(tmp_path / "b.log", fail("06:00:10"), fail("06:01:10"))
    report, _ = run([rule()], source(tmp_path / "a.log", tmp_path / "b.log"))
    assert spans(report) == [("06:00:00", "06:00:30", 3)]


def test_year_rollover_in_a_file_last_written_in_january(tmp_path: Path):
    # mtime 2027-01-01 00:00:30: Dec 31 lines are 2026, Jan 1 lines 2027; 20 s in all
    lines = [
        "Dec 31 23:59:50 host sshd[1]: Failed password for root from 1.2.3.4 port 22\n",
        "Dec 31 23:59:59 host sshd[1]: Failed password for root from 1.2.3.4 port 22\n",
        "Jan  1 00:00:10 host sshd[1]: Failed password for root from 1.2.3.4 port 22\n",
    ]
    write(tmp_path / "auth.log", *lines, mtime=datetime(2027, 1, 1, 0, 0, 30, tzinfo=UTC))
    report, _ = run(
        [rule()], source(tmp_path / "auth.log"), now=datetime(2027, 1, 1, 1, tzinfo=UTC)
    )
    (finding,) = report.findings
    assert finding.first_time == datetime(2026, 12, 31, 23, 59, 50, tzinfo=UTC)
    assert finding.last_time == datetime(2027, 1, 1, 0, 0, 10, tzinfo=UTC)


def test_bad_bytes_never_stop_a_scan(tmp_path: Path):
    noise = bytes(range(256)) * 50 + b"\n\x00\xff\n" + fail("06:00:00").encode() * 3
    (tmp_path / "auth.log").write_bytes(noise)
    report, _ = run([rule()], source(tmp_path / "auth.log"))
    assert len(report.findings) == 1 and report.defects == []


# --------------------------------------------------------------------------- checkpoints


def test_a_burst_split_across_two_scans_fires_once_with_its_first_event(tmp_path: Path):
    log = write(tmp_path / "auth.log", fail("06:00:00"), fail("06:00:10"))
    recorder = MemoryRecorder()
    first, _ = run([rule()], source(log), recorder)
    assert first.findings == [] and first.lines == 2
    append(log, fail("06:00:20"))
    second, _ = run([rule()], source(log), recorder)
    assert spans(second) == [("06:00:00", "06:00:20", 3)]
    assert second.lines == 1  # only the new line was read


def test_a_rerun_reads_nothing_again_and_records_nothing(tmp_path: Path):
    log = write(tmp_path / "auth.log", fail("06:00:00"), fail("06:00:10"), fail("06:00:20"))
    recorder = MemoryRecorder()
    first, _ = run([rule()], source(log), recorder)
    again, _ = run([rule()], source(log), recorder)
    assert len(first.findings) == 1 and again.findings == [] and again.lines == 0
    assert len(recorder.findings) == 1


def test_rotation_between_scans_reads_each_line_once(tmp_path: Path):
    log = write(tmp_path / "auth.log", fail("06:00:00", ip="A"))
    recorder = MemoryRecorder()
    run([rule()], source(log), recorder)
    # more lines, then logrotate renames (same inode) and the daemon starts a new file
    append(log, fail("06:00:10", ip="A"))
    log.rename(tmp_path / "auth.log.1")
    write(log, fail("06:00:20", ip="A"))
    second, _ = run([rule()], source(log), recorder)
    assert second.lines == 2 and spans(second) == [("06:00:00", "06:00:20", 3)]
    # next rotation: .1 compressed to .2.gz (a new inode, known by its first line)
    with (
        (tmp_path / "auth.log.1").open("rb") as raw,
        gzip.open(tmp_path / "auth.log.2.gz", "wb") as gz,
    ):
        shutil.copyfileobj(raw, gz)
    (tmp_path / "auth.log.1").unlink()
    log.rename(tmp_path / "auth.log.1")
    write(log, fail("06:00:30", ip="B"))
    third, _ = run([rule()], source(log), recorder)
    assert third.lines == 1 and third.findings == [] and third.defects == []


def test_a_rotation_during_the_scan_is_read_by_the_next_one(tmp_path: Path, monkeypatch):
    import irdesk.services.scan as service

    log = write(tmp_path / "auth.log", fail("06:00:00"))
    recorder = MemoryRecorder()
    run([rule()], source(log), recorder)
    append(log, fail("06:00:10"))
    real = service._inspect

    def inspect_then_rotate(path):  # noqa: ANN001, ANN202
        member = real(path)
        log.rename(tmp_path / "auth.log.1")  # logrotate strikes between look and read
        write(log, fail("06:00:20"), fail("06:00:30"), fail("06:00:40"))
        return member

    monkeypatch.setattr(service, "_inspect", inspect_then_rotate)
    during, _ = run([rule()], source(log), recorder)
    monkeypatch.setattr(service, "_inspect", real)
    assert (during.lines, during.findings, during.defects) == (0, [], [])
    after, _ = run([rule()], source(log), recorder)
    # the rest of the old file and the whole new one; 00 (kept), 10, 20 fire; 30, 40 wait
    assert after.lines == 4 and spans(after) == [("06:00:00", "06:00:20", 3)]


def test_copytruncate_rotation_is_followed_by_first_line(tmp_path: Path):
    log = write(tmp_path / "auth.log", fail("06:00:00"))
    recorder = MemoryRecorder()
    run([rule()], source(log), recorder)
    append(log, fail("06:00:10"))
    shutil.copy(log, tmp_path / "auth.log.1")  # a new inode with the same first line
    touch(tmp_path / "auth.log.1", NOW - timedelta(minutes=1))  # as copytruncate keeps it
    write(log, fail("06:00:20"))  # truncated in place, new content
    second, _ = run([rule()], source(log), recorder)
    assert second.lines == 2 and spans(second) == [("06:00:00", "06:00:20", 3)]


def test_a_truncated_file_is_read_from_its_start(tmp_path: Path):
    log = write(tmp_path / "auth.log", fail("05:00:00", ip="A"), fail("05:00:01", ip="A"))
    recorder = MemoryRecorder()
    run([rule()], source(log), recorder)
    # emptied and rewritten: the first line differs, and is longer than before
    write(log, fail("06:00:00", ip="B") * 3)
    second, _ = run([rule()], source(log), recorder)
    assert second.lines == 3 and [f.key for f in second.findings] == [(("ip", "B"),)]
    assert any(d.problem == "retention" for d in second.defects)  # A's tail may be lost


def test_a_file_shorter_than_its_checkpoint_with_the_same_first_line_starts_over(tmp_path: Path):
    log = write(tmp_path / "auth.log", fail("06:00:00"), fail("06:00:01"), fail("06:00:02"))
    recorder = MemoryRecorder()
    run([rule(count=None)], source(log), recorder)
    write(log, fail("06:00:00"))
    second, _ = run([rule(count=None)], source(log), recorder)
    assert second.lines == 1


def test_overlapping_since_never_records_a_burst_twice(tmp_path: Path):
    # one client every 10 s from 06:00:00 to 06:00:50. --since 06:00:00 groups
    # (00,10,20) and (30,40,50); --since 06:00:15 groups (20,30,40): the same burst seen
    # from another start, overlapping both: nothing new
    log = write(tmp_path / "auth.log", *(fail(f"06:00:{s:02d}") for s in range(0, 60, 10)))
    recorder = MemoryRecorder()
    since = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    first, _ = run([rule()], source(log), recorder, since=since)
    assert spans(first) == [("06:00:00", "06:00:20", 3), ("06:00:30", "06:00:50", 3)]
    later, _ = run([rule()], source(log), recorder, since=since + timedelta(seconds=15))
    assert later.findings == [] and later.lines == 6
    again, _ = run([rule()], source(log), recorder, since=since)
    assert again.findings == []


def test_checkpoints_round_trip_through_json(tmp_path: Path):
    log = write(tmp_path / "auth.log", fail("06:00:00"))
    _, recorder = run([rule()], source(log))
    saved = recorder.checkpoints
    restored = Checkpoints.from_json(json.loads(json.dumps(saved.as_json())))
    assert restored.files == saved.files and restored.scanned == saved.scanned
    assert json.dumps(restored.as_json()) == json.dumps(saved.as_json())
    (cp,) = restored.files
    assert (cp.source, cp.offset, cp.active) == ("auth", log.stat().st_size, True)
    with pytest.raises(ValueError, match="not a scan checkpoint"):
        Checkpoints.from_json({"files": [["too", "short"]]})


def test_checkpoints_of_sources_not_scanned_are_kept(tmp_path: Path):
    other = FileCheckpoint("web", "/var/log/x", 1, 2, 300, "ab" * 32, True)
    recorder = MemoryRecorder(checkpoints=Checkpoints((other,), {}, {"web": 5}))
    log = write(tmp_path / "auth.log", fail("06:00:00"))
    run([rule()], source(log), recorder)
    assert other in recorder.checkpoints.files and recorder.checkpoints.scanned["web"] == 5


def test_a_source_path_can_be_given_on_the_command_line(tmp_path: Path):
    log = write(tmp_path / "elsewhere.log", fail("06:00:00") * 3)
    report, _ = run([rule()], source("/nonexistent/auth.log"), paths={"auth": [str(log)]})
    assert len(report.findings) == 1 and report.defects == []


# --------------------------------------------------------------------------- defects


def problems(report) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(d.source, d.problem) for d in report.defects]


def test_missing_source(tmp_path: Path):
    report, _ = run([rule()], source(tmp_path / "auth.log", tmp_path / "secure"))
    assert problems(report) == [("auth", "missing")]
    assert (
        report.defects[0].detail
        == f"no file matches {tmp_path / 'auth.log'}, {tmp_path / 'secure'}"
    )
    assert report.unchecked == {"guess": ["auth"]} and report.exit_code == 1


def test_unreadable_source(tmp_path: Path, monkeypatch):
    log = write(tmp_path / "auth.log", fail("06:00:00"))
    # tests may run as root, where file modes do not stop reads: refuse like the kernel would
    real = open

    def refuse(file, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        if str(file) == str(log):
            raise PermissionError(13, "Permission denied", str(file))
        return real(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", refuse)
    report, _ = run([rule()], source(log))
    assert problems(report) == [("auth", "unreadable")]
    assert report.defects[0].detail == f"{log}: permission denied"


def test_a_fifo_or_folder_is_unreadable_not_a_hang(tmp_path: Path):
    os.mkfifo(tmp_path / "auth.log")
    (tmp_path / "folder.log").mkdir()
    report, _ = run([rule()], source(tmp_path / "auth.log", tmp_path / "folder.log"))
    assert problems(report) == [("auth", "unreadable")]
    assert "not a regular file" in report.defects[0].detail


def test_a_corrupt_compressed_sibling_is_unreadable_and_the_rest_is_read(tmp_path: Path):
    (tmp_path / "auth.log.2.gz").write_bytes(b"not gzip at all")
    lines = "".join(
        fail(f"05:{m:02d}:{s:02d}", user=f"u{m}{s}") for m in range(60) for s in range(60)
    )
    good = gzip.compress(lines.encode())  # 300 kB of lines: the first 64 kB read fine
    (tmp_path / "auth.log.1.gz").write_bytes(good[: len(good) // 2])  # cut short
    write(tmp_path / "auth.log", fail("06:00:10") * 3)
    report, recorder = run([rule()], source(tmp_path / "auth.log"))
    assert problems(report) == [("auth", "unreadable")]
    detail = report.defects[0].detail
    assert "auth.log.2.gz: BadGzipFile" in detail and "auth.log.1.gz: read up to byte" in detail
    assert report.findings  # the live file was still read
    assert "guess" not in report.unchecked


def test_empty_source(tmp_path: Path):
    write(tmp_path / "auth.log")
    report, _ = run([rule()], source(tmp_path / "auth.log"))
    assert problems(report) == [("auth", "empty")]


def test_stale_source(tmp_path: Path):
    write(tmp_path / "auth.log", fail("06:00:00"), mtime=NOW - timedelta(hours=2, seconds=1))
    report, _ = run([rule()], source(tmp_path / "auth.log", max_age=timedelta(hours=2)))
    assert problems(report) == [("auth", "stale")]
    assert "longer ago than max_age 2h" in report.defects[0].detail
    fresh, _ = run([rule()], source(tmp_path / "auth.log", max_age=timedelta(hours=2, seconds=2)))
    assert fresh.defects == []


def test_since_older_than_retention_says_the_lines_are_gone(tmp_path: Path):
    log = write(tmp_path / "auth.log", fail("06:00:00"))
    src = source(log, retention=timedelta(days=28))
    report, _ = run([rule()], src, since=NOW - timedelta(days=30))
    assert problems(report) == [("auth", "retention")]
    assert "lines before 2026-11-02T12:00:00+00:00 are gone" in report.defects[0].detail
    within, _ = run([rule()], src, since=NOW - timedelta(days=27))
    assert within.defects == []


def test_a_scan_after_longer_than_retention_says_lines_may_be_gone(tmp_path: Path):
    log = write(tmp_path / "auth.log", fail("06:00:00"))
    recorder = MemoryRecorder()
    run([rule()], source(log), recorder, now=NOW - timedelta(days=40))
    report, _ = run([rule()], source(log, retention=timedelta(days=28)), recorder)
    assert problems(report) == [("auth", "retention")]
    assert "the last scan was at 2026-10-21T12:00:00+00:00" in report.defects[0].detail


def test_a_live_file_rotated_away_unread_is_a_defect(tmp_path: Path):
    log = write(tmp_path / "auth.log", fail("06:00:00", ip="A"))
    recorder = MemoryRecorder()
    run([rule()], source(log), recorder)
    log.unlink()  # rotated twice between scans: its copy is gone too
    write(log, fail("07:00:00", ip="B"))
    report, _ = run([rule()], source(log), recorder)
    assert problems(report) == [("auth", "retention")]
    assert "was rotated away or truncated after being read to byte" in report.defects[0].detail


def test_defects_are_opened_once_and_closed_when_the_source_is_back(tmp_path: Path):
    recorder = MemoryRecorder()
    src = source(tmp_path / "auth.log")
    first, _ = run([rule()], src, recorder)
    second, _ = run([rule()], src, recorder)
    assert [d.problem for d in first.opened] == ["missing"]
    assert second.opened == [] and problems(second) == [("auth", "missing")]
    write(tmp_path / "auth.log", fail("06:00:00"))
    third, _ = run([rule()], src, recorder)
    assert [d.problem for d in third.closed] == ["missing"] and third.defects == []
    assert recorder.defects == {} and [d.problem for d in recorder.closed] == ["missing"]
    assert third.exit_code == 0


def test_defects_of_sources_not_looked_at_stay_open(tmp_path: Path):
    recorder = MemoryRecorder()
    run([rule(requires=("web",))], source(tmp_path / "nope", ident="web"), recorder)
    log = write(tmp_path / "auth.log", fail("06:00:00"))
    report, _ = run([rule()], source(log), recorder)
    assert report.closed == [] and ("web", "missing") in recorder.defects


def test_a_rule_with_one_good_source_is_checked(tmp_path: Path):
    log = write(tmp_path / "auth.log", fail("06:00:00"))
    sources = {"auth": source(log), "web": source(tmp_path / "none", ident="web")}
    report, _ = run([rule(requires=("auth", "web"))], sources)
    assert problems(report) == [("web", "missing")] and report.unchecked == {}


def test_rules_files_used_are_handed_to_the_recorder(tmp_path: Path):
    from irdesk.domain.models import Source

    log = write(tmp_path / "auth.log", fail("06:00:00"))
    used = Source(tmp_path / "rules.yaml", "ab" * 32)
    _, recorder = run([rule()], source(log), rules_files=[used])
    assert recorder.rules_files == {str(tmp_path / "rules.yaml"): "ab" * 32}


def test_report_json_shape(tmp_path: Path):
    log = write(tmp_path / "auth.log", fail("06:55:46") * 2, fail("06:55:50"))
    sources = {"auth": source(log), "web": source(tmp_path / "x", ident="web")}
    report, _ = run([rule(), rule("web-rule", requires=("web",))], sources)
    shape = report.as_json()
    assert set(shape) == {
        "findings",
        "defects",
        "opened",
        "closed",
        "unchecked",
        "lines",
        "seconds",
    }
    (finding,) = shape["findings"]
    assert finding == {
        "rule": "guess",
        "key": {"ip": "203.0.113.9"},
        "count": 3,
        "first": "2026-11-30T06:55:46+00:00",
        "last": "2026-11-30T06:55:50+00:00",
        "source": "auth",
        "id": report.findings[0].id,
        "title": "guessing from 203.0.113.9",
    }
    assert shape["defects"] == [
        {"source": "web", "problem": "missing", "detail": f"no file matches {tmp_path / 'x'}"}
    ]
    assert shape["opened"] == shape["defects"] and shape["closed"] == []  # first seen now
    assert shape["unchecked"] == [{"rule": "web-rule", "sources": ["web"]}]
    assert shape["lines"] == 3 and isinstance(shape["seconds"], float)
