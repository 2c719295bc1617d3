"""Reports of a scripted incident and a scripted drill: golden Markdown, HTML and JSON.

The scripts (tests/fixtures_report/scripts.py) drive the real store and services with a
fixed clock and fixed uids, so the journals, their hashes and the reports are the same on
every run. The golden files are syrupy snapshots (``__snapshots__/test_report/``, one file
per report kind and format, compared byte for byte: see tests/helpers_golden.py).
Regenerate them after a deliberate change with

    python -m pytest tests/unit/test_report.py --snapshot-update

and read the diff before committing it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fixtures_report.scripts import (
    Scripted,
    ScriptedDrill,
    fixed_uids,
    fixture_catalog,
    script_drill,
    script_incident,
)
from helpers_golden import golden

from irdesk.formats.catalog import Catalog
from irdesk.report.build import build_report
from irdesk.report.chart.svg import svg_chart
from irdesk.report.chart.text import text_chart
from irdesk.report.compose import build_sections
from irdesk.report.model import ChainStatus, Report
from irdesk.report.render.html import to_html
from irdesk.report.render.json import to_json
from irdesk.report.render.markdown import to_markdown
from irdesk.report.timeline import Timeline
from irdesk.services.review import load_report
from irdesk.store import Journal

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "report.schema.json"
GENERATOR = "irdesk (golden)"


@pytest.fixture(scope="module")
def incident(tmp_path_factory: pytest.TempPathFactory) -> Scripted:
    with fixed_uids():
        return script_incident(tmp_path_factory.mktemp("inc") / "journal.db", fixture_catalog())


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> ScriptedDrill:
    with fixed_uids():
        return script_drill(tmp_path_factory.mktemp("drl") / "journal.db", fixture_catalog())


def _report(journal, incident_id: str, now, **kw) -> Report:  # noqa: ANN001
    return load_report(
        journal, incident_id, now=now, catalog=fixture_catalog(), generator=GENERATOR, **kw
    )


@pytest.fixture
def incident_report(incident: Scripted) -> Report:
    with _report(incident.journal, incident.incident, incident.now) as report:
        yield report


@pytest.fixture
def drill_report(drill: ScriptedDrill) -> Report:
    with _report(drill.journal, drill.drill, drill.now) as report:
        yield report


# --------------------------------------------------------------------------- golden files


RENDERERS = [
    pytest.param("md", to_markdown, id="md"),
    pytest.param("html", to_html, id="html"),
    pytest.param("json", to_json, id="json"),
]


@pytest.mark.parametrize("fmt, render", RENDERERS)
def test_incident_report_matches_golden(incident_report: Report, fmt, render, snapshot) -> None:
    assert render(incident_report) == snapshot.use_extension(golden(fmt))


@pytest.mark.parametrize("fmt, render", RENDERERS)
def test_drill_report_matches_golden(drill_report: Report, fmt, render, snapshot) -> None:
    assert render(drill_report) == snapshot.use_extension(golden(fmt))


def test_text_chart_matches_golden(incident_report: Report, drill_report: Report, snapshot) -> None:
    text = "\n".join(text_chart(incident_report, 120)) + "\n\n"
    text += "\n".join(text_chart(drill_report, 100)) + "\n"
    assert text == snapshot.use_extension(golden("txt"))


def test_the_same_script_gives_the_same_journal(incident: Scripted, tmp_path: Path) -> None:
    with fixed_uids():
        again = script_incident(tmp_path / "again.db", fixture_catalog())
    assert (
        again.journal.incident(again.incident).head_hash
        == incident.journal.incident(incident.incident).head_hash
    )


# --------------------------------------------------------------------------- content


def test_incident_report_says_what_a_lead_needs(incident_report: Report) -> None:
    text = to_markdown(incident_report)
    o = incident_report.overview
    assert o.incident_id == "INC-0002" and o.severity == "SEV1" and o.status == "closed"
    assert o.playbook_id == "phish-response" and o.playbook_version == "3"
    assert len(o.playbook_sha256) == 64 and o.playbook_sha256 in text
    metrics = {m.key: m.short for m in incident_report.metrics}
    assert metrics == {
        "time_to_detect": "14h 30m",
        "time_to_acknowledge": "23m",
        "time_to_contain": "3h 05m",
        "time_to_resolve": "1d 07h",
    }
    # overruns, the skip with its reason, decisions, escalation acknowledged by whom
    assert "**9m over**" in text and "**13m over**" in text
    assert "skipped: the journal is the timeline" in text
    assert "→ **Yes, at least one account is exposed** (ada)" in text
    assert "| acknowledge | 1 | commander: ada | ada, 2026-11-23 09:23:00 |" in text
    assert "| contain | 1 | commander: ada | not acknowledged |" in text
    # review, improvement plan and items carried over from the earlier incident
    assert "### Five whys" in text and "**They lead to:** MFA push approval" in text
    assert "| INC-0002-3 | — | Give finance the bank's fraud line" in text
    # an item carried over from the earlier incident keeps its organisation
    assert "| Phishing refresher for the finance team | Head of Finance (Finance) |" in text
    assert "2026-11-20 (overdue)" in text
    assert [c.item for c in incident_report.carried] == ["INC-0001-1", "INC-0001-2"]
    assert "INC-0001-3" not in text  # done before this incident: not carried
    # chain
    assert incident_report.chain.ok
    assert incident_report.chain.head_hash in text


@pytest.mark.parametrize("fmt, render", RENDERERS)
def test_every_format_shows_the_head_as_verify_checks_it(
    incident: Scripted, incident_report: Report, fmt: str, render
) -> None:
    head = incident.journal.incident("INC-0002").head
    label = head.label("INC-0002")  # INC-0002@81:<64 hex>
    assert incident_report.head == label
    text = render(incident_report)
    assert label in text and f"irdesk verify --expect {label}" in text
    if fmt == "json":
        chain = json.loads(text)["chain"]
        assert (chain["head"], chain["head_seq"], chain["head_hash"]) == (label, *head)


def test_the_head_is_the_last_entry_the_report_read(incident: Scripted) -> None:
    """verify may have seen entries appended after the report read its own: the report
    hands out the head of what it shows."""
    journal = incident.journal
    last = journal.incident("INC-0002").last_seq
    verified = ChainStatus.from_verify(journal.verify("INC-0002"), "INC-0002")
    read = list(journal.entries("INC-0002", until_seq=last - 3))
    with build_report(
        fixture_catalog().playbooks["phish-response"],
        read,
        now=incident.now,
        chain=verified,
    ) as report:
        assert report.chain.ok and report.chain.entries == last  # what verify checked
        assert report.head == f"INC-0002@{last - 3}:{read[-1].hash}"
        assert report.head in to_markdown(report)


def test_timeline_shows_recorded_time_only_when_it_differs(incident_report: Report) -> None:
    rows = {r.seq: r for r in incident_report.timeline}
    assert rows[2].recorded_at is not None  # started, backdated
    assert rows[4].recorded_at is None
    text = to_markdown(incident_report)
    assert "| 2 | 2026-11-22 18:10:00 | 2026-11-23 09:00:00 |" in text
    assert "— corrected by entry 34 (ada): the rule forwarded to two outside addresses" in text


def test_drill_report_has_injects_expectations_ratings_and_hot_wash(drill_report: Report) -> None:
    d = drill_report.drill
    assert d is not None
    ratings = {r.objective: r.rating for r in d.ratings}
    assert ratings == {"contain-fast": "S", "scope-fully": "P", "protect-money": "U"}
    statuses = {(e.inject, e.event): e.status for e in d.expectations}
    assert statuses[("assistant-calls", "step:revoke-access:done")] == "late"
    assert statuses[("supplier-calls", "step:legal-review:started")] == "missed"
    assert statuses[("cfo-pressure", "step:assess-exposure:started")] == "n/a"
    injects = {i.id: i for i in d.injects}
    assert injects["cfo-pressure"].status == "skipped"
    assert injects["hidden-rule"].status == "delivered"
    text = to_markdown(drill_report)
    assert "### Hot wash" in text and "nobody owned the bank call" in text
    assert "(no answer recorded)" in text
    assert "How ratings are given:" in text


def test_a_drill_report_times_everything_on_the_exercise_clock(drill_report: Report) -> None:
    """Step durations, overruns, metrics, the chart and timers read exercise time (the
    scripted drill pauses and runs fast, so wall time would differ)."""
    state = drill_report.state
    assert state is not None
    on_clock = state.timer_time
    visits = [v for row in drill_report.steps for v in row.visits if v.duration is not None]
    assert visits
    for v in visits:
        assert v.duration == on_clock(v.end) - on_clock(v.start)
    assert any(v.duration != v.end - v.start for v in visits)  # wall time would differ
    metrics = {m.key: m for m in drill_report.metrics}
    ack = state.milestones["acknowledged"].at
    assert metrics["time_to_acknowledge"].value == on_clock(ack) - on_clock(state.declared_at)
    chart = drill_report.chart
    assert chart.origin == state.declared_at
    assert all(b.start >= chart.origin for b in chart.bars)
    assert "T+0:00" in "\n".join(text_chart(drill_report))
    for timer in drill_report.timers:
        if timer.stopped_at is not None and timer.started_at is not None:
            assert timer.stopped_at >= timer.started_at, timer.id  # never "after -1m 56s"


def test_a_drill_ended_early_reports_hand_marks_not_reached_not_delivered_and_feedback(
    tmp_path: Path,
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from helpers_replay import script_drill

    catalog = Catalog.load()
    path, incident_id, _ = script_drill(tmp_path / "drill.db", catalog)
    with Journal.open(path, readonly=True) as journal:
        now = datetime(2026, 11, 24, tzinfo=UTC)
        with load_report(journal, incident_id, now=now, catalog=catalog) as report:
            d = report.drill
            assert d is not None
            injects = {i.id: i.status for i in d.injects}
            assert "not delivered" in injects.values() and "scheduled" not in injects.values()
            statuses = {e.status for e in d.expectations}
            assert "not reached" in statuses
            marked = next(e for e in d.expectations if e.detail.startswith("marked by hand"))
            assert marked.detail == ("marked by hand by fay (the rule said met): only half triaged")
            text = to_markdown(report)
            assert "### Participant feedback" in text
            assert "| Bo | clear roles | paging took \\| long |" in text
            assert "<td>Bo</td>" in to_html(report)
            doc = json.loads(to_json(report))
            assert doc["drill"]["feedback"][0]["improve"] == "paging took | long"
            schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
            errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))
            assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def test_drill_report_is_in_the_hseep_shape(drill_report: Report) -> None:
    """Issue 15: exercise overview, per objective the rating with strengths and areas for
    improvement resting on journal entries, and the improvement plan as a matrix."""
    sections = {s.kind: s for s in build_sections(drill_report)}
    kinds = [s.kind for s in build_sections(drill_report)]
    assert kinds.index("exercise") < kinds.index("drill") < kinds.index("review")
    ex = sections["exercise"]
    assert ex.name == "The CEO's mailbox (test copy)" and ex.scenario_id == "ttx-phish"
    assert ex.wall == "2026-12-02 10:03:00 to 2026-12-02 11:03:00 UTC"
    assert ex.exercise.startswith("1h of exercise time (1h planned)")
    assert "Facilitator notes" not in ex.setting and ex.setting.startswith("Tuesday, 10:05.")
    assert {p.name: p.roles for p in ex.participants}["ada"] == ("Incident commander",)
    by_id = {o.objective: o for o in ex.objectives}
    fast = by_id["contain-fast"]
    assert (fast.rating, len(fast.strengths), len(fast.areas)) == ("S", 2, 2)
    late = fast.areas[0]
    assert late.text.startswith("'Cut the attacker out of exposed accounts' done within 30m")
    assert late.outcome == "late at T+00:47:00 (deadline T+00:43:00)"
    # the evidence names the entries: the inject's delivery and the step's completion
    entries = {e.seq: e for e in drill_report.timeline}
    delivered, done = late.evidence
    seq = int(delivered.split(",")[0].removeprefix("entry "))
    assert entries[seq].kind == "inject.delivered" and "T+00:13:00" in delivered
    seq = int(done.split(",")[0].removeprefix("entry "))
    assert entries[seq].kind == "step.done" and "10:50:00" in done
    money = by_id["protect-money"]
    assert money.rating == "U" and money.strengths == ()
    assert "no entry records" in money.areas[0].evidence[-1]
    assert [f.outcome for f in money.not_evaluated] == ["n/a: inject skipped (facilitator)"]
    plan = sections["review"].improvements
    assert [(i.issue, i.poete, i.owner, i.organization, i.start, i.due) for i in plan] == [
        (
            "Nobody owned the call to the bank",
            "planning",
            "ada",
            "Security",
            "2026-12-03",
            "2026-12-16",
        ),
        (
            "Legal was not brought in when the supplier called",
            "training",
            "eli",
            "Legal",
            "—",
            "2027-01-15",
        ),
    ]
    text = to_markdown(drill_report)
    assert "## Exercise overview" in text and "## Analysis of objectives" in text
    assert "| Issue / area for improvement | Corrective action | Capability element |" in text
    doc = json.loads(to_json(drill_report))
    late_json = [
        e for e in doc["drill"]["expectations"] if e["event"] == "step:revoke-access:done"
    ][0]
    assert late_json["event_entry"]["seq"] == int(done.split(",")[0].removeprefix("entry "))
    assert doc["review"]["improvements"][0]["organization"] == "Security"


def test_json_report_follows_the_documented_schema(
    incident_report: Report, drill_report: Report
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    for report in (incident_report, drill_report):
        doc = json.loads(to_json(report))
        errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc), key=str)
        assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
        assert len(doc["timeline"]) == report.overview.entry_count


class _Resources(HTMLParser):
    """Everything in an HTML page that could reach the network."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag in ("script", "link", "iframe", "img", "object", "embed", "image", "use"):
            self.found.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "srcset", "action") and value:
                self.found.append(f"{tag} {name}={value}")


