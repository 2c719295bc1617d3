"""A journal named with --journal that does not exist is said so, never read as empty
(issue 12: `irdesk list --journal <mistyped path>` printed nothing and exited 0)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_cli import irdesk, one_line_failure

READING = [
    ["list"],
    ["list", "--format", "json"],
    ["findings"],
    ["findings", "FND-0001"],
    ["defects"],
    ["improvements"],
    ["rules"],
    ["rules", "history"],
    ["verify"],
    ["report", "INC-0001"],
    ["log", "--incident", "INC-0001", "a note"],
    ["run", "--incident", "INC-0001"],
]


@pytest.mark.parametrize("command", READING, ids=lambda c: " ".join(c))
def test_a_mistyped_journal_is_refused(tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "jounral.db"
    result = irdesk(*command, "--journal", str(missing))
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    assert str(missing) in result.stderr and "journal" in result.stderr
    assert not missing.exists()


def test_a_mistyped_journal_before_the_command_is_refused_too(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    one_line_failure(irdesk("--journal", str(missing), "list"), f"no journal at {missing}")


def test_the_default_journal_not_created_yet_is_an_empty_desk() -> None:
    result = irdesk("list")
    assert result.exit_code == 0
    assert result.stdout == "no incidents\n"
