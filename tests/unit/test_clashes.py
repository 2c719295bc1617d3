"""Two responders acting on the same step at once: the fold keeps the first action, keeps
the second as a clash (a conflict when it says something else) and never invents a visit;
the report's counts are the fold's for any interleaving."""

from __future__ import annotations

import json

from helpers_entries import PLAYBOOK, Entries
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from irdesk.domain.entry import Entry
from irdesk.domain.incident import ActionError, K
from irdesk.report.render import WRITERS
from irdesk.report.render.buffer import to_text

FINISHING = (K.STEP_DONE, K.STEP_SKIPPED, K.DECIDED)


def _decide(j: Entries, actor: str, option: int, visit: int = 1) -> Entry:
    chosen = PLAYBOOK.step("active").decision[option]
    return j.add(
        actor,
        K.DECIDED,
        step="active",
        option=option,
        label=chosen.label,
        next=chosen.next,
        visit=visit,
    )


def _at_decision() -> Entries:
    j = Entries()
    j.add("ada", K.STEP_DONE, step="triage", visit=1)
    return j


def test_a_second_choice_written_anyway_is_kept_as_a_conflict_and_the_first_stands():
    j = _at_decision()
    _decide(j, "ada", 0)
    late = _decide(j, "ben", 1)  # ben's screen still showed the decision open
    state = j.state()
    assert state.steps["active"].decision is not None
    assert state.steps["active"].decision[1] == "Yes"
    assert state.current == "revoke"  # the first choice's path, not the second's
    [clash] = state.conflicts
    assert (clash.seq, clash.actor, clash.first_actor) == (late.seq, "ben", "ada")
    assert clash.text == (
        "CONFLICT: ben chose 'No' after ada chose 'Yes' (entry 3); the first stands"
    )


def test_the_report_shows_a_conflict_in_every_format_and_lists_one_decision():
    j = _at_decision()
    _decide(j, "ada", 0)
    _decide(j, "ben", 1)
    with j.report() as report:
        assert [v.decision for _, v in report.decisions] == ["Yes"]
        assert any("CONFLICT" in line and "ben" in line for line in report.headline)
        md, html = to_text(WRITERS["md"], report), to_text(WRITERS["html"], report)
        doc = json.loads(to_text(WRITERS["json"], report))
    assert "CONFLICT: ben chose 'No' after ada chose 'Yes'" in md
    assert "CONFLICT: ben chose &#x27;No&#x27; after ada chose &#x27;Yes&#x27;" in html
    assert doc["clashes"][0]["conflict"] is True
    assert doc["clashes"][0]["first_what"] == "chose 'Yes'"
    [row] = [r for r in doc["timeline"] if r["seq"] == 4]
    assert row["flags"] and row["flags"][0].startswith("CONFLICT")


def test_two_done_at_once_make_one_visit_not_a_second_out_of_order():
    j = Entries()
    j.add("ada", K.STEP_DONE, step="triage", visit=1)
    j.add("ben", K.STEP_DONE, step="triage", visit=1)
    state = j.state()
    [clash] = state.clashes
    assert not clash.conflict and clash.text.startswith("repeated: ben marked it done")
    with j.report() as report:
        [triage] = [s for s in report.steps if s.id == "triage"]
        assert [(v.visit, v.status, v.activated) for v in triage.visits] == [(1, "done", True)]
        assert len(report.chart.bars) == 2  # triage, and the decision now active
        assert "1 step finished" in " ".join(report.headline)


def test_a_repeated_done_does_not_make_a_loop_pass_over_the_step():
    # Before, a second "done" after the pointer left made the step look finished out of
    # order, so the loop back to it (recheck -> look again -> preserve) passed over it.
    j = _at_decision()
    _decide(j, "ada", 1)  # No -> preserve
    j.add("ada", K.STEP_DONE, step="preserve", visit=1)
    j.add("ben", K.STEP_DONE, step="preserve", visit=1)  # late, stale
    chosen = PLAYBOOK.step("recheck").decision[1]
    j.add("ada", K.DECIDED, step="recheck", option=1, label=chosen.label, next=chosen.next, visit=1)
    state = j.state()
    assert state.current == "preserve" and state.steps["preserve"].visits == 2


def test_a_tick_from_an_earlier_visit_is_a_clash_not_a_tick_of_this_one():
    j = _at_decision()
    _decide(j, "ada", 1)
    j.add("ada", K.STEP_DONE, step="preserve", visit=1)
    chosen = PLAYBOOK.step("recheck").decision[1]
    j.add("ada", K.DECIDED, step="recheck", option=1, label=chosen.label, next=chosen.next, visit=1)
    j.add("ben", K.TICKED, step="triage", item=0, visit=1)  # fine: triage had one visit
    state = j.state()
    assert state.steps["preserve"].visits == 2 and not state.clashes
    assert 0 in state.steps["triage"].ticks


