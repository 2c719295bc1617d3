"""The desk's settings (``<home>/config.yaml``, ``irdesk: config/1``) as frozen values.

One section per concern, each optional with defaults that work: ``watch`` (how the watcher
runs), ``readiness`` (what ``irdesk check`` and the watcher's daily check hold the team
to), ``scan`` (which log sources the watcher scans, how often) and ``seal`` (the SSH key
that seals incidents and drills when they close).
"""

from __future__ import annotations

from collections.abc import Mapping
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
class ScanSettings:
    """Scheduled scans: ``every`` is how often the watcher scans each source the rules need
    (None: it scans none), ``sources`` a source's own schedule (None: that source is not
    scanned by the watcher)."""

    every: timedelta | None = None
    sources: Mapping[str, timedelta | None] = field(default_factory=dict)

    def every_for(self, source: str) -> timedelta | None:
        """How often the watcher scans ``source`` (None: never)."""
        if source in self.sources:
            return self.sources[source]
        return self.every

    @property
    def enabled(self) -> bool:
        return self.every is not None or any(v is not None for v in self.sources.values())


@dataclass(frozen=True)
class SealSettings:
    """Signing seals automatically: ``key`` is a private key file, or a public key whose
    private half ssh-agent holds; ``principal`` the key's name in ``allowed_signers``."""

    key: str
    principal: str
    allowed_signers: str | None = None
    on_close: bool = True


@dataclass(frozen=True)
class Config:
    watch: WatchSettings = field(default_factory=WatchSettings)
    readiness: ReadinessSettings = field(default_factory=ReadinessSettings)
    scan: ScanSettings = field(default_factory=ScanSettings)
    seal: SealSettings | None = None
    source: Source | None = field(default=None, compare=False)


DEFAULT_CONFIG = Config()
