"""Messages screens post to the app (kept apart so the app needs no screen at import)."""

from __future__ import annotations

from textual.message import Message


class IncidentClosed(Message):
    """The runner closed an incident: its after-action review opens."""

    def __init__(self, incident_id: str) -> None:
        super().__init__()
        self.incident_id = incident_id


class HotwashFinished(Message):
    """The hot wash is finished: the drill moves on to its review."""

    def __init__(self, incident_id: str) -> None:
        super().__init__()
        self.incident_id = incident_id
