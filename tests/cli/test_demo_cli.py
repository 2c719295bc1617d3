"""``irdesk demo``, in-process with click's CliRunner; the screens are replaced by a
recorder, so what the command would open is checked without a terminal."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from irdesk import paths
from irdesk.cli import main
from irdesk.cli.common import Screens
from irdesk.store import Journal


def run_demo(*args: str) -> tuple[object, list[dict]]:
    opened: list[dict] = []

    def desk(desk, **kwargs) -> None:  # noqa: ANN001
        opened.append(
            {
                "journal": Path(desk.journal.path),
                "actor": desk.actor,
                "incidents": [(r.id, r.status) for r in desk.journal.incidents()],
                **kwargs,
            }
        )
        desk.journal.close()

    def replay(*_args, **_kwargs) -> None:  # noqa: ANN002, ANN003
        raise AssertionError("the demo opens the desk, not a replay")

    result = CliRunner().invoke(
        main, ["demo", *args], prog_name="irdesk", obj=Screens(desk=desk, replay=replay)
    )
    return result, opened


def test_demo_opens_the_desk_on_its_own_journal_with_a_live_and_a_finished_incident():
    result, opened = run_demo()
    assert result.exit_code == 0, result.output
    [shown] = opened
    demo = paths.home() / "demo"
    assert shown["journal"] == demo / "journal.db"
    assert shown["roster_path"] == demo / "roster.yaml"
    assert shown["journal_label"].endswith("(demo)")
    assert shown["actor"] == "Ada Moreno"
    assert sorted(status for _, status in shown["incidents"]) == ["closed", "open"]
    assert not (paths.home() / "journal.db").exists()  # the user's own journal is untouched


def test_demo_twice_keeps_what_was_done_and_reset_starts_again():
    run_demo()
    demo_journal = paths.home() / "demo" / "journal.db"
    with Journal.open(demo_journal) as journal:
        live = next(r for r in journal.incidents() if r.status != "closed")
        journal.append(live.id, "note", {"text": "tried the demo"}, actor="me")
        seq = journal.incident(live.id).last_seq
    run_demo()
    with Journal.open(demo_journal, readonly=True) as journal:
        assert journal.incident(live.id).last_seq == seq  # kept, not seeded again
    result, opened = run_demo("--reset")
    assert result.exit_code == 0, result.output
    with Journal.open(demo_journal, readonly=True) as journal:
        assert journal.incident(live.id).last_seq < seq  # a fresh demo
        assert len(journal.incidents()) == 2
