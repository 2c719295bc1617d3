"""Event references: the vocabulary timers, injects and expectations use to name moments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from irdesk.errors import IrdeskError

# \Z, not $: "$" also matches before a final newline, which no id may hold
ID_PATTERN = re.compile(r"\A[a-z0-9][a-z0-9-]{0,63}\Z")


class Milestone(StrEnum):
    STARTED = "started"
    DETECTED = "detected"
    DECLARED = "declared"
    ACKNOWLEDGED = "acknowledged"
    CONTAINED = "contained"
    RESOLVED = "resolved"
    CLOSED = "closed"


MILESTONES: tuple[str, ...] = tuple(m.value for m in Milestone)


class EventRefError(IrdeskError, ValueError):
    pass


@dataclass(frozen=True)
class EventRef:
    """``milestone`` | ``step:<id>:started`` | ``step:<id>:done`` | ``inject:<id>``."""

    kind: str  # "milestone" | "step" | "inject"
    name: str  # milestone name, step id or inject id
    state: str | None = None  # "started" | "done" for steps

    def __str__(self) -> str:
        if self.kind == "milestone":
            return self.name
        if self.kind == "step":
            return f"step:{self.name}:{self.state}"
        return f"inject:{self.name}"

    @classmethod
    def parse(cls, text: object) -> EventRef:
        if not isinstance(text, str):
            raise EventRefError(f"expected an event reference, got {type(text).__name__}")
        value = text.strip()
        if value in MILESTONES:
            return cls("milestone", value)
        parts = value.split(":")
        if parts[0] == "step":
            if len(parts) != 3 or parts[2] not in ("started", "done"):
                raise EventRefError(
                    f"{text!r} is not a step event; expected step:<id>:started or step:<id>:done"
                )
            if not ID_PATTERN.match(parts[1]):
                raise EventRefError(f"{parts[1]!r} is not a valid step id")
            return cls("step", parts[1], parts[2])
        if parts[0] == "inject":
            if len(parts) != 2 or not ID_PATTERN.match(parts[1]):
                raise EventRefError(f"{text!r} is not an inject event; expected inject:<id>")
            return cls("inject", parts[1])
        raise EventRefError(
            f"{text!r} is not an event reference; expected a milestone "
            f"({', '.join(MILESTONES)}), step:<id>:started, step:<id>:done or inject:<id>"
        )