def test_html_report_is_one_self_contained_file(incident_report: Report) -> None:
    page = to_html(incident_report)
    parser = _Resources()
    parser.feed(page)
    assert parser.found == []
    assert "svg" in parser.tags and "style" in parser.tags
    assert "@import" not in page and "url(" not in page
    assert "Content-Security-Policy" in page


def test_svg_chart_has_a_bar_per_visit_and_a_line_per_milestone(incident_report: Report) -> None:
    svg = svg_chart(incident_report)
    visits = [v for s in incident_report.steps for v in s.visits]
    assert len(incident_report.chart.bars) == len(visits) == 14
    assert svg.count("<g><title>") == len(visits)
    assert svg.count('stroke-dasharray="4 3"/>\n') >= len(incident_report.chart.milestones)
    for name, _at in incident_report.chart.milestones:
        assert f">{name}</text>" in svg
    # the 15-hour wait between the first malicious sign-in and detection is compressed
    assert "14h 07m" in svg


def test_text_chart_fits_its_width(incident_report: Report, drill_report: Report) -> None:
    for report in (incident_report, drill_report):
        for width in (60, 100, 160):
            lines = text_chart(report, width)
            assert all(len(line) <= width for line in lines), width
            body = lines[: next(n for n, line in enumerate(lines) if "─" in line)]
            assert sum(
                "█" in line or "◆" in line or "×" in line or "●" in line for line in body
            ) == len(report.chart.bars)


