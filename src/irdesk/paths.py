"""Where irdesk's data lives.

Everything goes through these functions so that ``IRDESK_HOME`` can move it all (tests
point it at a temporary folder; nothing ever touches a real home folder by accident).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV_HOME = "IRDESK_HOME"


def home() -> Path:
    """The user's irdesk folder: ``$IRDESK_HOME`` or platformdirs' user data dir."""
    value = os.environ.get(ENV_HOME)
    if value:
        return Path(value).expanduser()
    return Path(platformdirs.user_data_dir("irdesk", appauthor=False))


def user_playbooks_dir() -> Path:
    return home() / "playbooks"


def user_scenarios_dir() -> Path:
    return home() / "scenarios"


def user_rules_dir() -> Path:
    return home() / "rules"


def roster_path() -> Path:
    return home() / "roster.yaml"


def config_path() -> Path:
    """The desk's settings (``irdesk: config/1``): the watcher, readiness checks."""
    return home() / "config.yaml"


def keymap_path() -> Path:
    """The user's keymap: binding id → keys (the desk's keys, remapped)."""
    return home() / "keymap.yaml"


def identity_path() -> Path:
    """Who each login on this machine acts as at the desk (the name on their entries)."""
    return home() / "identity.json"


def default_journal_path() -> Path:
    return home() / "journal.db"


def reports_dir() -> Path:
    """Where the desk writes reports (the report screen's m, h and j keys)."""
    return home() / "reports"


def bundled_dir() -> Path:
    """The content shipped with irdesk.

    An installed wheel carries it as ``irdesk/bundled``; an editable install from a
    checkout reads it from the repository's top-level folders.
    """
    packaged = Path(__file__).resolve().parent / "bundled"
    if (packaged / "playbooks").is_dir():
        return packaged
    return Path(__file__).resolve().parents[2]


def bundled_playbooks_dir() -> Path:
    return bundled_dir() / "playbooks"


def bundled_scenarios_dir() -> Path:
    return bundled_dir() / "scenarios"


def bundled_rules_dir() -> Path:
    return bundled_dir() / "rules"


def example_roster_path() -> Path:
    return bundled_dir() / "examples" / "roster.yaml"
