"""Who is at the keyboard: the name a person's entries are journaled under (a module of
its own, light to import: the desk needs it before anything else is loaded).

The name is the person, never the login: two commanders sharing ``root`` on a jump host
are still two people in the record and the report. It comes from, in order:

1. ``--as NAME`` on the command line (or an explicit name a front end passes);
2. ``$IRDESK_ACTOR``;
3. the name remembered for this login in ``<home>/identity.json`` (the desk asks for it on
   first use and remembers the answer; the ``u`` key switches it);
4. the login name, as a last resort (the desk then asks who you are).

The remembered name is a preference of this login, not a fact of any incident: it lives
in the irdesk home folder, never in a journal.
"""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import dataclass

from irdesk import paths

ENV_ACTOR = "IRDESK_ACTOR"
FORMAT = "irdesk: identity/1"
MAX_NAME = 60


@dataclass(frozen=True)
class Actor:
    """A name to act under and where it came from: ``given`` (--as), ``environment``,
    ``remembered`` or ``login``. Only a ``login`` name is a guess the desk asks about."""

    name: str
    source: str

    @property
    def known(self) -> bool:
        return self.source != "login"


def login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "responder"


def _read() -> dict[str, str]:
    """login → name; an unreadable or foreign file counts as nothing remembered (the desk
    then asks again, and saving the answer replaces the file)."""
    try:
        data = json.loads(paths.identity_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return {}
    names = data.get("names")
    if not isinstance(names, dict):
        return {}
    return {str(k): v for k, v in names.items() if isinstance(v, str) and v.strip()}


def remembered(login: str | None = None) -> str | None:
    """The name this login acts under at the desk, if it said once."""
    return _read().get(login or login_name())


def check_actor(name: str) -> str:
    """A name a person gave for themselves, trimmed; refused when it cannot be one."""
    from irdesk.domain.notify import check_name
    from irdesk.errors import ActionError

    name = " ".join(name.split())
    if not name:
        raise ActionError("a name is needed: who is at the keyboard?")
    if len(name) > MAX_NAME:
        raise ActionError(f"a name is at most {MAX_NAME} characters")
    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in name):
        raise ActionError("a name cannot hold control characters")
    return check_name(name)


def remember(name: str, login: str | None = None) -> str:
    """Remember ``name`` for this login (checked, trimmed); returns it."""
    from irdesk.services.files import private_file

    name = check_actor(name)
    names = _read()
    names[login or login_name()] = name
    with private_file(paths.identity_path()) as handle:
        json.dump({"format": FORMAT, "names": names}, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    return name


def resolve(given: str | None = None) -> Actor:
    """Who acts: ``given``, else $IRDESK_ACTOR, else the remembered name, else the login."""
    if given and given.strip():
        # as given: a front end checks what a person types (check_actor); a service may
        # be handed any name a journal already holds
        return Actor(given.strip(), "given")
    value = os.environ.get(ENV_ACTOR, "").strip()
    if value:
        return Actor(check_actor(value), "environment")
    login = login_name()
    name = remembered(login)
    if name:
        return Actor(name, "remembered")
    return Actor(login, "login")


def default_actor() -> str:
    """Who is at this keyboard when nobody said (see :func:`resolve`)."""
    return resolve().name
