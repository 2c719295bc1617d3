"""Errors the services raise for a person to read (the domain's, the formats' and the
journal's own families derive from :class:`irdesk.errors.IrdeskError` too)."""

from __future__ import annotations

from pathlib import Path

from irdesk.errors import IrdeskError


class UnknownIncident(IrdeskError, KeyError):
    """The journal has no incident by that id (a KeyError, as the store's own lookups)."""

    def __init__(self, incident_id: str, journal: Path) -> None:
        super().__init__(f"no incident {incident_id} in {journal}")
        self.incident_id = incident_id
        self.journal = journal


class NotWritten(IrdeskError):
    """A file could not be written (a report export): the disk said why."""
