"""What home lists (Desk.newest): the newest open incidents and the most recent closed ones,
read with bounded queries whatever the size of the journal."""

from __future__ import annotations

from pathlib import Path

from helpers_store import declare, sqlite_work

from irdesk.domain.clock import FixedClock
from irdesk.services.desk import Desk
from irdesk.store import Journal


def test_home_lists_the_newest_open_and_closed(tmp_path: Path) -> None:
    clock = FixedClock()
    with Journal.open(tmp_path / "j.db", clock=clock) as journal:
        made = []
        for n in range(9):
            rec = declare(journal, mode="drill" if n == 4 else "live")
            made.append(rec.id)
            if n % 3 == 0:
                clock.advance(1)
                journal.append(rec.id, "incident.closed", {"summary": "ok"}, actor="bob")
        desk = Desk(journal, actor="ada", clock=clock)
        newest = desk.newest(open_limit=4, closed_limit=2)
        opened = [i for n, i in enumerate(made) if n % 3]
        closed = [i for n, i in enumerate(made) if n % 3 == 0]
        assert [r.id for r in newest.open] == opened[::-1][:4] and newest.more_open
        assert [r.id for r in newest.closed] == closed[::-1][:2]
        everything = desk.newest(open_limit=6, closed_limit=15)
        assert len(everything.open) == 6 and not everything.more_open
        assert all(r.status != "closed" for r in everything.open)


def test_the_newest_cost_the_same_beside_many_closed_incidents(tmp_path: Path) -> None:
    """A journal of 100,000 closed incidents with five open ones must not be read whole to
    find the five: the work does not grow with the closed ones."""
    clock = FixedClock()
    with Journal.open(tmp_path / "j.db", clock=clock) as journal:
        desk = Desk(journal, actor="ada", clock=clock)

        def work() -> int:
            with sqlite_work(journal) as count:
                desk.newest(open_limit=50, closed_limit=15)
            return count[0]

        for _ in range(5):
            declare(journal)
        few = work()
        for _ in range(400):
            rec = declare(journal)
            journal.append(rec.id, "incident.closed", {"summary": "ok"}, actor="bob")
        assert work() <= few + 1
        newest = desk.newest(open_limit=50, closed_limit=15)
        assert len(newest.open) == 5 and len(newest.closed) == 15
