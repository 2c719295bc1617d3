"""Hand-made journal entries for the fold and the report, with no store (tests/unit)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from irdesk.domain.entry import Entry
from irdesk.domain.fold import IncidentState
from irdesk.domain.incident import K
from irdesk.formats.loader import load_playbook
from irdesk.report.build import build_report
from irdesk.report.model import Report

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PLAYBOOK = load_playbook(Path(__file__).resolve().parent / "fixtures_domain" / "mini.yaml")


class Entries:
    """Entries in sequence, minute by minute (no store: the fold and the report only)."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.add("ada", K.DECLARED, title="Clash", severity="SEV1", commander="Ada")

    def add(self, actor: str, kind: str, **payload: object) -> Entry:
        at = T0 + timedelta(minutes=len(self.entries))
        entry = Entry(
            "INC-0001",
            len(self.entries) + 1,
            f"u{len(self.entries)}",
            kind,
            actor,
            at,
            at,
            dict(payload),
        )
        self.entries.append(entry)
        return entry

    def state(self, upto: int | None = None) -> IncidentState:
        return IncidentState.fold(PLAYBOOK, self.entries[:upto])

    def report(self) -> Report:
        return build_report(PLAYBOOK, self.entries, now=T0 + timedelta(days=1))
