"""Paint only what changed.

A live incident screen paints every widget from the fold after each write, its own or
another process's. Most of what it paints is what is shown already; drawing it again
anyway costs a layout of the whole screen and a render of every line on it, which on a
tick was most of the time from the key to the frame. These helpers hand a widget new
content only where it differs from what the widget shows.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.visual import VisualType
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


def same(shown: object, new: object) -> bool:
    """Whether ``new`` looks exactly as ``shown``: the text, its spans and its own style
    (which ``Text.__eq__`` leaves out)."""
    if isinstance(shown, Text) and isinstance(new, Text):
        return _look(shown) == _look(new)
    return type(shown) is type(new) and shown == new


def _look(text: Text) -> tuple[object, ...]:
    return (
        text.plain,
        text.spans,
        text.style,
        text.justify,
        text.overflow,
        text.no_wrap,
        text.end,
    )


def update(static: Static, content: VisualType) -> None:
    """``static.update(content)``, unless it shows that already."""
    if not same(static.content, content):
        static.update(content)


def show_options(options: OptionList, rows: Sequence[Option]) -> bool:
    """Show ``rows`` in ``options``. When it holds the same options already (the same ids,
    enabled alike), only the prompts that changed are drawn again and the highlight and
    scroll stay; else every option is replaced. True when they were all replaced (the
    highlight is then gone)."""
    shown = options.options
    if [(o.id, o.disabled) for o in shown] != [(o.id, o.disabled) for o in rows]:
        options.clear_options()
        options.add_options(rows)
        return True
    changed = False
    for index, (old, new) in enumerate(zip(shown, rows, strict=True)):
        if not same(old.prompt, new.prompt):
            options.replace_option_prompt_at_index(index, new.prompt)
            changed = True
    if changed and options.styles.auto_dimensions:
        options.refresh(layout=True)  # a longer prompt may wrap: the list's height changes
    return False
