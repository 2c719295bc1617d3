"""Golden files on syrupy, like the UI snapshots: one file per snapshot, in the format it
holds (``.md``, ``.html``, ``.json``, ``.txt``) so it reads and diffs as itself.

Compared byte for byte: syrupy's text mode reads with universal newlines, which would let
a report that changed ``\\n`` into ``\\r\\n`` pass, so these store UTF-8 bytes and only
decode them to show a difference. Update after a deliberate change with
``python -m pytest tests/unit/test_report.py --snapshot-update`` and read the diff.

    def test_x(snapshot):
        assert text == snapshot.use_extension(golden("md"))
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode


class GoldenFile(SingleFileSnapshotExtension):
    """A text snapshot kept as a file of its own, compared as bytes."""

    _write_mode = WriteMode.BINARY
    _file_extension = "txt"

    def serialize(self, data: Any, **kwargs: Any) -> bytes:
        if not isinstance(data, str):
            raise TypeError(f"a golden file holds text, not {type(data).__name__}")
        return data.encode("utf-8")

    def diff_lines(self, serialized_data: Any, snapshot_data: Any) -> Iterator[str]:
        yield from super().diff_lines(_text(serialized_data), _text(snapshot_data))


def _text(data: Any) -> Any:
    return data.decode("utf-8", "backslashreplace") if isinstance(data, bytes) else data


@functools.cache
def golden(extension: str) -> type[GoldenFile]:
    """The golden-file extension for files ending in ``.<extension>``."""
    return type(f"Golden{extension.capitalize()}", (GoldenFile,), {"_file_extension": extension})
