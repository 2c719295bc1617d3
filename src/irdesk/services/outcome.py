"""How a closed incident ended, read from its latest closing (for lists: home, irdesk
list), without folding the incident."""

from __future__ import annotations

from irdesk.domain.kinds import K, outcome_words
from irdesk.store import IncidentRecord, Journal


def outcome_of(journal: Journal, record: IncidentRecord) -> str:
    """How a closed incident ended, in words (:func:`outcome_words`); "" while open."""
    if record.status != "closed":
        return ""
    closing = journal.last_of_kind(record.id, K.CLOSED)
    return outcome_words(closing.payload) if closing is not None else "resolved"
