"""The desk's settings (``<home>/config.yaml``, ``irdesk: config/1``) as frozen values.

One section per concern, each optional with defaults that work: ``watch`` (how the watcher
runs) and ``readiness`` (what ``irdesk check`` and the watcher's daily check hold the team
to). Later sections (signing keys for seals, scheduled scans) are added beside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time, timedelta

from irdesk.domain.models import Source

DEFAULT_INTERVAL = timedelta(seconds=15)
DEFAULT_CHECK_AT: tuple[time, ...] = (time(8, 0),)
DEFAULT_COVERAGE_DAYS = 14
DEFAULT_DRILL_EVERY = timedelta(days=365)
DEFAULT_REVIEW_EVERY = timedelta(days=365)


@dataclass(frozen=True)
class WatchSettings:
    interval: timedelta = DEFAULT_INTERVAL  # how often the watcher looks
    check_at: tuple[time, ...] = DEFAULT_CHECK_AT  # local times of the readiness check


@dataclass(frozen=True)
class BackupSettings:
    path: str  # a file or a glob pattern (the newest match counts)
    max_age: timedelta


@dataclass(frozen=True)
class ReadinessSettings:
    coverage_days: int = DEFAULT_COVERAGE_DAYS
    drill_every: timedelta = DEFAULT_DRILL_EVERY
    review_every: timedelta = DEFAULT_REVIEW_EVERY
    playbooks: tuple[str, ...] | None = None  # only these are checked (None: all)
    backup: BackupSettings | None = None


@dataclass(frozen=True)
class Config:
    watch: WatchSettings = field(default_factory=WatchSettings)
    readiness: ReadinessSettings = field(default_factory=ReadinessSettings)
    source: Source | None = field(default=None, compare=False)


DEFAULT_CONFIG = Config()
