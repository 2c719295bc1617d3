"""Shared fixtures. Every test runs with IRDESK_HOME in a temporary folder."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

# Screens show local times; tests (and snapshots) read them in UTC on every machine.
os.environ["TZ"] = "UTC"
time.tzset()

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def irdesk_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test ever touches a real home folder."""
    home = tmp_path / "irdesk-home"
    monkeypatch.setenv("IRDESK_HOME", str(home))
    return home


@pytest.fixture
def repo() -> Path:
    return REPO
