"""Reports show the peak severity, and the severity history with times, actors, reasons."""

from __future__ import annotations

import json

from helpers_entries import Entries

from irdesk.domain.incident import K
from irdesk.report.compose import build_sections
from irdesk.report.render import WRITERS
from irdesk.report.render.buffer import to_text
from irdesk.report.sections import Tiles


def _lowered() -> Entries:
    j = Entries()  # declared SEV1
    j.add("ada", K.SEVERITY, severity="SEV2", **{"from": "SEV1"}, reason="contained")
    j.add("ben", K.SEVERITY, severity="SEV3", **{"from": "SEV2"}, reason="no data left")
    j.add("ada", K.CLOSED, summary="done")
    return j


def test_a_sev1_lowered_once_contained_is_reported_as_sev1_at_its_peak():
    j = _lowered()
    assert j.state().peak_severity == "SEV1"
    with j.report() as report:
        assert report.headline[0].startswith(
            "Incident INC-0001 (SEV1 at its peak, SEV3 at the end) was declared"
        )
        [tiles] = [s for s in build_sections(report) if isinstance(s, Tiles)]
        assert {t.label: t.value for t in tiles.tiles}["Peak severity"] == "SEV1"
        md = to_text(WRITERS["md"], report)
        html = to_text(WRITERS["html"], report)
        doc = json.loads(to_text(WRITERS["json"], report))
    assert doc["incident"]["peak_severity"] == "SEV1"
    assert doc["incident"]["severity"] == "SEV3"
    assert [
        (c["from"], c["to"], c["actor"], c["reason"]) for c in doc["incident"]["severity_history"]
    ] == [
        (None, "SEV1", "ada", None),
        ("SEV1", "SEV2", "ada", "contained"),
        ("SEV2", "SEV3", "ben", "no data left"),
    ]
    assert "| Severity | SEV1 at its peak, SEV3 at the end |" in md
    assert "- 2026-11-23 09:01:00: SEV1 → SEV2 by ada: contained" in md
    assert 'SEV2 → SEV3 by ben: <span class="u">no data left</span>' in html


def test_a_severity_raised_later_is_the_peak_and_one_never_changed_has_no_history():
    j = Entries()
    j.add("ada", K.SEVERITY, severity="SEV3", reason="smaller than feared")
    j.add("ada", K.SEVERITY, severity="SEV1", reason="it spread")
    assert j.state().peak_severity == "SEV1"
    with Entries().report() as report:
        md = to_text(WRITERS["md"], report)
    assert "Severity history" not in md and "| Severity | SEV1 |" in md
