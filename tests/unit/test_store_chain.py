"""The canonical encoding: one definition, matched by append, verify and the spec."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from irdesk.domain.clock import format_ts
from irdesk.store import GENESIS_HASH, canonical_json, encode_entry, entry_hash
from irdesk.store.chain import reference_encoding
from irdesk.store.journal import _format_utc
from irdesk.store.migrations import m0001_journal
from irdesk.store.verify import scan_range

# Text SQLite and UTF-8 can hold: no lone surrogates.
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | text
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)
payloads = st.dictionaries(text, json_values, max_size=5)
fields = st.fixed_dictionaries(
    {
        "incident_id": text,
        "seq": st.integers(1, 2**40),
        "uid": text,
        "kind": text,
        "actor": text,
        "role": st.none() | text,
        "occurred_at": text,
        "recorded_at": text,
        "backdate_reason": st.none() | text,
        "corrects": st.none() | st.integers(1, 2**40),
        "payload": payloads,
        "prev_hash": st.just(GENESIS_HASH) | st.text("0123456789abcdef", min_size=64, max_size=64),
    }
)


ORDER = (
    "incident_id",
    "seq",
    "uid",
    "kind",
    "actor",
    "role",
    "occurred_at",
    "recorded_at",
    "backdate_reason",
    "corrects",
    "payload",
    "prev_hash",
)


def test_pinned_vector():
    """If this changes, every journal ever written stops verifying."""
    payload = {"text": "Paged the DBA — «primary» down", "n": 1, "ok": True, "x": None}
    args = (
        "INC-0001",
        2,
        "0f1e2d3c",
        "note.added",
        "alice",
        "ic",
        "2026-11-23T09:00:00.000Z",
        "2026-11-23T09:00:01.250Z",
        None,
        None,
    )
    encoded = encode_entry(*args, canonical_json(payload), GENESIS_HASH)
    assert (
        encoded
        == (
            '["INC-0001",2,"0f1e2d3c","note.added","alice","ic","2026-11-23T09:00:00.000Z",'
            '"2026-11-23T09:00:01.250Z",null,null,'
            '{"n":1,"ok":true,"text":"Paged the DBA — «primary» down","x":null},'
            f'"{GENESIS_HASH}"]'
        ).encode()
    )
    assert (
        entry_hash(*args, canonical_json(payload), GENESIS_HASH)
        == hashlib.sha256(encoded).hexdigest()
    )


@settings(max_examples=300, deadline=None)
@given(fields)
def test_encoding_matches_the_specification(f):
    spliced = encode_entry(**_spliced_args(f))
    assert spliced == reference_encoding(**f)
    # and the canonical bytes parse back to the same values
    assert json.loads(spliced) == json.loads(json.dumps([f[name] for name in ORDER]))


def _spliced_args(f: dict) -> dict:
    args = dict(f)
    args["payload_json"] = canonical_json(args.pop("payload"))
    return args


@settings(max_examples=60, deadline=None)
@given(st.lists(fields, min_size=1, max_size=6))
def test_verify_hot_loop_matches_encode_entry(rows):
    """scan_range inlines the encoding for speed: it must agree byte for byte."""
    conn = sqlite3.connect(":memory:")
    db = type("DB", (), {"execute": lambda self, sql: conn.execute(sql)})()
    m0001_journal(db)
    prev = GENESIS_HASH
    for seq, f in enumerate(rows, start=1):
        args = _spliced_args({**f, "incident_id": "INC-0001", "seq": seq, "prev_hash": prev})
        args["uid"] = f"{seq}-{args['uid']}"  # uids are unique
        h = entry_hash(**args)
        conn.execute(
            "INSERT INTO entries VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                args["incident_id"],
                seq,
                args["uid"],
                args["kind"],
                args["actor"],
                args["role"],
                args["occurred_at"],
                args["recorded_at"],
                args["backdate_reason"],
                args["corrects"],
                args["payload_json"],
                prev,
                h,
            ),
        )
        prev = h
    result = scan_range(conn, "INC-0001", 1, len(rows))
    assert result.anomaly is None
    assert (result.scanned, result.last_seq, result.last_hash) == (len(rows), len(rows), prev)


def test_canonical_json():
    assert canonical_json({"b": 1, "a": [1.5, "é", None]}) == '{"a":[1.5,"é",null],"b":1}'
    with pytest.raises(ValueError):
        canonical_json({"x": float("inf")})
    with pytest.raises(ValueError, match="JSON"):
        canonical_json({"x": {1, 2}})
    with pytest.raises(ValueError, match="Unicode"):
        canonical_json({"x": "\ud800"})


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)
    )
)
def test_fast_timestamps_match_format_ts(when):
    assert _format_utc(when) == format_ts(when)


def test_timestamps_are_utc_with_milliseconds():
    when = datetime(2026, 3, 1, 1, 2, 3, 456789, tzinfo=timezone(timedelta(hours=2)))
    assert format_ts(when) == "2026-02-28T23:02:03.456Z"


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        json_values.map(lambda v: json.dumps(v, sort_keys=True, separators=(",", ":"))),
        json_values.map(lambda v: f" {json.dumps(v, indent=1)}\n"),
        text,
        st.binary(max_size=20),
    )
)
def test_reading_a_payload_is_json_loads(stored):
    """The store scans stored payloads without json.loads' detours: the same values, and
    the same errors for what is not JSON (a damaged entry is told by them)."""
    from irdesk.store.journal import _json

    try:
        expected = json.loads(stored)
    except (TypeError, ValueError) as exc:
        with pytest.raises(type(exc)):
            _json(stored)
    else:
        assert repr(_json(stored)) == repr(expected)