def test_the_same_item_ticked_twice_keeps_the_first_tick():
    j = Entries()
    j.add("ada", K.TICKED, step="triage", item=0, visit=1)
    j.add("ben", K.TICKED, step="triage", item=0, visit=1)
    state = j.state()
    assert state.steps["triage"].ticks[0].actor == "ada"
    [clash] = state.clashes
    assert (clash.item, clash.conflict) == (0, False)


def test_the_refusal_names_who_did_what_and_when():
    j = _at_decision()
    _decide(j, "ada", 0)
    state = j.state()
    try:
        state.check_decide("active", 1)
    except ActionError as error:
        message = error.message
    else:  # pragma: no cover
        raise AssertionError("a second choice was accepted")
    assert message.startswith("'Is the attacker active?' is already decided: ada chose 'Yes' at ")
    assert message.endswith("(entry 3); yours was not recorded")


# --------------------------------------------------------------------------- property

ACTORS = ("ada", "ben")


@st.composite
def interleavings(draw: st.DrawFn) -> list[tuple[str, str, int, int]]:
    """(actor, action, step index, option/item) — refresh makes that actor's view current."""
    n = draw(st.integers(1, 40))
    return [
        (
            draw(st.sampled_from(ACTORS)),
            draw(st.sampled_from(("done", "skip", "decide", "tick", "refresh", "refresh"))),
            draw(st.integers(0, len(PLAYBOOK.steps) - 1)),
            draw(st.integers(0, 1)),
        )
        for _ in range(n)
    ]


def _play(script: list[tuple[str, str, int, int]]) -> Entries:
    """Each actor acts on the state it last saw: what its screen would allow then."""
    j = Entries()
    seen = dict.fromkeys(ACTORS, 1)  # how many entries each actor's screen has folded
    for actor, action, index, arg in script:
        if action == "refresh":
            seen[actor] = len(j.entries)
            continue
        view = j.state(seen[actor])
        step = PLAYBOOK.steps[index]
        visit = view.steps[step.id].visits
        try:
            if action == "tick":
                view.check_tick(step.id, arg % len(step.checklist) if step.checklist else 99)
                if arg in view.steps[step.id].ticks:
                    continue
                j.add(actor, K.TICKED, step=step.id, item=arg % len(step.checklist), visit=visit)
            elif action == "decide":
                view.check_decide(step.id, arg)
                o = step.decision[arg]
                j.add(
                    actor,
                    K.DECIDED,
                    step=step.id,
                    option=arg,
                    label=o.label,
                    next=o.next,
                    visit=visit,
                )
            elif action == "skip":
                view.check_skip(step.id, "no time")
                j.add(actor, K.STEP_SKIPPED, step=step.id, reason="no time", visit=visit)
            else:
                view.check_done(step.id)
                j.add(actor, K.STEP_DONE, step=step.id, visit=visit)
        except ActionError:
            continue
    return j


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(interleavings())
def test_report_counts_equal_the_fold_for_any_interleaving(script):
    j = _play(script)
    state = j.state()
    finishes = [e for e in j.entries if e.kind in FINISHING]
    step_clashes = [c for c in state.clashes if c.item is None]
    with j.report() as report:
        finished = [v for v in report.visits if v.end is not None]
        skipped = [v for v in finished if v.status == "skipped"]
        # every finish the fold applied is one finished visit; no clash makes one
        assert len(finished) == len(finishes) - len(step_clashes)
        line = next(x for x in report.headline if "finished" in x)
        assert line.startswith(f"{len(finished)} step" if finished else "0 steps")
        assert (f", {len(skipped)} skipped" in line) == bool(skipped)
        for row in report.steps:
            live = state.steps[row.id]
            assert row.status == live.status
            assert row.checked == len(live.ticks)
            if live.status == "active":
                assert row.visits and row.visits[-1].end is None
            elif live.finished:
                assert row.visits[-1].end is not None
                assert (row.visits[-1].status == "skipped") == (live.status == "skipped")
            assert sum(1 for v in row.visits if v.activated) == live.visits
        assert len(report.chart.bars) == len(report.visits)
        doc = json.loads(to_text(WRITERS["json"], report))
    assert sum(len(s["visits"]) for s in doc["steps"]) == len(report.visits)
    assert len(doc["chart"]["bars"]) == len(report.visits)
    assert len(doc["clashes"]) == len(state.clashes)
