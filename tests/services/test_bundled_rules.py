"""Each bundled rule against a hand-made log that must trigger it and one that must not.

Samples live in ``tests/fixtures_rules/<rule id>/{fires,quiet}/<source id>.log``; every
source the rule requires is read from the file named after it. Expected findings (key,
count, first and last time in UTC, in time order) are worked out by hand below; see each
sample for the lines.
"""

from __future__ import annotations

import functools
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from irdesk.formats.rules import default_files, load_rules
from irdesk.services.scan import MemoryRecorder, scan

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures_rules"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # the samples are from Nov 29

EXPECTED: dict[str, list[tuple[dict[str, str], int, str, str]]] = {
    # 03:12:40 (1) + repeated x2 at 03:12:44 + 03:15:02 + 03:21:30 = 5 within 8m50s;
    # 03:21:31 starts afresh. Quiet: 5 failures 6 minutes apart never fit in 10 minutes.
    "ssh-password-guessing": [({"ip": "203.0.113.9"}, 5, "03:12:40", "03:21:30")],
    # admin, test, oracle, admin, ubuntu, pi: the 5th distinct name at 9m59s, 6 events.
    # Quiet: the 5th name comes 11 minutes after the first, which has left the window.
    "ssh-user-enumeration": [({"ip": "192.0.2.44"}, 6, "05:00:00", "05:09:59")],
    # both shapes of the warning; quiet: newer sshd's wording without the warning
    "ssh-reverse-dns-mismatch": [
        ({"ip": "203.0.113.77"}, 1, "04:01:10", "04:01:10"),
        ({"ip": "198.51.100.99"}, 1, "04:05:00", "04:05:00"),
    ],
    "sudo-not-in-sudoers": [
        ({"user": "mallory"}, 1, "07:01:02", "07:01:02"),
        ({"user": "mallory"}, 1, "07:05:00", "07:05:00"),
    ],
    "sudo-password-failures": [({"user": "bob"}, 1, "07:20:09", "07:20:09")],
    # three FAILED SU by bob in 2 minutes (Debian with pid, RHEL without); quiet: two and
    # a success, and single failures by other users
    "su-failures": [({"user": "bob"}, 3, "08:00:00", "08:02:00")],
    "local-account-created": [({"user": "backup2"}, 1, "10:00:00", "10:00:00")],
    "uid-zero-account": [({}, 1, "11:00:00", "11:00:00"), ({}, 1, "11:05:00", "11:05:00")],
    # the "shadow group" line of the same change does not count again
    "admin-group-granted": [
        ({"user": "eve", "group": "sudo"}, 1, "12:00:00", "12:00:00"),
        ({"user": "mallory", "group": "wheel"}, 1, "12:10:00", "12:10:00"),
    ],
    "admin-group-granted-gpasswd": [({"user": "eve", "group": "sudo"}, 1, "12:30:00", "12:30:00")],
    # from syslog (Nov 29 09:30) and from audit.log (plain: at the scan's time)
    "ssh-authorized-keys-changed": [
        ({"key": "ssh_keys"}, 1, "09:30:00", "09:30:00"),
        ({"key": "ssh-keys"}, 1, "12:00:00", "12:00:00"),  # plain: the scan time
    ],
    # 30 404s from one client in 29 s; quiet: 29 in a minute, 40 clients once each, a
    # crawler with 31 spread over five minutes
    "web-error-burst": [({"client": "198.51.100.23"}, 30, "10:15:01", "10:15:30")],
    # three probes within 4m45s; quiet: the same words outside the request path, and
    # three probes a quarter of an hour apart
    "web-exploit-path-probe": [({"client": "203.0.113.120"}, 3, "13:00:00", "13:04:45")],
    "web-secret-file-served": [
        ({"client": "203.0.113.130", "path": "/.env"}, 1, "14:00:00", "14:00:00"),
        ({"client": "203.0.113.130", "path": "/.git/config"}, 1, "14:00:01", "14:00:01"),
    ],
}


@functools.cache
def bundled():
    return load_rules(default_files())


def scan_sample(rule_id: str, kind: str, tmp_path: Path):
    ruleset = bundled()
    rule = ruleset.rules[rule_id]
    paths = {}
    for sid in rule.requires:
        sample = SAMPLES / rule_id / kind / f"{sid}.log"
        assert sample.exists(), f"{sample} is missing"
        copy = tmp_path / kind / f"{sid}.log"
        copy.parent.mkdir(exist_ok=True)
        shutil.copy(sample, copy)
        os.utime(copy, (NOW.timestamp() - 60, NOW.timestamp() - 60))  # year of the lines
        paths[sid] = [str(copy)]
    report = scan([rule], ruleset.sources, MemoryRecorder(), now=NOW, paths=paths)
    assert report.defects == [] and report.unparsed == 0
    return report


def test_every_bundled_rule_has_samples_and_expectations():
    assert sorted(EXPECTED) == sorted(bundled().rules)
    assert sorted(p.name for p in SAMPLES.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("rule_id", sorted(EXPECTED))
def test_the_fires_sample_triggers_the_rule(rule_id: str, tmp_path: Path):
    report = scan_sample(rule_id, "fires", tmp_path)
    got = [
        (dict(f.key), f.count, f"{f.first_time:%H:%M:%S}", f"{f.last_time:%H:%M:%S}")
        for f in report.findings
    ]
    assert got == EXPECTED[rule_id]
    assert all(f.rule == rule_id and "{" not in f.title for f in report.findings)


@pytest.mark.parametrize("rule_id", sorted(EXPECTED))
def test_the_quiet_sample_does_not(rule_id: str, tmp_path: Path):
    report = scan_sample(rule_id, "quiet", tmp_path)
    assert report.findings == []
    assert report.lines > 0
