"""LiveTable: a changed cell is drawn again with its row, and no other row is rendered."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from irdesk.tui.widgets.tables import LiveTable

ROWS = [("INC-0001", "open", "09:00:00"), ("INC-0002", "open", "09:01:00"), ("INC-0003", "x", "")]


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LiveTable(id="table")

    def on_mount(self) -> None:
        table = self.query_one(LiveTable)
        for name in ("id", "status", "updated"):
            table.add_column(name, key=name, width=10)
        for row in ROWS:
            table.add_row(*(Text(cell) for cell in row), key=row[0])


def shown(table: DataTable) -> list[str]:
    """The table's lines as drawn (header first)."""
    return [table.render_line(y).text.rstrip() for y in range(len(ROWS) + 1)]


async def test_a_changed_cell_renders_its_row_only() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 8)) as pilot:
        await pilot.pause()
        table = app.query_one(LiveTable)
        before = shown(table)
        assert "INC-0002" in before[2] and "09:01:00" in before[2]
        rendered: list[int] = []
        real = table._render_cell

        def counting(row_index: int, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            rendered.append(row_index)
            return real(row_index, *args, **kwargs)

        table._render_cell = counting  # type: ignore[method-assign]
        table.update_cell("INC-0002", "updated", Text("09:07:30"))
        await pilot.pause()
        after = shown(table)
        assert "09:07:30" in after[2] and "09:01:00" not in after[2]
        assert after[:2] == before[:2] and after[3:] == before[3:]  # the others as they were
        assert rendered and set(rendered) == {1}  # only INC-0002's cells were rendered again


async def test_a_missing_cell_is_refused_as_datatable_refuses_it() -> None:
    from textual.widgets.data_table import CellDoesNotExist

    app = TableApp()
    async with app.run_test(size=(40, 8)) as pilot:
        await pilot.pause()
        table = app.query_one(LiveTable)
        for row, column in (("INC-0009", "status"), ("INC-0001", "nothing")):
            try:
                table.update_cell(row, column, Text("x"))
            except CellDoesNotExist:
                continue
            raise AssertionError(f"{row}/{column} was accepted")
