"""Report metrics and step timings on hand-made entries: missing milestones, backdated
times, reopened (revisited) steps, skipped steps, reopened incidents. No store needed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from irdesk.domain.entry import Entry
from irdesk.domain.incident import K
from irdesk.formats.loader import load_playbook
from irdesk.report.build import build_report
from irdesk.report.chart.text import text_chart
from irdesk.report.format import span
from irdesk.report.model import Report
from irdesk.report.render.json import to_json
from irdesk.report.render.markdown import to_markdown

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PLAYBOOK = load_playbook(Path(__file__).resolve().parents[1] / "fixtures_domain" / "mini.yaml")


class Script:
    """Entries in sequence, minute by minute (occurred may be set apart, for backdating)."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.at = T0
        self.add(
            K.DECLARED,
            title="Metrics",
            severity="SEV2",
            commander="Ada",
            playbook_id="mini",
            playbook_version="2",
            playbook_sha256="ab" * 32,
        )

    def add(
        self,
        kind: str,
        *,
        minutes: float = 0,
        occurred: datetime | None = None,
        backdate: str | None = None,
        actor: str = "ada",
        **payload,
    ) -> Entry:
        self.at = self.at + timedelta(minutes=minutes)
        entry = Entry(
            incident_id="INC-0001",
            seq=len(self.entries) + 1,
            uid=f"u{len(self.entries)}",
            kind=kind,
            actor=actor,
            occurred_at=occurred or self.at,
            recorded_at=self.at,
            payload=payload,
            backdate_reason=backdate,
            hash=f"h{len(self.entries) + 1}",
        )
        self.entries.append(entry)
        return entry

    def report(self, minutes_later: float = 0) -> Report:
        return build_report(
            PLAYBOOK, iter(self.entries), now=self.at + timedelta(minutes=minutes_later)
        )


def metrics(report: Report) -> dict[str, timedelta | None]:
    return {m.key: m.value for m in report.metrics}


def visits(report: Report, step: str):  # noqa: ANN201
    return next(s for s in report.steps if s.id == step).visits


# --------------------------------------------------------------------------- milestones


def test_missing_milestones_are_not_recorded_never_guessed() -> None:
    s = Script()
    s.add(K.STEP_DONE, minutes=5, step="triage", title="Triage", marks="acknowledged")
    report = s.report()
    m = {x.key: x for x in report.metrics}
    assert m["time_to_acknowledge"].value == timedelta(minutes=5)
    for key in ("time_to_detect", "time_to_contain", "time_to_resolve"):
        assert m[key].value is None
        assert m[key].short == "not recorded"
    assert m["time_to_detect"].missing == ("started", "detected")
    assert m["time_to_contain"].missing == ("detected", "contained")
    assert m["time_to_contain"].text == "not recorded (no 'detected' and 'contained' milestone)"
    text = to_markdown(report)
    assert "| Time to contain | detected → contained | not recorded (no 'detected' and " in text
    assert "Milestones not recorded: started, detected, contained, resolved, closed." in text
    doc = json.loads(to_json(report))
    assert [x["seconds"] for x in doc["metrics"]] == [None, 300.0, None, None]
    # "declared" is not used as a stand-in for a missing "detected"
    report.close()


def test_contained_without_detected_is_not_measured_from_declaration() -> None:
    s = Script()
    s.add(K.MILESTONE, minutes=30, name="contained")
    assert metrics(s.report())["time_to_contain"] is None


