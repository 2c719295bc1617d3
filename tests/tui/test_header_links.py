"""The runner's header shows the incident's links, and its id, severity and status
literally (issue 12)."""

from __future__ import annotations

from datetime import timedelta

from irdesk.tui.widgets.header import header_text


def test_the_header_shows_links_and_journal_text_literally(declare, clock):
    session = declare()
    session.link("https://tickets.example.org/SEC-42", "ticket")
    session.link("https://chat.example.org/c/42")
    clock.advance(timedelta(minutes=1))
    line = header_text(session.state, clock.now()).plain.splitlines()[1]
    assert line.endswith(
        " · ticket https://tickets.example.org/SEC-42 · link https://chat.example.org/c/42"
    )
    state = session.state
    state.incident_id, state.severity = "INC-1\x1b[2J\u202e", "SEV1\r"
    shown = header_text(state, clock.now()).plain
    assert "\x1b" not in shown and "\u202e" not in shown and "\r" not in shown
    assert shown.startswith(" INC-1␛[2J\\u202e ")
