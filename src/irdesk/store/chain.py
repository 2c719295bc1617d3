"""The hash chain: one canonical encoding, used by append, verify and the benchmark.

An entry's hash is the SHA-256 (hex) of the UTF-8 bytes of the JSON array::

    [incident_id, seq, uid, kind, actor, role, occurred_at, recorded_at,
     backdate_reason, corrects, payload, prev_hash]

serialised with ``sort_keys=True, separators=(",", ":"), ensure_ascii=False``. The first
entry of an incident links to :data:`GENESIS_HASH` (64 zeros).

The payload is stored in the journal already in canonical JSON form, so the encoder splices
that stored text into the array instead of parsing and re-serialising it: the bytes are
identical to ``json.dumps`` of the whole array (a test checks this with hypothesis), and
verify runs several times faster. The splice is unambiguous: every other field is a JSON
string literal (self-delimiting), an integer or ``null``, so no change to the stored columns
can produce the same bytes as the original.
"""

from __future__ import annotations

import hashlib
import json
from json.encoder import encode_basestring
from typing import Any

GENESIS_HASH = "0" * 64

_q = encode_basestring  # the C string encoder json.dumps uses (verify uses it too)

_canonical = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
).encode
_sha256 = hashlib.sha256


def canonical_json(value: Any) -> str:
    """The canonical JSON text of a payload (raises ValueError for NaN/inf or bad types)."""
    try:
        text = _canonical(value)
    except TypeError as exc:
        raise ValueError(f"payload is not JSON-serialisable: {exc}") from None
    if not text.isascii():  # only non-ASCII text can hold a lone surrogate
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("payload contains text that is not valid Unicode") from None
    return text


def encode_entry(
    incident_id: str,
    seq: int,
    uid: str,
    kind: str,
    actor: str,
    role: str | None,
    occurred_at: str,
    recorded_at: str,
    backdate_reason: str | None,
    corrects: int | None,
    payload_json: str,
    prev_hash: str,
) -> bytes:
    """The canonical bytes that are hashed. ``payload_json`` is canonical_json(payload).

    Raises TypeError/ValueError if a field has the wrong type (verify treats that as an
    edited entry) and UnicodeEncodeError for unencodable text.
    """
    return (
        f"[{_q(incident_id)},{seq:d},{_q(uid)},{_q(kind)},{_q(actor)},"
        f"{'null' if role is None else _q(role)},{_q(occurred_at)},{_q(recorded_at)},"
        f"{'null' if backdate_reason is None else _q(backdate_reason)},"
        f"{'null' if corrects is None else format(corrects, 'd')},"
        f"{payload_json},{_q(prev_hash)}]"
    ).encode()


def entry_hash(
    incident_id: str,
    seq: int,
    uid: str,
    kind: str,
    actor: str,
    role: str | None,
    occurred_at: str,
    recorded_at: str,
    backdate_reason: str | None,
    corrects: int | None,
    payload_json: str,
    prev_hash: str,
) -> str:
    """SHA-256 hex of :func:`encode_entry`."""
    return _sha256(
        encode_entry(
            incident_id,
            seq,
            uid,
            kind,
            actor,
            role,
            occurred_at,
            recorded_at,
            backdate_reason,
            corrects,
            payload_json,
            prev_hash,
        )
    ).hexdigest()


def reference_encoding(
    incident_id: str,
    seq: int,
    uid: str,
    kind: str,
    actor: str,
    role: str | None,
    occurred_at: str,
    recorded_at: str,
    backdate_reason: str | None,
    corrects: int | None,
    payload: Any,
    prev_hash: str,
) -> bytes:
    """The encoding exactly as specified (json.dumps of the whole array).

    Slow; kept as the written definition that :func:`encode_entry` must match, and for
    anyone re-implementing verification in another language.
    """
    return json.dumps(
        [
            incident_id,
            seq,
            uid,
            kind,
            actor,
            role,
            occurred_at,
            recorded_at,
            backdate_reason,
            corrects,
            payload,
            prev_hash,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode("utf-8")
