"""The one sanitiser (irdesk.text) and the TUI's literal text built on it (issue 12)."""

from __future__ import annotations

import pytest

from irdesk.text import single_line, squeezed, visible
from irdesk.tui.safe import literal

CASES = [
    ("\x1b[2J", "␛[2J"),  # ESC
    ("a\x07b\x08c\rd", "a\\x07b\\x08c\\x0dd"),  # C0: bell, backspace, carriage return
    ("\x9b31m", "\\x9b31m"),  # C1: the one-byte CSI
    ("\x85\x90", "\\x85\\x90"),  # C1: next line, device control string
    ("del\x7f", "del\\x7f"),  # DEL
    ("\u202egnp.exe", "\\u202egnp.exe"),  # right-to-left override
    ("\u202d\u202a\u202b\u202c", "\\u202d\\u202a\\u202b\\u202c"),  # LRO, LRE, RLE, PDF
    ("\u2066\u2067\u2068\u2069", "\\u2066\\u2067\\u2068\\u2069"),  # isolates
    ("\u200e\u200f\u061c", "\\u200e\\u200f\\u061c"),  # direction marks
    ("pay\u200bpal", "pay\\u200bpal"),  # zero-width space hides a word break
    ("a\u200cb\u2060c\u2063d\u180ee", "a\\u200cb\\u2060c\\u2063d\\u180ee"),  # ZWNJ, WJ, ...
    ("ad\u200dmin", "ad\\u200dmin"),  # a zero-width joiner between letters hides nothing good
    ("\ufff9hidden\ufffb", "\\ufff9hidden\\ufffb"),  # interlinear annotation
    ("\ufeffbom", "\\ufeffbom"),
    ("\u2028\u2029", "\\u2028\\u2029"),
]


@pytest.mark.parametrize(("raw", "shown"), CASES)
def test_visible_neutralises(raw: str, shown: str) -> None:
    assert visible(raw) == shown
    assert str(literal(raw).plain) == shown


def test_an_emoji_sequence_keeps_its_joiner() -> None:
    for emoji in ("👩\u200d💻", "👨\u200d👩\u200d👧", "🏳\ufe0f\u200d🌈", "👩🏽\u200d🚀"):
        assert visible(emoji) == emoji


def test_lines_and_cells_fold_line_breaks() -> None:
    assert single_line("a\nb\tc") == "a ⏎ b c"
    assert squeezed(" a \n b\u202e ") == "a b\\u202e"
    assert literal("x\ny", single_line=True).plain == "x ⏎ y"


def test_text_stays_text() -> None:
    plain = "Ravi Iyer – SEV1 · café 東京 [bold]not markup[/bold]\tand\nlines"
    assert visible(plain) == plain
