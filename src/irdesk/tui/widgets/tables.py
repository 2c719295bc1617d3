"""Small helpers over Textual's DataTable that several screens share."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey


def cursor_key(table: DataTable) -> str | None:
    """The key of the row under the cursor (None when the table is empty)."""
    if not table.row_count:
        return None
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value


class LiveTable(DataTable[Text]):
    """A DataTable whose cells change in place, often: updating a cell renders that
    cell's row again, not the whole table.

    Home's incidents table changes a cell each second an incident is busy (its "updated"
    time). Textual's own ``update_cell`` bumps a counter every cached cell, row and line
    of the table is keyed by, so one changed cell renders every visible cell again (about
    25 ms for home's table). Here only the changed row's cached renders are dropped, and
    only its lines are drawn again.

    This knows how DataTable caches its renders (Textual 8.2, pinned in pyproject.toml):
    ``tests/tui/test_tables.py`` checks that a changed cell is shown and that the other
    rows are not rendered again, so an upgrade that changes the caches fails there.
    """

    def update_cell(
        self,
        row_key: RowKey | str,
        column_key: ColumnKey | str,
        value: Text,
        *,
        update_width: bool = False,
    ) -> None:
        row = RowKey(row_key) if isinstance(row_key, str) else row_key
        column = ColumnKey(column_key) if isinstance(column_key, str) else column_key
        index = self._row_locations.get(row)
        if update_width or index is None or column not in self._column_locations:
            # a new width lays out every row again; a missing cell raises as DataTable does
            super().update_cell(row_key, column_key, value, update_width=update_width)
            return
        self._data[row][column] = value
        for cache in (self._cell_render_cache, self._row_render_cache):
            for key in [key for key in cache.keys() if key[0] == row]:
                cache.discard(key)
        self._row_renderable_cache.discard((self._update_count, index))
        self._line_cache.clear()
        self.refresh_row(index)  # only its lines are drawn again
