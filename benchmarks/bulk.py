"""Build big, realistic incident journals fast, for benchmarks.

The entries are the kinds the runner writes (ticks, unticks, notes, steps done, a
decision, a milestone) on a real bundled playbook whose text is embedded in the
declaration, exactly as ``Desk.declare`` does; every entry is hashed with the store's own
chain code, so ``verify`` passes and the fold sees a real incident. Rows go in with
executemany inside one transaction (synchronous off while building only).
"""

from __future__ import annotations

import sqlite3
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

try:
    import irdesk  # noqa: F401
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from irdesk.domain.clock import format_ts
from irdesk.domain.incident import K
from irdesk.domain.models import Playbook
from irdesk.formats.catalog import Catalog
from irdesk.store import Journal
from irdesk.store.chain import GENESIS_HASH, canonical_json, entry_hash

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ENTRY_COLS = (
    "incident_id, seq, uid, kind, actor, role, occurred_at, recorded_at, "
    "backdate_reason, corrects, payload, prev_hash, hash"
)
INCIDENT_COLS = (
    "id, mode, title, severity, status, playbook_id, playbook_version, playbook_sha256, "
    "scenario_id, scenario_sha256, created_at, updated_at, closed_at, last_seq, head_hash, "
    "entry_count, chain"
)
PLAYBOOK_SHA = "5" * 64
NOTE = {"text": "checked the load balancer logs; nothing unusual yet", "step": "triage"}


def compile_irdesk() -> None:
    """Write irdesk's bytecode, as installing it does. An editable install compiles each
    module the first time it is imported, unless PYTHONDONTWRITEBYTECODE is set: then
    every process the benchmarks start would compile irdesk anew (50 to 100 ms of a first
    frame that no installed irdesk pays)."""
    import compileall

    import irdesk

    compileall.compile_dir(Path(irdesk.__file__).parent, quiet=1)


