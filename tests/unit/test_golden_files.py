"""The golden files (tests/helpers_golden.py) catch a report that changed by one byte,
and ``--snapshot-update`` writes them: run on a throwaway test with pytest's pytester."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

TESTS = Path(__file__).resolve().parents[1]

# The inner runs are plain pytest with syrupy: Textual's snapshot plugin keeps one temp
# folder per process, which a run inside a run would remove under the outer one, and the
# other plugins only cost time.
PLAIN = tuple(
    arg
    for plugin in ("cacheprovider", "textual-snapshot", "asyncio", "hypothesispytest")
    for arg in ("-p", f"no:{plugin}")
)

GOLDEN_TEST = """
from helpers_golden import golden

def test_report(snapshot):
    assert "# Report\\n\\nline two\\n" == snapshot.use_extension(golden("md"))
"""


def test_a_golden_file_fails_when_it_differs_by_a_byte(pytester: pytest.Pytester) -> None:
    pytester.syspathinsert(TESTS)
    pytester.makepyfile(test_one=GOLDEN_TEST)
    stored = pytester.path / "__snapshots__" / "test_one" / "test_report.md"

    pytester.runpytest(*PLAIN).assert_outcomes(failed=1)  # no golden yet
    pytester.runpytest(*PLAIN, "--snapshot-update").assert_outcomes(passed=1)
    assert stored.read_bytes() == b"# Report\n\nline two\n"  # a file in its own format
    pytester.runpytest(*PLAIN).assert_outcomes(passed=1)

    # the same lines with other line ends, or one more newline, are another report
    for changed in (b"# Report\r\n\r\nline two\r\n", b"# Report\n\nline two\n\n"):
        stored.write_bytes(changed)
        result = pytester.runpytest(*PLAIN)
        result.assert_outcomes(failed=1)