def test_a_spooled_timeline_renders_the_same_as_one_in_memory(incident: Scripted) -> None:
    with (
        _report(incident.journal, incident.incident, incident.now) as small,
        _report(incident.journal, incident.incident, incident.now, spool_limit=64) as big,
    ):
        assert big.timeline._spool._rolled  # on disk
        assert not small.timeline._spool._rolled
        assert to_markdown(big) == to_markdown(small)
        assert to_json(big) == to_json(small)


def test_a_timeline_can_be_read_more_than_once() -> None:
    timeline = Timeline()
    assert list(timeline) == []
    timeline.close()


def test_report_of_an_open_incident_says_so(tmp_path: Path) -> None:
    from fixtures_report.scripts import T0

    from irdesk.domain.clock import FixedClock
    from irdesk.services.desk import Desk
    from irdesk.store import Journal

    clock = FixedClock(T0)
    catalog = fixture_catalog()
    with Journal.open(tmp_path / "j.db", clock=clock) as journal:
        desk = Desk(journal, catalog=catalog, clock=clock, actor="ada")
        session = desk.declare(catalog.playbooks["phish-response"], title="Still going")
        clock.advance(600)
        with _report(journal, session.incident_id, clock.now()) as report:
            text = to_markdown(report)
    assert f"it is still {report.overview.status} (10m so far)" in text
    assert "| 1 | Take ownership and triage the report | detection | 15m | 10m so far |" in text
    assert "No after-action review has been recorded yet." in text
    assert (
        "Time to detect | started → detected | not recorded (no 'started' and "
        "'detected' milestone)" in text
    )
