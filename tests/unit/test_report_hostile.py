"""Hostile text in titles, notes, names and the review comes out inert in every format.

Whatever people type (or pipe in with ``irdesk log``) is shown as text: no HTML element,
no Markdown structure, no Rich markup, no terminal escape reaches a reader.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fixtures_report.scripts import fixture_catalog

from irdesk.domain.clock import FixedClock
from irdesk.report.chart.text import text_chart
from irdesk.report.escape import md
from irdesk.report.render.html import to_html
from irdesk.report.render.json import to_json
from irdesk.report.render.markdown import to_markdown
from irdesk.services.desk import Desk
from irdesk.services.review import ReviewSession, load_report
from irdesk.store import Expectation, Journal
from irdesk.text import visible

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
MD_LINK = "[click me](javascript:alert(3)) ![x](http://evil.example/p.png)"
MD_BLOCK = "ok\n# Fake heading\n| fake | row |\n---\n```\ncode\n``` <!-- c -->"
RICH = "[bold red]boom[/] [link=http://evil.example]here[/link]"
ANSI = (
    "\x1b[31mRED\x1b[0m \x1b]8;;http://evil.example\x07link\x1b]8;;\x07 \x9b2J "
    "bell\x07 cr\roverwrite"
)
BIDI = "admin\u202egnp.exe"
ENTITY = "&lt;script&gt; &#60;b&#62;"
# reads like heads to `irdesk verify --expect-file` (one malformed, one well formed)
HEADISH = f"call the CISO@14:00 about INC-0001@3:abc and INC-0009@1:{'0' * 64}"
HOSTILE = " ".join([SCRIPT, IMG, MD_LINK, RICH, ANSI, BIDI, ENTITY, HEADISH])
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    clock = FixedClock(T0)
    catalog = fixture_catalog()
    path = tmp_path_factory.mktemp("hostile") / "journal.db"
    with Journal.open(path, clock=clock) as journal:
        desk = Desk(journal, catalog=catalog, clock=clock, actor="eve\x1b[2J")
        playbook = catalog.playbooks["phish-response"]
        earlier = desk.declare(playbook, title="earlier " + SCRIPT)
        earlier.close()
        ReviewSession(earlier).add_improvement(HOSTILE, owner=RICH, due="2026-01-01")
        clock.advance(timedelta(hours=1))
        session = desk.declare(
            playbook, title=HOSTILE, commander=ANSI, detected_at=T0, backdate_reason=MD_BLOCK
        )
        clock.advance(60)
        session.note(HOSTILE + "\n" + MD_BLOCK)
        session.assign("scribe", IMG)
        session.tick("triage", 1, evidence=MD_LINK)
        session.skip("triage", HOSTILE)
        clock.advance(60)
        session.close(HOSTILE)
        review = ReviewSession(session)
        review.set_five_whys(MD_LINK, [SCRIPT, ANSI, MD_LINK], MD_BLOCK)
        for section in ("went_well", "to_improve", "lesson"):
            review.add_note(section, HOSTILE)
        review.add_improvement(
            MD_BLOCK,
            owner=IMG,
            due="2026-12-01",
            step="triage",
            poete="training",
            issue=HOSTILE,
            organization=MD_LINK,
        )
        review.save(HOSTILE)
        built = load_report(journal, session.incident_id, now=clock.now(), catalog=catalog)
        # step titles come from playbooks, which people write too: the chart draws them
        built.chart = replace(
            built.chart, bars=tuple(replace(b, title=HEADISH) for b in built.chart.bars)
        )
        outputs = {
            "head": built.head,
            "md": to_markdown(built),
            "html": to_html(built),
            "json": to_json(built),
            "chart": "\n".join(text_chart(built, 100)),
        }
        built.close()
    return outputs


@pytest.mark.parametrize("fmt", ["md", "html", "json", "chart"])
def test_no_terminal_control_character_survives(report: dict[str, str], fmt: str) -> None:
    text = report[fmt]
    assert not RAW_CONTROL.findall(text)
    if fmt != "chart":
        assert "␛[31mRED" in text or "␛\\[31mRED" in text


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.handlers: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"{tag}.{name}")
            if name in ("href", "src", "xlink:href"):
                self.links.append(f"{tag}.{name}={value}")


def test_html_has_no_script_element_handler_or_link(report: dict[str, str]) -> None:
    page = report["html"]
    parser = _Elements()
    parser.feed(page)
    assert "script" not in parser.tags
    assert "img" not in parser.tags
    assert parser.handlers == []
    assert parser.links == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&amp;lt;script&amp;gt;" in page  # an entity typed by a person stays literal
    assert "[bold red]boom[/]" in page  # Rich markup is just text


def test_markdown_has_no_raw_html_link_or_injected_structure(report: dict[str, str]) -> None:
    from markdown_it import MarkdownIt

    text = report["md"]
    parser = MarkdownIt("commonmark", {"html": True}).enable("table")
    tokens = parser.parse(text)
    inline = [c for t in tokens if t.children for c in t.children]
    raw_html = {c.content for c in inline if c.type == "html_inline"}
    assert raw_html <= {"<br>"}  # only the line breaks the report itself writes
    assert not [t for t in tokens if t.type == "html_block"]
    assert not [c for c in inline if c.type in ("link_open", "image")]
    headings = [tokens[n + 1].content for n, t in enumerate(tokens) if t.type == "heading_open"]
    assert "Fake heading" not in " ".join(headings)
    assert not [
        t
        for t in tokens
        if t.type in ("fence", "code_block")
        and "code" in t.content
        and "Response" not in t.content
        and "█" not in t.content
    ]
    rendered = parser.render(text)
    parsed = _Elements()
    parsed.feed(rendered)
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert parsed.handlers == [] and parsed.links == []
    # every table row keeps its column count: a typed "|" does not add a column
    for block in text.split("\n\n"):
        rows = [line for line in block.splitlines() if line.startswith("|")]
        if len(rows) > 2:
            counts = {len(re.findall(r"(?<!\\)\|", row)) for row in rows}
            assert len(counts) == 1, block


def test_json_keeps_the_text_made_visible(report: dict[str, str]) -> None:
    doc = json.loads(report["json"])
    assert doc["incident"]["title"] == visible(HOSTILE)
    assert "␛[31mRED␛[0m" in doc["incident"]["title"]
    assert "\\u202e" in doc["incident"]["title"]
    assert doc["review"]["root_cause"]["whys"][0] == SCRIPT
    assert doc["carried_over"][0]["what"] == visible(HOSTILE)


def test_md_escaping_rules() -> None:
    assert md("a|b") == "a\\|b"
    assert (
        md("*x* _y_ `z` [l](u) <b> #h ~s~")
        == "\\*x\\* \\_y\\_ \\`z\\` \\[l\\](u) \\<b\\> \\#h \\~s\\~"
    )
    assert (
        md("line one\n- item\n1. item\n# head") == "line one<br>\\- item<br>1\\. item<br>\\# head"
    )
    assert md("R&D &amp; &#60;") == "R&D \\&amp; \\&\\#60;"
    assert md("\x1b[1m") == "␛\\[1m"
    assert visible("tab\tnew\nline\r\nx\ry\x85z\u2066") == "tab\tnew\nline\nx\\x0dy\\x85z\\u2066"


def test_hostile_titles_in_the_improvements_list(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from irdesk.cli import main

    clock = FixedClock(T0)
    catalog = fixture_catalog()
    path = tmp_path / "journal.db"
    with Journal.open(path, clock=clock) as journal:
        desk = Desk(journal, catalog=catalog, clock=clock, actor="ada")
        session = desk.declare(catalog.playbooks["phish-response"], title=ANSI)
        ReviewSession(session).add_improvement(HOSTILE, owner=ANSI)
    result = CliRunner().invoke(main, ["improvements", "--journal", str(path)])
    assert result.exit_code == 0, result.output
    assert not RAW_CONTROL.findall(result.output)
    assert "␛[31mRED" in result.output


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_the_only_head_in_a_report_is_its_own(report: dict[str, str], fmt: str) -> None:
    # what `irdesk verify --expect-file` reads (a malformed head would raise)
    found = {e.label for e in Expectation.find_all(report[fmt])}
    assert found == {report["head"]}


def test_headlike_text_reads_the_same_once_rendered(report: dict[str, str]) -> None:
    from markdown_it import MarkdownIt

    shown = MarkdownIt("commonmark", {"html": True}).enable("table").render(report["md"])
    assert "call the CISO@14:00 about INC-0001@3:abc" in shown  # "\\@" shows as "@"
    assert "call the CISO&#64;14:00" in report["html"]  # a browser shows "@"
    assert HEADISH in json.loads(report["json"])["incident"]["title"]
