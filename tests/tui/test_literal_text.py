"""User text is shown as typed: Rich markup and terminal escapes are never interpreted.

Titles, notes, reasons and names may hold ``[bold]``, ``[link=...]`` or raw ANSI escapes
(pasted from a terminal, or piped in with ``irdesk log``). They must reach the screen
literally, with the escape made visible (␛), never as styling or a terminal command.
"""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner
from tui_helpers import rows, run, screen_text, settle, text_of, toasts

from irdesk.cli import main
from irdesk.domain.incident import K

TITLE = "[bold]Boss[/bold] [link=http://x]click[/link] \x1b[31mred\x1b[0m"
SHOWN = "[bold]Boss[/bold] [link=http://x]click[/link] ␛[31mred␛[0m"
NOTE = "[red]not red[/red] [link=http://x]x[/link] \x1b]8;;http://evil\x07link\x1b]8;;\x07"
NOTE_SHOWN = "[red]not red[/red] [link=http://x]x[/link] ␛]8;;http://evil\\x07link␛]8;;\\x07"


def no_styling_from(text, fragment: str) -> None:
    """The Text holding fragment carries no style or link over it."""
    start = text.plain.index(fragment)
    end = start + len(fragment)
    for span in text.spans:
        if span.start < end and span.end > start:
            assert "link" not in str(span.style), span
            assert "red" not in str(span.style), span


async def test_title_and_note_are_literal_on_home_header_and_timeline(
    declare, make_app, journal, clock
):
    session = declare(title=TITLE, commander="[i]Mallory[/i]")
    session.note(NOTE)
    app = make_app()
    async with run(app) as pilot:
        await settle(pilot)
        home = screen_text(app)
        assert "INC-0001  [bold]Boss[/bold] [link=http://x]cl…  SEV2" in home  # cut to fit
        assert "\x1b" not in home
        await pilot.press("enter")
        await settle(pilot)
        header = app.screen.query_one("#incident-header").render()
        assert str(header).startswith(f" INC-0001  {SHOWN} · SEV2 · open")
        assert "commander [i]Mallory[/i]" in str(header)
        no_styling_from(header, SHOWN)
        timeline = text_of(app.screen.query_one("#timeline"))
        assert f"incident declared: {SHOWN} (SEV2)" in timeline
        assert f"alice        note       {NOTE_SHOWN}" in timeline
        screen = screen_text(app)
        assert SHOWN in screen
        assert "\x1b" not in screen and "\x07" not in screen


async def test_escalation_toast_shows_the_title_literally(declare, make_app, clock):
    iid = declare(title=TITLE).incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        clock.advance(timedelta(minutes=20))
        app.screen.tick_clock()
        await settle(pilot)
        assert f"ESCALATION INC-0001 {SHOWN}: 'An incident commander" in toasts(app)


async def test_typed_markup_in_evidence_skip_reason_and_role(declare, make_app, journal):
    iid = declare().incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("2", *"[b]x[/b]", "enter")
        await settle(pilot)
        assert rows(journal, iid, K.TICKED)[0].payload["evidence"] == "[b]x[/b]"
        assert '"[b]x[/b]"' in text_of(app.screen.query_one("#checklist"))
        await pilot.press("s", *"[u]why[/u]", "enter")
        await settle(pilot)
        assert "Take ownership and triage the report: [u]why[/u]" in text_of(
            app.screen.query_one("#timeline")
        )
        assert "[u]why[/u]" in screen_text(app)


async def test_irdesk_log_from_stdin_is_shown_literally(declare, make_app, journal, journal_path):
    iid = declare().incident_id
    piped = "$ grep evil /var/log/auth.log\n\x1b[1;31mFailed password\x1b[0m [bold]root[/bold]\n"
    result = CliRunner().invoke(
        main,
        ["log", "--incident", iid, "--journal", str(journal_path), "--as", "ci-bot"],
        input=piped,
    )
    assert result.exit_code == 0, result.output
    [note] = rows(journal, iid, K.NOTE)
    assert note.actor == "ci-bot"
    assert note.payload == {"text": piped.rstrip("\n"), "source": "cli"}
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        first, second = text_of(app.screen.query_one("#timeline")).splitlines()[-2:]
        # a note of several lines shows them, each literally, under the first
        assert first.endswith("ci-bot       note       $ grep evil /var/log/auth.log")
        assert second == " " * 33 + "␛[1;31mFailed password␛[0m [bold]root[/bold]"


BIDI_TITLE = "invoice rtl\u202egnp.exe csi\x9b2J iso\u2066x\u2069"
BIDI_SHOWN = "invoice rtl\\u202egnp.exe csi\\x9b2J iso\\u2066x\\u2069"


async def test_bidi_overrides_and_c1_controls_are_shown_literally(declare, make_app):
    # The screens use the report's sanitiser (irdesk.text): before, only C0 and C1 controls
    # were escaped here, and a right-to-left override reordered the title on screen.
    iid = declare(title=BIDI_TITLE).incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        header = str(app.screen.query_one("#incident-header").render())
        assert header.startswith(f" {iid}  {BIDI_SHOWN} · SEV2")
        timeline = text_of(app.screen.query_one("#timeline"))
        assert f"incident declared: {BIDI_SHOWN} (SEV2)" in timeline
        screen = screen_text(app)
        assert "\u202e" not in screen and "\u2066" not in screen and "\x9b" not in screen
