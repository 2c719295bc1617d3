"""What an incident's record says, derived from its chain: one definition for every writer
and for verify.

The incidents table keeps, per incident, a few columns for fast listing: ``title``,
``severity``, ``status``, ``closed_at`` (and the head: ``last_seq``, ``head_hash``,
``entry_count``, ``updated_at``). None of them is ever set by a caller: :func:`change`
derives them from the kind and payload of each appended entry, in the append's own
transaction, and verify derives them again from the chain and names any field that
disagrees. So listing by the record is listing by what the chain says, and a record
edited with plain SQL is caught.

Only a few kinds change the record; verify's hot loop picks them out cheaply with
:data:`KINDS` and, for the step kinds, :data:`CLOSING_MARK` (payloads are stored as
canonical JSON, so ``"marks":"closed"`` is an exact substring of a closing step's payload).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

FIELDS = ("title", "severity", "status", "closed_at")

DECLARED = "incident.declared"
SEVERITY = "severity.changed"
STATUS = "status.changed"
CLOSED = "incident.closed"
REOPENED = "incident.reopened"
STEP_DONE = "step.done"
DECIDED = "decision.made"
FINDING_RECORDED = "finding.recorded"
FINDING_STATUS = "finding.status"
DESK_OPENED = "desk.opened"

#: entry 1 of each chain
GENESIS_KINDS = {"incident": DECLARED, "finding": FINDING_RECORDED, "desk": DESK_OPENED}
#: kinds that may change the record (step kinds only when they mark ``closed``)
KINDS = frozenset(
    {DECLARED, SEVERITY, STATUS, CLOSED, REOPENED, STEP_DONE, DECIDED, FINDING_RECORDED}
    | {FINDING_STATUS, DESK_OPENED}
)
MARK_KINDS = frozenset({STEP_DONE, DECIDED})
CLOSING_MARK = '"marks":"closed"'


def change(kind: str, payload: Mapping[str, Any], recorded_at: str) -> dict[str, Any]:
    """The record fields an entry of ``kind`` with ``payload``, recorded at ``recorded_at``
    (the stored text), sets. Empty for most kinds."""
    if kind == DECLARED or kind == FINDING_RECORDED or kind == DESK_OPENED:
        return {
            "title": str(payload.get("title", "")),
            "severity": str(payload.get("severity", "")),
            "status": "new" if kind == FINDING_RECORDED else "open",
            "closed_at": None,
        }
    if kind == SEVERITY:
        return {"severity": str(payload.get("severity", ""))}
    if kind == STATUS:
        return {"status": str(payload.get("status", ""))}
    if kind == CLOSED or (kind in MARK_KINDS and payload.get("marks") == "closed"):
        return {"status": "closed", "closed_at": recorded_at}
    if kind == REOPENED:
        return {"status": str(payload.get("status", "investigating")), "closed_at": None}
    if kind == FINDING_STATUS:
        status = str(payload.get("status", ""))
        done = status in ("dismissed", "declared")
        return {"status": status, "closed_at": recorded_at if done else None}
    return {}


def fold(rows: list[tuple[int, str, str, str]]) -> dict[str, Any] | None:
    """The record fields a chain's summary-changing rows ``(seq, kind, payload_json,
    recorded_at)`` lead to, applied in seq order. None if a payload cannot be read."""
    fields: dict[str, Any] = {}
    for _seq, kind, payload_json, recorded_at in sorted(rows):
        try:
            payload = json.loads(payload_json)
        except (TypeError, ValueError):
            return None
        if not isinstance(payload, dict):
            return None
        fields.update(change(kind, payload, recorded_at))
    return fields


def picks(kind: object, payload_json: object) -> bool:
    """Whether verify must keep this row to derive the record (cheap, for the hot loop)."""
    return kind in KINDS and (
        kind not in MARK_KINDS or (isinstance(payload_json, str) and CLOSING_MARK in payload_json)
    )
