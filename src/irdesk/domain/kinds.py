"""The kinds of incident entries and how a closing's outcome reads: what lists need
(home, ``irdesk list``) without the incident domain behind them (imported before home's
first frame)."""

from __future__ import annotations

from typing import Any


class K:
    """Entry kinds. The strings are part of the journal format: never rename one."""

    DECLARED = "incident.declared"
    NOTE = "note"
    TICKED = "check.ticked"
    UNTICKED = "check.unticked"
    STEP_DONE = "step.done"
    STEP_SKIPPED = "step.skipped"
    DECIDED = "decision.made"
    MILESTONE = "milestone"
    SEVERITY = "severity.changed"
    STATUS = "status.changed"
    ROLE = "role.assigned"
    ESCALATED = "escalation.fired"
    NOTIFIED = "notify.ran"
    ESCALATION_ACK = "escalation.acknowledged"
    PAGED = "page.sent"
    CLOSED = "incident.closed"
    REOPENED = "incident.reopened"
    CORRECTION = "correction"
    LINK = "link.added"
    UPDATE = "update.issued"


def outcome_words(payload: dict[str, Any]) -> str:
    """A closing's outcome in words: "resolved", "false positive", "duplicate of
    INC-0003", "handed over to Legal" (user text raw: make it visible to show it)."""
    outcome = str(payload.get("outcome") or "resolved")
    if outcome == "duplicate" and payload.get("duplicate_of"):
        return f"duplicate of {payload['duplicate_of']}"
    if outcome == "handed-over" and payload.get("handed_to"):
        return f"handed over to {payload['handed_to']}"
    return outcome.replace("-", " ")
