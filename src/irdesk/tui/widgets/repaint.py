"""Paint only what changed.

A live incident screen paints every widget from the fold after each write, its own or
another process's. Most of what it paints is what is shown already; drawing it again
anyway costs a layout of the whole screen and a render of every line on it, which on a
tick was most of the time from the key to the frame. These helpers hand a widget new
content only where it differs from what the widget shows, and ask for a layout only when
the new content takes another number of lines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.visual import VisualType
from textual.widget import Widget
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


def same(shown: object, new: object) -> bool:
    """Whether ``new`` looks exactly as ``shown``: the text, its spans and its own style
    (which ``Text.__eq__`` leaves out)."""
    if isinstance(shown, Text) and isinstance(new, Text):
        return look(shown) == look(new)
    return type(shown) is type(new) and shown == new


def look(text: Text) -> tuple[object, ...]:
    """What a Text looks like, as a value to compare: equal looks draw the same."""
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
        keeping_height(static, lambda: static.update(content, layout=False))


def keeping_height(widget: Widget, change: Callable[[], object]) -> None:
    """Make ``change`` (which repaints ``widget``), and lay the screen out again only when
    the widget's content now takes another number of lines: a layout goes through every
    widget on the screen, and most changes (a tick mark, a running time) keep the height.
    A widget not laid out yet, or as wide as its content, is laid out again anyway."""
    width = widget.scrollable_content_region.width
    if not width or (widget.styles.width is not None and widget.styles.width.is_auto):
        change()
        widget.refresh(layout=True)
        return
    size = widget.size  # a leaf widget's height needs only the width
    before = widget.get_content_height(size, size, width)
    change()
    if widget.get_content_height(size, size, width) != before:
        widget.refresh(layout=True)


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
    changed = [
        (index, new.prompt)
        for index, (old, new) in enumerate(zip(shown, rows, strict=True))
        if not same(old.prompt, new.prompt)
    ]

    def replace() -> None:
        for index, prompt in changed:
            options.replace_option_prompt_at_index(index, prompt)

    if changed:
        keeping_height(options, replace)  # a longer prompt may wrap to another line
    return False