def test_backdated_milestones_measure_from_when_things_happened() -> None:
    s = Script()
    detected = T0 - timedelta(hours=2)
    started = T0 - timedelta(days=1, hours=3)
    s.add(K.MILESTONE, minutes=1, occurred=started, backdate="first bad sign-in", name="started")
    s.add(K.MILESTONE, minutes=1, occurred=detected, backdate="SIEM alert", name="detected")
    s.add(K.MILESTONE, minutes=58, name="contained")
    report = s.report()
    m = {x.key: x for x in report.metrics}
    assert m["time_to_detect"].value == timedelta(days=1, hours=1)
    assert m["time_to_contain"].value == T0 + timedelta(hours=1) - detected
    assert m["time_to_contain"].short == "3h"
    assert m["time_to_contain"].backdated == ("detected",)
    assert m["time_to_detect"].backdated == ("started", "detected")
    rows = {r.name: r for r in report.milestones}
    assert rows["detected"].backdated and rows["detected"].backdate_reason == "SIEM alert"
    assert rows["detected"].recorded_at == T0 + timedelta(minutes=2)
    assert [r.name for r in report.milestones][:3] == ["started", "detected", "declared"]
    text = to_markdown(report)
    assert "| Time to contain | detected → contained | 3h (backdated: detected) |" in text
    assert (
        "| detected | 2026-11-23 07:00:00 | 2026-11-23 09:02:00 | ada | backdated: SIEM "
        "alert |" in text
    )
    # the chart starts at the earliest milestone and compresses the quiet day before
    assert report.chart.start == started
    chart = "\n".join(text_chart(report, 100))
    assert "≈" in chart and "▼started" in chart


def test_a_backdated_end_before_its_start_is_flagged_not_hidden() -> None:
    s = Script()
    s.add(K.MILESTONE, minutes=10, name="detected")
    s.add(
        K.MILESTONE,
        minutes=1,
        occurred=T0 + timedelta(minutes=5),
        backdate="log said so",
        name="contained",
    )
    report = s.report()
    m = {x.key: x for x in report.metrics}["time_to_contain"]
    assert m.value == timedelta(minutes=-5)
    assert m.text == "check the times: 'contained' is recorded 5m before 'detected'"
    doc = json.loads(to_json(report))
    assert doc["metrics"][2]["seconds"] == -300.0


def test_metrics_use_the_latest_record_of_a_milestone() -> None:
    """Recording a milestone again (a correction of its time) replaces the earlier one."""
    s = Script()
    s.add(K.MILESTONE, minutes=1, name="detected")
    s.add(K.MILESTONE, minutes=30, name="contained")
    s.add(
        K.MILESTONE,
        minutes=5,
        occurred=T0 + timedelta(minutes=20),
        backdate="re-checked the proxy logs",
        name="contained",
    )
    assert metrics(s.report())["time_to_contain"] == timedelta(minutes=19)


def test_reopened_incident_keeps_its_metrics_and_closes_again() -> None:
    s = Script()
    s.add(K.MILESTONE, minutes=1, name="detected")
    s.add(K.CLOSED, minutes=60, summary="false alarm")
    s.add(K.REOPENED, minutes=30, reason="it was not", status="investigating")
    mid = s.report()
    assert mid.overview.closed_at is None
    assert "closed" not in {r.name for r in mid.milestones}
    s.add(K.MILESTONE, minutes=10, name="contained")
    s.add(K.CLOSED, minutes=20, summary="contained for real")
    report = s.report()
    assert report.overview.closed_at == T0 + timedelta(minutes=121)
    assert report.overview.duration == timedelta(minutes=121)
    assert report.overview.summary == "contained for real"
    assert metrics(report)["time_to_contain"] == timedelta(minutes=100)


# --------------------------------------------------------------------------- steps


