"""Append notes to one incident as fast as the journal allows, printing each commit.

    python benchmarks/hammer.py --journal /tmp/j.db --incident INC-0001 --count 10000

prints ``committed <seq> <uid>`` only after the entry's transaction has committed, so every
printed line is a promise the journal must keep. Try it from two terminals at once, kill
one of them (``kill -9``) half-way, then check nothing acknowledged was lost::

    irdesk verify --journal /tmp/j.db          # chains intact
    python benchmarks/hammer.py --journal /tmp/j.db --check printed.txt

If the incident does not exist yet it is declared (as a live incident; a second hammer
starting at the same moment finds the same incident: the declaration is idempotent).
The kill -9 and concurrency tests in tests/test_store_crash.py drive this script.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

try:
    from irdesk.store import Journal, JournalError
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from irdesk.store import Journal, JournalError


def _incident(journal: Journal, incident_id: str) -> str:
    try:
        return journal.incident(incident_id).id
    except KeyError:
        pass
    prefix = incident_id.split("-", 1)[0].upper()
    mode = "drill" if prefix == "DRL" else "live"
    record = journal.create_incident(
        mode=mode,
        title=f"hammer {incident_id}",
        severity="SEV3",
        playbook_id="hammer",
        playbook_version="1",
        playbook_sha256="0" * 64,
        actor="hammer",
        uid=f"hammer-declares-{incident_id}",
    )
    if record.id != incident_id:
        raise SystemExit(
            f"hammer: {incident_id} does not exist and the next free id is {record.id}; "
            f"pass --incident {record.id}"
        )
    return record.id


def check(journal_path: Path, printed: Path) -> int:
    """Every ``committed <seq> <uid>`` line in ``printed`` must be in the journal."""
    lines = printed.read_text(encoding="utf-8").splitlines(keepends=True)
    acknowledged = [ln.split() for ln in lines if ln.startswith("committed ") and ln.endswith("\n")]
    missing = 0
    with Journal.open(journal_path, readonly=True, create=False) as journal:
        for _, seq, uid in acknowledged:
            entry = journal.entry_by_uid(uid)
            if entry is None or entry.seq != int(seq):
                missing += 1
                print(f"MISSING: seq {seq} uid {uid}")
        report = journal.verify()
    print(
        f"{len(acknowledged)} acknowledged, {missing} missing; chains "
        f"{'intact' if report.ok else 'BROKEN'}"
    )
    for problem in report.problems:
        print(f"  {problem.message}")
    return 0 if missing == 0 and report.ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--journal", type=Path, required=True)
    parser.add_argument("--incident", default="INC-0001")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--actor", default=f"hammer-{os.getpid()}")
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--payload-bytes", type=int, default=64)
    parser.add_argument(
        "--check",
        type=Path,
        metavar="PRINTED",
        help="instead of appending, check a saved output of this script",
    )
    args = parser.parse_args(argv)
    try:
        if args.check:
            return check(args.journal, args.check)
        with Journal.open(args.journal, timeout=args.timeout) as journal:
            incident_id = _incident(journal, args.incident)
            out = sys.stdout
            filler = "x" * max(0, args.payload_bytes)
            for n in range(1, args.count + 1):
                entry = journal.append(
                    incident_id,
                    "note.added",
                    {"text": f"note {n} from {args.actor}", "filler": filler},
                    actor=args.actor,
                )
                out.write(f"committed {entry.seq} {entry.uid}\n")
                out.flush()
    except JournalError as exc:
        print(f"hammer: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
