"""The command line fails in one line, whatever it is given: no traceback for any input.

Every IrdeskError is translated once, in the group (``irdesk: <message>``, exit 2); an
argument whose bytes are not UTF-8 is refused the same way before any command sees it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from irdesk.cli import main


def test_an_argument_that_is_not_utf8_is_refused_in_one_line(tmp_path: Path):
    # What a shell passes for `irdesk declare ... --title $'\xff'`: bytes, not text.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "irdesk",
            "declare",
            "account-compromise",
            "--journal",
            str(tmp_path / "journal.db"),
            "--title",
            b"caf\xe9 \xff",
        ],
        capture_output=True,
        env={**os.environ, "IRDESK_HOME": str(tmp_path)},
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert b"Traceback" not in done.stderr
    assert done.stderr.decode() == "irdesk: argument 'caf\\xe9 \\xff' is not valid UTF-8 text\n"
    assert done.stdout == b""
    assert not (tmp_path / "journal.db").exists()


def test_the_group_refuses_undecodable_arguments_given_in_process():
    result = CliRunner().invoke(main, ["declare", "x", "--title", "\udcff"])
    assert result.exit_code == 2
    assert result.stderr == "irdesk: argument '\\xff' is not valid UTF-8 text\n"


def test_an_irdesk_error_from_any_command_is_one_line(tmp_path: Path):
    journal = str(tmp_path / "journal.db")
    result = CliRunner().invoke(
        main, ["declare", "no-such-playbook", "--title", "t", "--journal", journal]
    )
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.startswith("irdesk: no playbook 'no-such-playbook'; known playbooks: ")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (["report", "INC-0001", "--format", "pdf"], "irdesk report --help"),
        (["nosuch"], "irdesk --help"),
        (["--bogus"], "irdesk --help"),
        (["rules", "review"], "irdesk rules review --help"),
        (["improvements", "done"], "irdesk improvements done --help"),
        (["dismiss", "FND-0001", "--reason", "bogus"], "irdesk dismiss --help"),
    ],
)
def test_usage_errors_are_one_line_too(args: list[str], where: str) -> None:
    """click prints a usage error as three lines (usage, hint, error); the README says every
    error is one line."""
    result = CliRunner().invoke(main, args, prog_name="irdesk")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("irdesk: ") and f"(see {where})" in result.stderr
