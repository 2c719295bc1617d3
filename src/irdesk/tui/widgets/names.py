"""An input for a person's name with the roster's names suggested.

Textual's suggestion is only drawn: enter submitted what was typed, so "Ra" with
"Ravi Iyer" on screen journaled a person called "Ra". Here enter takes the suggestion
shown (as right arrow does), so does leaving the field (tab), and the suggestion is
worked out at once rather than by a background task, so a fast typist's enter never
beats it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual import events
from textual.suggester import SuggestFromList
from textual.widgets import Input


def completion(value: str, names: Sequence[str]) -> str | None:
    """The first of ``names`` that ``value`` begins (case-insensitively), if any."""
    if not value:
        return None
    folded = value.casefold()
    for name in names:
        if name.casefold().startswith(folded):
            return name
    return None


class NameInput(Input):
    """A one-line input that suggests ``names`` and takes the suggestion on enter."""

    def __init__(self, names: Sequence[str], **kwargs: Any) -> None:
        self.names = list(names)
        if self.names:
            kwargs["suggester"] = SuggestFromList(self.names, case_sensitive=False)
        super().__init__(**kwargs)

    def take_suggestion(self) -> None:
        """What is shown becomes what is typed: the suggested name, when there is one."""
        if self.cursor_at_end:
            chosen = completion(self.value, self.names)
            if chosen is not None and chosen != self.value:
                self.value = chosen
                self.cursor_position = len(chosen)

    async def action_submit(self) -> None:
        self.take_suggestion()
        await super().action_submit()

    def _on_blur(self, event: events.Blur) -> None:
        # tab to the next field, then enter there: the name recorded is the one shown
        self.take_suggestion()
        super()._on_blur(event)
