"""The demo desk: a journal of its own, seeded with incidents worth looking at.

``irdesk demo`` never touches the user's journal: it keeps its data in
``<irdesk home>/demo/``. The seed is written through the normal services with a clock
set in the past, so everything in it (timeline, timers, chain) is what irdesk itself
would have recorded; each seeded incident says in its title that it is a demo.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from irdesk import paths
from irdesk.domain.clock import FixedClock, SystemClock
from irdesk.formats.catalog import Catalog
from irdesk.formats.loader import load_roster
from irdesk.services.desk import Desk
from irdesk.services.files import private_dir, private_file
from irdesk.store import Journal


def demo_home() -> Path:
    return paths.home() / "demo"


def prepare(folder: Path | None = None) -> tuple[Path, Path]:
    """Create (once) the demo journal and roster; return their paths."""
    folder = folder or demo_home()
    private_dir(folder)
    roster_path = folder / "roster.yaml"
    if not roster_path.exists():
        with private_file(roster_path) as out:
            out.write(paths.example_roster_path().read_text(encoding="utf-8"))
    journal_path = folder / "journal.db"
    if not journal_path.exists():
        seed(journal_path, roster_path)
    return journal_path, roster_path


def seed(journal_path: Path, roster_path: Path) -> None:
    now = SystemClock().now()
    catalog = Catalog.load()
    roster = load_roster(roster_path)
    clock = FixedClock(now - timedelta(days=1, hours=3))
    with Journal.open(journal_path, clock=clock) as journal:
        desk = Desk(journal, catalog=catalog, roster=roster, clock=clock, actor="Ada Moreno")
        _closed_incident(desk, clock)
        clock.set(now - timedelta(minutes=19))
        _open_incident(desk, clock)


def _closed_incident(desk: Desk, clock: FixedClock) -> None:
    """Yesterday's leaked key, worked to the end: something to replay and report on."""
    playbook = desk.catalog.playbook("leaked-secret")
    session = desk.declare(
        playbook,
        title="Demo: cloud access key pushed to a public repository",
        severity="SEV2",
        commander="Ada Moreno",
        detected_at=clock.now() - timedelta(minutes=12),
        backdate_reason="secret-scanning alert email arrived at this time",
    )
    session.assign("scribe", "Lena Fischer")
    for _ in playbook.steps:  # at most one visit per step on the way through
        if session.state.closed or session.state.current is None:
            break
        current = playbook.step(session.state.current)
        clock.advance(timedelta(minutes=4))
        if current.decision:
            session.decide(current.id, 0)
            continue
        for index, item in enumerate(current.checklist):
            evidence = f"case-2231/{current.id}-{index + 1}.txt" if item.evidence else None
            session.tick(current.id, index, evidence)
        if current.id == "legal-assessment":
            session.skip(current.id, "the key reached no personal or customer data")
            continue
        session.complete(current.id)
        if current.id == playbook.steps[1].id:
            session.note(
                "Key was live for 37 minutes; CloudTrail shows two calls from an "
                "unknown ASN, both denied."
            )
    if not session.state.closed:
        session.close("key revoked, history rewritten, no data accessed")


def _open_incident(desk: Desk, clock: FixedClock) -> None:
    """A phishing incident declared 19 minutes ago: the acknowledge timer is about to lapse."""
    playbook = desk.catalog.playbook("account-compromise")
    session = desk.declare(
        playbook,
        title="Demo: CEO-impersonation invoice email at finance",
        severity="SEV2",
        commander="Ada Moreno",
        detected_at=clock.now() - timedelta(minutes=6),
        backdate_reason="helpdesk ticket HD-4411 was opened at this time",
    )
    first = playbook.steps[0]
    clock.advance(timedelta(minutes=2))
    session.tick(first.id, 0)
    clock.advance(timedelta(minutes=1))
    session.note("Reporter forwarded the mail; asked for the .eml attachment instead.")
