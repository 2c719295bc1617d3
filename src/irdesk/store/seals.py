"""Seals: an incident's head signed with a responder's SSH key, kept in its own chain.

A seal is an entry of kind ``journal.sealed`` appended to the chain it seals. Its payload
names the head it signed (``seq`` and ``hash``: the chain's last entry when it was made),
who signed (``principal``, the key's ``fingerprint``) and the armored SSH signature of
:func:`message` in the ``irdesk`` namespace (``ssh-keygen -Y sign``). The store only keeps
and reads seals and checks that the head each one signed is still in the chain; making and
checking signatures runs ``ssh-keygen`` and lives in the services.

What a seal adds to the hash chain: a chain rewritten after the seal (an entry edited and
every later hash recomputed) no longer has the sealed hash at the sealed seq, and a forger
cannot make a new signature without the key. Entries appended after the newest seal are
covered by no seal; a seal removed together with everything after it leaves no trace in the
file. docs/journal.md states what each level of checking detects.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from irdesk.store.records import Head

KIND = "journal.sealed"
NAMESPACE = "irdesk"


def message(incident_id: str, head: Head) -> bytes:
    """The bytes a seal signs: a versioned statement of one head."""
    return f"irdesk seal v1\nhead {head.label(incident_id)}\n".encode()


def payload(
    incident_id: str, head: Head, *, signature: str, principal: str, fingerprint: str
) -> dict[str, Any]:
    return {
        "seq": head.seq,
        "hash": head.hash,
        "head": head.label(incident_id),
        "principal": principal,
        "fingerprint": fingerprint,
        "namespace": NAMESPACE,
        "signature": signature,
    }


class Seal(NamedTuple):
    """A seal as stored: the entry that holds it, and the head it signed."""

    incident_id: str
    entry_seq: int  # where the seal sits in the chain
    head: Head  # what it signed
    principal: str
    fingerprint: str
    signature: str
    sealed_by: str  # the entry's actor
    sealed_at: str  # the entry's recorded_at

    @property
    def label(self) -> str:
        return self.head.label(self.incident_id)

    @property
    def message(self) -> bytes:
        return message(self.incident_id, self.head)

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Seal | None:
        """From (incident_id, seq, actor, recorded_at, payload); None if unreadable."""
        incident_id, seq, actor, recorded_at, text = row
        try:
            data = json.loads(text)
            head = Head(int(data["seq"]), str(data["hash"]))
            return cls(
                incident_id,
                seq,
                head,
                str(data["principal"]),
                str(data.get("fingerprint", "")),
                str(data["signature"]),
                actor,
                recorded_at,
            )
        except (TypeError, ValueError, KeyError):
            return None
