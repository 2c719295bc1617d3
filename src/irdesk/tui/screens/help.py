"""Help: every key of the screen underneath, as the keymap in use sets them."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from irdesk.tui.keymap import bindings_of
from irdesk.tui.safe import literal


class HelpScreen(Screen[None]):
    """Every key of the screen underneath and the app's, each with its binding id (the
    name a keymap uses); keys the user's keymap changed say so."""

    BINDINGS = [Binding("escape,question_mark,q", "back", "Back", id="help.back")]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(id="help-text")
        yield Footer()

    def on_mount(self) -> None:
        keymap = self.app.keymap  # type: ignore[attr-defined]
        text = Text("Keys\n\n", style="bold")
        seen = set()
        for binding in [*bindings_of(type(self.under)), *bindings_of(type(self.app))]:
            if binding.id in seen:
                continue
            seen.add(binding.id)
            remapped = binding.id in keymap.keys
            keys = keymap.keys[binding.id] if remapped else binding.key
            # As the footer shows them ("?", "^q"), and never run into the description.
            shown = (None if remapped else binding.key_display) or ", ".join(
                self.app.get_key_display(Binding(key.strip(), "")) for key in keys.split(",")
            )
            text.append(f"  {shown:<12} ", style="bold cyan")
            text.append(f"{binding.description}")
            text.append(f"   [{binding.id}]" if binding.id else "", style="dim")
            text.append("  (your keymap)\n" if remapped else "\n", style="italic")
        text.append("\nThe command palette (ctrl+p) lists the main actions too.\n", style="dim")
        text.append_text(
            literal(
                f"Keys can be remapped by binding id in your keymap, {keymap.path} "
                "(see the README, Keys).",
                "dim",
            )
        )
        if keymap.errors:
            text.append("\n")
            text.append_text(literal(f"Your keymap is not used: {keymap.errors[0]}", "bold red"))
        self.query_one("#help-text", Static).update(text)

    def action_back(self) -> None:
        self.dismiss(None)
