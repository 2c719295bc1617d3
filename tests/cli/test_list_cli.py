"""``irdesk list``: newest first, filtered in the journal, printed as it is read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers_store import declare

from irdesk.cli import main
from irdesk.domain.clock import FixedClock
from irdesk.store import Journal


def run(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="irdesk", catch_exceptions=False)


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    path = tmp_path / "journal.db"
    clock = FixedClock()
    with Journal.open(path, clock=clock) as j:
        for n in range(7):
            rec = declare(j, mode="drill" if n == 3 else "live", title=f"incident «{n}»")
            if n % 2:
                clock.advance(60)
                j.append(rec.id, "incident.closed", {"summary": "done"}, actor="bob")
    return path


def test_json_is_the_whole_list_as_json_dumps_prints_it(journal: Path, monkeypatch):
    # a page of two at a time: the output does not depend on how the journal is read
    each = Journal.each_incident
    monkeypatch.setattr(Journal, "each_incident", lambda self, **kw: each(self, **kw, page_size=2))
    for status, ids in (
        (
            "all",
            ["INC-0006", "INC-0005", "INC-0004", "DRL-0001", "INC-0003", "INC-0002", "INC-0001"],
        ),
        ("open", ["INC-0006", "INC-0004", "INC-0003", "INC-0001"]),
        ("closed", ["INC-0005", "DRL-0001", "INC-0002"]),
    ):
        result = run("list", "--journal", str(journal), "--format", "json", "--status", status)
        assert result.exit_code == 0, result.output
        records = json.loads(result.output)
        assert result.output == json.dumps(records, indent=2, ensure_ascii=False) + "\n"
        assert [r["id"] for r in records] == ids
        assert all((r["closed_at"] is not None) == (r["status"] == "closed") for r in records)
    drills = json.loads(
        run("list", "--journal", str(journal), "--format", "json", "--mode", "drill").output
    )
    assert [r["id"] for r in drills] == ["DRL-0001"]


def test_the_listing_is_never_held_whole(journal: Path, monkeypatch):
    """Printed record by record as the pages are read (flat memory at 100,000 incidents):
    the list-building read is never used."""

    def whole(*args, **kwargs):
        raise AssertionError("irdesk list read every incident into one list")

    monkeypatch.setattr(Journal, "incidents", whole)
    for fmt in ("text", "json"):
        result = run("list", "--journal", str(journal), "--format", fmt)
        assert result.exit_code == 0 and "INC-0006" in result.output, result.output
    text = run("list", "--journal", str(journal), "--status", "closed").output.splitlines()
    assert [line.split()[0] for line in text] == ["INC-0005", "DRL-0001", "INC-0002"]


def test_an_empty_listing(tmp_path: Path):
    Journal.open(tmp_path / "j.db").close()
    assert run("list", "--journal", str(tmp_path / "j.db"), "--format", "json").output == "[]\n"
    assert run("list", "--journal", str(tmp_path / "none.db"), "--format", "json").output == "[]\n"
    assert run("list", "--journal", str(tmp_path / "j.db")).output == "no incidents\n"