def test_each_visit_of_a_revisited_step_has_its_own_timing() -> None:
    s = Script()
    s.add(K.STEP_DONE, minutes=10, step="triage", title="Triage", marks="acknowledged")
    s.add(
        K.DECIDED, minutes=2, step="active", title="Active?", option=1, label="No", next="preserve"
    )
    s.add(K.STEP_DONE, minutes=20, step="preserve", title="Preserve evidence")
    s.add(
        K.DECIDED,
        minutes=3,
        step="recheck",
        title="Recheck",
        option=1,
        label="Look again",
        next="preserve",
    )
    s.add(K.STEP_DONE, minutes=45, step="preserve", title="Preserve evidence")
    s.add(
        K.DECIDED,
        minutes=1,
        step="recheck",
        title="Recheck",
        option=0,
        label="Clean",
        next="lessons",
    )
    report = s.report(minutes_later=5)
    preserve = visits(report, "preserve")
    assert [v.visit for v in preserve] == [1, 2]
    assert [v.duration for v in preserve] == [timedelta(minutes=20), timedelta(minutes=45)]
    recheck = visits(report, "recheck")
    assert [v.decision for v in recheck] == ["Look again", "Clean"]
    assert [b.step for b in report.chart.bars].count("preserve") == 2
    text = to_markdown(report)
    assert "| 4 | Preserve evidence (visit 1) | eradication | — | 20m | done |" in text
    assert "| 4 | Preserve evidence (visit 2) | eradication | — | 45m | done |" in text
    # the last step is still running: its time so far, not a finish
    lessons = visits(report, "lessons")
    assert lessons[0].end is None
    assert "5m so far" in text
    report.close()


def test_overrun_is_measured_per_visit_against_the_step_expectation() -> None:
    s = Script()
    s.add(K.STEP_DONE, minutes=25, step="triage", title="Triage", marks="acknowledged")
    report = s.report()
    (triage,) = visits(report, "triage")
    assert triage.expected == timedelta(minutes=15)
    assert triage.overrun == timedelta(minutes=10)
    assert "| 25m, **10m over** |" in to_markdown(report)
    bar = report.chart.bars[0]
    assert bar.overrun_from == T0 + timedelta(minutes=15)


def test_skipped_step_shows_its_reason_and_no_overrun() -> None:
    s = Script()
    s.add(
        K.STEP_SKIPPED,
        minutes=40,
        step="triage",
        title="Triage",
        reason="the SOC had triaged it already",
    )
    report = s.report()
    (triage,) = visits(report, "triage")
    assert triage.status == "skipped"
    assert triage.skip_reason == "the SOC had triaged it already"
    assert triage.overrun is None
    text = to_markdown(report)
    assert "skipped: the SOC had triaged it already" in text
    assert " over**" not in text.split("## Steps")[1].split("## ")[0]
    assert "1 skipped" in " ".join(report.headline)


def test_step_done_out_of_order_without_a_start_has_no_duration() -> None:
    s = Script()
    s.add(K.STEP_DONE, minutes=5, step="preserve", title="Preserve evidence")
    s.add(K.TICKED, minutes=1, step="revoke", item=0, text="x")  # no checklist: harmless
    report = s.report()
    (preserve,) = visits(report, "preserve")
    assert not preserve.activated and not preserve.start_known
    assert preserve.duration is None and preserve.overrun is None
    assert "start not recorded | done out of order |" in to_markdown(report)
    doc = json.loads(to_json(report))
    visit = next(s for s in doc["steps"] if s["id"] == "preserve")["visits"][0]
    assert visit["started_at"] is None and visit["seconds"] is None
    assert visit["in_order"] is False


def test_steps_never_reached_are_listed_as_such() -> None:
    s = Script()
    s.add(K.STEP_DONE, minutes=5, step="triage", title="Triage", marks="acknowledged")
    s.add(
        K.DECIDED, minutes=1, step="active", title="Active?", option=1, label="No", next="preserve"
    )
    s.add(K.CLOSED, minutes=1, summary="")
    report = s.report()
    assert visits(report, "revoke") == ()
    assert "| 3 | Revoke sessions | containment | — | — | not on the path taken | |" in to_markdown(
        report
    )


def test_span_reads_like_a_person_writes() -> None:
    assert span(timedelta(seconds=45)) == "45s"
    assert span(timedelta(minutes=12, seconds=5)) == "12m 05s"
    assert span(timedelta(minutes=12)) == "12m"
    assert span(timedelta(hours=1, minutes=5)) == "1h 05m"
    assert span(timedelta(hours=4)) == "4h"
    assert span(timedelta(days=2, hours=3, minutes=59)) == "2d 03h"
    assert span(timedelta(days=5)) == "5d"
    assert span(timedelta(minutes=-5)) == "-5m"
    assert span(None) == "not recorded"
