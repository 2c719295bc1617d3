"""Contacts: the roster, who is on call, the contact point, who holds each role now."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from irdesk.domain.models import Playbook, Roster
from irdesk.tui.safe import literal


class ContactsScreen(Screen[None]):
    BINDINGS = [Binding("escape", "back", "Back", id="contacts.back")]

    def __init__(
        self,
        roster: Roster | None,
        playbook: Playbook | None,
        holders: dict[str, str],
        *,
        contact_points: dict[str, list[str]] | None = None,
    ) -> None:
        """From a runner: that incident's playbook and role holders. From home: no
        playbook, and the contact point role of every playbook."""
        super().__init__()
        self.roster = roster
        self.playbook = playbook
        self.holders = holders
        self.contact_points = contact_points or {}

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(id="contacts-head")
            yield DataTable(id="people", cursor_type="row", zebra_stripes=True)
            yield Static(id="contacts-roles")
        yield Footer()

    def on_mount(self) -> None:
        head = Text("Contacts\n", style="bold")
        if self.roster is None or not self.roster.people:
            head.append_text(
                literal(
                    f"No roster found at {self.app.roster_path}. Copy the example roster there "
                    "to list people, roles, contact details and who is on call.\n",
                    "yellow",
                )
            )
        if self.playbook is not None:
            point = self.playbook.contact_point
            head.append(f"Contact point ({self.playbook.title}): {point}", style="bold")
            holder = self.holders.get(point)
            if holder:
                head.append_text(literal(f", now {holder}"))
        else:
            for point, titles in sorted(self.contact_points.items()):
                head.append(f"Contact point: {point}", style="bold")
                head.append_text(literal(f"  ({', '.join(sorted(titles))})\n", "dim"))
        self.query_one("#contacts-head", Static).update(head)
        table = self.query_one("#people", DataTable)
        table.add_columns("name", "roles", "on call", "contact")
        for person in self.roster.people if self.roster else ():
            table.add_row(
                literal(person.name),
                literal(", ".join(person.roles)),
                "yes" if person.on_call else "",
                literal(person.contact),
            )
        roles = Text()
        if self.playbook is not None:
            roles.append("\nRoles in this incident\n", style="bold")
            for role in self.playbook.roles:
                roles.append(f"  {role.title} ({role.id}): ")
                roles.append_text(literal(self.holders.get(role.id, "unassigned")))
                roles.append("\n")
        self.query_one("#contacts-roles", Static).update(roles)
        table.focus()

    def action_back(self) -> None:
        self.dismiss(None)
