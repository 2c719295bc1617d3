"""User text made inert for a terminal: the one sanitiser every output uses.

Titles, notes, reasons, names and incident ids come from people, playbook files, piped
tool output and journals that may have been tampered with. Before any of it reaches a
terminal (the CLI, the Textual screens) or a report, every character a terminal or a
reader could act on is shown literally instead:

- ESC as ``␛``; the other C0 controls (BEL, backspace, CR, ...), DEL and the C1 controls
  (``\\x80``-``\\x9f``, among them the one-byte CSI ``\\x9b``) as ``\\xNN``;
- bidirectional overrides, embeddings and isolates (U+202A-U+202E, U+2066-U+2069), the
  left-to-right, right-to-left and Arabic letter marks, the line and paragraph separators
  and the byte order mark as ``\\uNNNN``; so are lone surrogates (bytes that were not
  UTF-8), which no output stream could encode;
- the invisible characters that can hide or join text: zero-width space and non-joiner,
  word joiner and the invisible operators (U+2060-U+2064), the Mongolian vowel separator,
  the interlinear annotation marks (U+FFF9-U+FFFB), as ``\\uNNNN``; the zero-width joiner
  too, except between two emoji (where it builds one picture, 👩‍💻).

Tabs and newlines are text (``\\r\\n`` becomes ``\\n``). :func:`single_line` and
:func:`squeezed` also fold the line breaks, for rows and table cells. Markup is the
output's own business on top of this: Markdown and HTML escaping in the report, Rich
markup in the TUI (``irdesk.tui.safe``).

A leaf module: it imports nothing from irdesk.
"""

from __future__ import annotations

import re

#: The characters :func:`visible` replaces, as the body of a regular-expression class (the
#: report's Markdown escaping extends it).
INVISIBLE = (
    r"\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 but tab and newline; DEL; C1
    r"\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff"  # marks, separators, bidi, BOM
    r"\u061c\u180e\u200b\u200c\u2060-\u2064\ufff9-\ufffb"  # invisible, text-hiding
    r"\ud800-\udfff"  # lone surrogates (bytes that were not UTF-8): no stream can print them
)
_NEEDS_VISIBLE = re.compile(f"[{INVISIBLE}]")

_INVISIBLE = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))}
_INVISIBLE.update({0x1B: "␛"})
for _c in (0x09, 0x0A):
    del _INVISIBLE[_c]  # tab and newline are text
for _c in (
    0x200E,
    0x200F,
    0x2028,
    0x2029,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
    0xFEFF,
    *range(0xD800, 0xE000),
    0x061C,
    0x180E,
    0x200B,
    0x200C,
    *range(0x2060, 0x2065),
    *range(0xFFF9, 0xFFFC),
):
    _INVISIBLE[_c] = f"\\u{_c:04x}"

#: emoji and pictographs (with variation selector 16 and skin tones): a zero-width joiner
#: between two of them builds one picture and is left alone
_EMOJI = "\u2600-\u27bf\ufe0f\U0001f000-\U0001faff"
#: a zero-width joiner anywhere else, where it can only hide or glue text
_HIDING_ZWJ = re.compile(f"\u200d(?![{_EMOJI}])|(?<![{_EMOJI}])\u200d")


def visible(text: object) -> str:
    """User text with terminal control characters made visible: ESC as ``␛``, other C0/C1
    controls as ``\\xNN``, bidi overrides and line separators as ``\\uNNNN``. Tabs and
    newlines stay (``\\r\\n`` becomes ``\\n``)."""
    value = "" if text is None else str(text)
    if "\u200d" in value:
        value = _HIDING_ZWJ.sub("\\\\u200d", value)
    if not _NEEDS_VISIBLE.search(value):
        return value
    if "\r\n" in value:
        value = value.replace("\r\n", "\n")
    return value.translate(_INVISIBLE)


def single_line(text: object) -> str:
    """:func:`visible`, on one line: a newline shows as `` ⏎ `` and a tab as a space (a row
    of a screen, where a person should still see that the text had several lines)."""
    value = visible(text)
    return value.replace("\n", " ⏎ ").replace("\t", " ")


def squeezed(text: object) -> str:
    """:func:`visible`, every run of whitespace (line breaks too) one space, no space at
    either end (a cell of a command-line table)."""
    return " ".join(visible(text).split())


def reflowed(text: object) -> str:
    """:func:`visible`, as paragraphs that wrap to the width at hand: the hard line breaks
    inside a paragraph (a YAML block's) become spaces; blank lines between paragraphs, and
    the lines of a list (``- ``, ``* ``, ``+ ``), stay."""
    paragraphs = []
    for block in re.split(r"\n[ \t]*\n", visible(text).strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        listed = any(line.startswith(("- ", "* ", "+ ")) for line in lines)
        paragraphs.append("\n".join(lines) if listed else " ".join(lines))
    return "\n\n".join(p for p in paragraphs if p)
