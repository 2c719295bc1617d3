"""What irdesk creates is private whatever the umask: `irdesk demo` under `umask 000`
creates nothing group- or world-writable (or readable), nor does a report written to a
file, from the CLI or the desk."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from irdesk.cli import main
from irdesk.domain.clock import SystemClock
from irdesk.services import demo
from irdesk.services.files import NotWritten, private_dir, private_file
from irdesk.services.review import export_report, open_report


@contextmanager
def umask(value: int) -> Iterator[None]:
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


def loose(folder: Path) -> list[str]:
    """Everything under (and including) ``folder`` that others may read or write."""
    found = []
    for path in [folder, *folder.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        if mode & 0o077:
            found.append(f"{path.relative_to(folder.parent)} {mode:04o}")
    return found


def test_demo_under_umask_000_creates_nothing_others_can_touch(tmp_path: Path):
    home = tmp_path / "deep" / "irdesk-home"
    with umask(0o000):
        journal_path, roster_path = demo.prepare(home / "demo")
        report = open_report(journal_path, "INC-0001", now=SystemClock().now())
        try:
            export_report(report, "html", home / "reports" / "INC-0001.html")
        finally:
            report.close()
        result = CliRunner().invoke(
            main,
            ["report", "INC-0001", "--journal", str(journal_path), "-o", str(home / "r.md")],
        )
    assert result.exit_code == 0, result.output
    assert journal_path.exists() and roster_path.exists()
    assert (home / "reports" / "INC-0001.html").stat().st_size > 0
    assert loose(tmp_path / "deep") == []


def test_a_private_file_is_whole_or_absent(tmp_path: Path):
    target = tmp_path / "out.txt"
    target.write_text("before")
    with pytest.raises(RuntimeError), private_file(target) as out:
        out.write("half")
        raise RuntimeError("the renderer failed")
    assert target.read_text() == "before"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temporary file left


def test_a_file_that_cannot_be_written_is_one_sentence(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(NotWritten, match=f"cannot write {blocker / 'sub' / 'r.md'}"):
        with private_file(blocker / "sub" / "r.md") as out:
            out.write("x")
    private_dir(tmp_path / "a" / "b")
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700
