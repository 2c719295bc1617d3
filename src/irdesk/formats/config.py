"""The desk's config file (``<home>/config.yaml``, ``irdesk: config/1``), read like a playbook.

Every key is optional; every problem names ``file:line:column`` and the key path. The top
level is one mapping of sections (``watch``, ``readiness``, ``scan``, ``seal``); a section
irdesk does not know is an error with a did-you-mean hint, so a typo never silently drops a
setting.
"""

from __future__ import annotations

from datetime import time, timedelta

from irdesk.domain.config import (
    DEFAULT_CHECK_AT,
    DEFAULT_COVERAGE_DAYS,
    DEFAULT_DRILL_EVERY,
    DEFAULT_INTERVAL,
    DEFAULT_REVIEW_EVERY,
    BackupSettings,
    Config,
    ReadinessSettings,
    ScanSettings,
    SealSettings,
    WatchSettings,
)
from irdesk.domain.models import Source
from irdesk.formats.loader import Reader, _shown
from irdesk.formats.yamlsrc import Y

MARKER = "config/1"
SECTIONS = ("watch", "readiness", "scan", "seal")
MIN_SCAN_EVERY = timedelta(seconds=5)
MIN_INTERVAL = timedelta(seconds=1)
MAX_COVERAGE_DAYS = 366


def read_config(r: Reader, tree: Y, source: Source | None) -> Config | None:
    """Read a ``config/1`` document (the marker is already checked); problems go to ``r``."""
    top = r.mapping(tree, "", ("irdesk",), SECTIONS)
    if top is None:
        return None
    watch = _watch(r, top.get("watch"))
    readiness = _readiness(r, top.get("readiness"))
    scan = _scan(r, top.get("scan"))
    seal = _seal(r, top.get("seal"))
    if r.failed:
        return None
    return Config(watch, readiness, scan, seal, source)


def _scan(r: Reader, node: Y | None) -> ScanSettings:
    """``scan: {every: 1m, sources: {web: 5m, audit: off}}``."""
    if node is None:
        return ScanSettings()
    fields = r.mapping(node, "scan", (), ("every", "sources"))
    if fields is None:
        return ScanSettings()
    every = _scan_every(r, fields.get("every"), "scan.every")
    sources: dict[str, timedelta | None] = {}
    if "sources" in fields:
        given = fields["sources"]
        if not given.is_map:
            r.error(
                given,
                "scan.sources",
                f"expected a mapping of source id: how often, got {_shown(given)}",
            )
        else:
            for key, entry in given.value.items():
                path = f"scan.sources.{key}"
                if r.ident(entry.key, path) is not None:
                    sources[key] = _scan_every(r, entry.value, path)
    return ScanSettings(every, sources)


def _scan_every(r: Reader, node: Y | None, path: str) -> timedelta | None:
    """A schedule: a duration of at least 5s, or ``off``."""
    if node is None or node.value is False:
        return None
    value = r.duration(node, path)
    if value is not None and value < MIN_SCAN_EVERY:
        r.error(node, path, "expected at least 5s (or off)")
        return None
    return value


def _seal(r: Reader, node: Y | None) -> SealSettings | None:
    """``seal: {key: FILE, principal: NAME, allowed_signers: FILE, on_close: true}``."""
    if node is None:
        return None
    fields = r.mapping(node, "seal", ("key", "principal"), ("allowed_signers", "on_close"))
    if fields is None:
        return None
    key = _absolute(r, fields.get("key"), "seal.key")
    principal = r.text(fields.get("principal"), "seal.principal")
    signers = _absolute(r, fields.get("allowed_signers"), "seal.allowed_signers")
    on_close = r.boolean(fields.get("on_close"), "seal.on_close", default=True)
    if key is None or principal is None:
        return None
    return SealSettings(key, principal.strip(), signers, on_close)


def _absolute(r: Reader, node: Y | None, path: str) -> str | None:
    value = r.text(node, path)
    if value is not None and not value.startswith(("/", "~")):
        r.error(node, path, "expected an absolute path (the watcher may run from any folder)")
        return None
    return value


def _watch(r: Reader, node: Y | None) -> WatchSettings:
    if node is None:
        return WatchSettings()
    fields = r.mapping(node, "watch", (), ("interval", "check_at"))
    if fields is None:
        return WatchSettings()
    interval = r.duration(fields.get("interval"), "watch.interval") or DEFAULT_INTERVAL
    if interval < MIN_INTERVAL:
        r.error(fields["interval"], "watch.interval", "expected at least 1s")
    check_at = DEFAULT_CHECK_AT
    if "check_at" in fields:
        times = []
        for i, item in enumerate(r.seq(fields["check_at"], "watch.check_at", min_len=1)):
            value = _clock_time(r, item, f"watch.check_at[{i}]")
            if value is not None:
                times.append(value)
        check_at = tuple(sorted(set(times))) or DEFAULT_CHECK_AT
    return WatchSettings(interval, check_at)


def _clock_time(r: Reader, node: Y, path: str) -> time | None:
    """``"07:30"`` (local time). YAML 1.1 reads an unquoted 07:30 as a number: say so."""
    value = node.value
    if isinstance(value, str):
        try:
            hours, minutes = value.strip().split(":")
            if len(minutes) == 2:
                return time(int(hours), int(minutes))
        except ValueError:
            pass
    hint = ' (quote it: "07:30")' if isinstance(value, int) else ""
    r.error(node, path, f'expected a time of day such as "07:30", got {_shown(node)}{hint}')
    return None


def _readiness(r: Reader, node: Y | None) -> ReadinessSettings:
    if node is None:
        return ReadinessSettings()
    fields = r.mapping(
        node,
        "readiness",
        (),
        ("coverage_days", "drill_every", "review_every", "playbooks", "backup"),
    )
    if fields is None:
        return ReadinessSettings()
    days = DEFAULT_COVERAGE_DAYS
    if "coverage_days" in fields:
        value = fields["coverage_days"].value
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value:
            days = min(value, MAX_COVERAGE_DAYS)
            if value > MAX_COVERAGE_DAYS:
                r.error(
                    fields["coverage_days"],
                    "readiness.coverage_days",
                    f"expected at most {MAX_COVERAGE_DAYS} days",
                )
        else:
            r.error(
                fields["coverage_days"],
                "readiness.coverage_days",
                "expected a whole number of days (at least 1), got "
                + _shown(fields["coverage_days"]),
            )
    drill = r.duration(fields.get("drill_every"), "readiness.drill_every") or DEFAULT_DRILL_EVERY
    review = (
        r.duration(fields.get("review_every"), "readiness.review_every") or DEFAULT_REVIEW_EVERY
    )
    playbooks = None
    if "playbooks" in fields:
        ids = []
        for i, item in enumerate(r.seq(fields["playbooks"], "readiness.playbooks", min_len=1)):
            value = r.ident(item, f"readiness.playbooks[{i}]")
            if value is not None:
                ids.append(value)
        playbooks = tuple(ids)
    backup = None
    if "backup" in fields:
        sub = r.mapping(fields["backup"], "readiness.backup", ("path", "max_age"))
        if sub is not None:
            path = _absolute(r, sub.get("path"), "readiness.backup.path")
            max_age = r.duration(sub.get("max_age"), "readiness.backup.max_age")
            if path is not None and max_age is not None:
                backup = BackupSettings(path, max_age)
    return ReadinessSettings(days, drill, review, playbooks, backup)
