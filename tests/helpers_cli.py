"""Helpers for the command-line tests: run irdesk in-process, check a one-line failure."""

from __future__ import annotations

from click.testing import CliRunner, Result

from irdesk.cli import main


def irdesk(*args: str, input: str | None = None) -> Result:  # noqa: A002
    """``irdesk ARGS`` in-process (stdout and stderr apart)."""
    return CliRunner().invoke(main, list(args), prog_name="irdesk", input=input)


def one_line_failure(result: Result, needle: str) -> None:
    """Exit 2, nothing on stdout, one line on stderr holding ``needle``, no traceback."""
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.startswith("irdesk: ") and needle in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
