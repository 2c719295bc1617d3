"""Help: every key of the screen underneath, from its bindings."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static


class HelpScreen(Screen[None]):
    """Every key of the screen underneath, from its bindings (so remapped keys show too)."""

    BINDINGS = [Binding("escape,question_mark,q", "back", "Back", id="help.back")]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(id="help-text")
        yield Footer()

    def on_mount(self) -> None:
        text = Text("Keys\n\n", style="bold")
        seen = set()
        for binding in [*self.under.BINDINGS, *self.app.BINDINGS]:
            if not isinstance(binding, Binding) or binding.key in seen:
                continue
            seen.add(binding.key)
            # As the footer shows them ("?", "^q"), and never run into the description.
            keys = binding.key_display or ", ".join(
                self.app.get_key_display(Binding(key.strip(), "")) for key in binding.key.split(",")
            )
            text.append(f"  {keys:<12} ", style="bold cyan")
            text.append(f"{binding.description}")
            text.append(f"   [{binding.id}]\n" if binding.id else "\n", style="dim")
        text.append(
            "\nKeys can be remapped by binding id; the command palette (ctrl+p) lists "
            "the main actions too.",
            style="dim",
        )
        self.query_one("#help-text", Static).update(text)

    def action_back(self) -> None:
        self.dismiss(None)
