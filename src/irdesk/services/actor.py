"""Who is at this keyboard (a module of its own: the desk needs it before anything else
is loaded)."""

from __future__ import annotations

import getpass
import os


def default_actor() -> str:
    """Who is at this keyboard: $IRDESK_ACTOR, else the login name."""
    value = os.environ.get("IRDESK_ACTOR", "").strip()
    if value:
        return value
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "responder"