def build_incidents(
    path: Path, incidents: int, entries_each: int = 3, *, open_every: int = 20
) -> int:
    """A valid journal of ``incidents`` incidents of ``entries_each`` entries each
    (declared, notes, and for all but every ``open_every``-th one, closed last), fast.
    Returns how many entries it holds."""
    Journal.open(path).close()  # create + migrate
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")  # building only; the figures are for reads
    conn.execute("PRAGMA foreign_keys = OFF")
    note = canonical_json(NOTE)
    closing = canonical_json({"summary": "resolved"})
    records = []

    def rows():  # noqa: ANN202
        for i in range(1, incidents + 1):
            iid = f"INC-{i:04d}"
            prev = GENESIS_HASH
            when = START + timedelta(minutes=i)
            still_open = i % open_every == 0
            meta = {
                "mode": "live",
                "title": f"benchmark incident {i}",
                "severity": "SEV2",
                "playbook_id": "bench",
                "playbook_version": "1",
                "playbook_sha256": PLAYBOOK_SHA,
                "scenario_id": None,
                "scenario_sha256": None,
            }
            for seq in range(1, entries_each + 1):
                ts = format_ts(when + timedelta(milliseconds=seq))
                if seq == 1:
                    kind, payload = "incident.declared", canonical_json(meta)
                elif seq == entries_each and not still_open:
                    kind, payload = "incident.closed", closing
                else:
                    kind, payload = "note", note
                uid = uuid.uuid4().hex
                h = entry_hash(iid, seq, uid, kind, "ada", "ic", ts, ts, None, None, payload, prev)
                yield (iid, seq, uid, kind, "ada", "ic", ts, ts, None, None, payload, prev, h)
                prev = h
            created = format_ts(when + timedelta(milliseconds=1))
            status = "open" if still_open or entries_each < 2 else "closed"
            records.append(
                (
                    iid,
                    "live",
                    meta["title"],
                    "SEV2",
                    status,
                    "bench",
                    "1",
                    PLAYBOOK_SHA,
                    None,
                    None,
                    created,
                    ts,
                    None if status == "open" else ts,
                    entries_each,
                    prev,
                    entries_each,
                    "incident",
                )
            )

    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(f"INSERT INTO entries ({ENTRY_COLS}) VALUES ({','.join('?' * 13)})", rows())
    conn.executemany(
        f"INSERT INTO incidents ({INCIDENT_COLS}) VALUES ({','.join('?' * 17)})", records
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return incidents * entries_each


def bundled_playbook(playbook_id: str = "account-compromise") -> Playbook:
    return Catalog.load().playbook(playbook_id)


def build_incident(
    path: Path,
    entries: int,
    *,
    incident_id: str = "INC-0001",
    playbook: Playbook | None = None,
    step_ms: int = 250,
) -> str:
    """Append one incident of ``entries`` entries to the journal at ``path``."""
    playbook = playbook or bundled_playbook()
    Journal.open(path).close()  # create + migrate
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA foreign_keys = OFF")
    first = playbook.steps[0]
    declared = {
        "mode": "live",
        "title": f"Benchmark incident with {entries:,} entries",
        "severity": "SEV2",
        "playbook_id": playbook.id,
        "playbook_version": playbook.version,
        "playbook_sha256": playbook.source.sha256,
        "scenario_id": None,
        "scenario_sha256": None,
        "commander": "Ada",
        "playbook_title": playbook.title,
        "playbook_source": playbook.source.text,
    }
    items = max(1, len(first.checklist))
    state = {"prev": GENESIS_HASH, "last": ""}

    def payloads():
        yield K.DECLARED, declared
        # work the first step's checklist for most of the incident, with notes between
        n = 1
        while n < entries - 2:
            item = (n // 2) % items
            if n % 7 == 0:
                yield K.NOTE, {"text": f"status update {n}: still checking logs [bold]"}
            elif n % 2:
                yield (
                    K.TICKED,
                    {
                        "step": first.id,
                        "item": item,
                        "text": first.checklist[item].text if first.checklist else "",
                        **(
                            {"evidence": f"case/{n}.txt"}
                            if first.checklist and first.checklist[item].evidence
                            else {}
                        ),
                    },
                )
            else:
                yield K.UNTICKED, {"step": first.id, "item": item, "text": ""}
            n += 1
        yield K.STEP_DONE, {"step": first.id, "title": first.title, "marks": first.marks}
        yield K.MILESTONE, {"name": "contained"}

    def rows():
        for seq, (kind, payload) in enumerate(payloads(), start=1):
            ts = format_ts(START + timedelta(milliseconds=seq * step_ms))
            uid = uuid.uuid4().hex
            text = canonical_json(payload)
            digest = entry_hash(
                incident_id,
                seq,
                uid,
                kind,
                "ada",
                "commander",
                ts,
                ts,
                None,
                None,
                text,
                state["prev"],
            )
            yield (
                incident_id,
                seq,
                uid,
                kind,
                "ada",
                "commander",
                ts,
                ts,
                None,
                None,
                text,
                state["prev"],
                digest,
            )
            state["prev"], state["last"] = digest, ts
            state["count"] = seq

    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(f"INSERT INTO entries ({ENTRY_COLS}) VALUES ({','.join('?' * 13)})", rows())
    count = state["count"]
    created = format_ts(START + timedelta(milliseconds=step_ms))
    conn.execute(
        "INSERT INTO incidents (id, mode, title, severity, status, playbook_id, "
        "playbook_version, playbook_sha256, scenario_id, scenario_sha256, created_at, "
        "updated_at, closed_at, last_seq, head_hash, entry_count) "
        "VALUES (?, 'live', ?, 'SEV2', 'open', ?, ?, ?, NULL, NULL, ?, ?, NULL, ?, ?, ?)",
        (
            incident_id,
            declared["title"],
            playbook.id,
            playbook.version,
            playbook.source.sha256,
            created,
            state["last"],
            count,
            state["prev"],
            count,
        ),
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return incident_id
