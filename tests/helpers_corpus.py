"""The corpus of broken files (tests/corpus/) and what each must report: read by the
loader's tests (unit/test_loader_corpus.py) and ``irdesk validate``'s (cli/)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

#: the date the corpus is loaded on (review dates are judged against it)
TODAY = date(2026, 6, 1)

TESTS = Path(__file__).resolve().parent
CORPUS = TESTS / "corpus"

EXPECT_LINE = re.compile(
    r"^# expect: (?P<line>\d+):(?P<column>\d+): (?P<severity>error|warning|note): "
    r"(?:(?P<key_path>[^\s:]+): )?(?P<message>.+)$"
)

# Corpus cases that show a loader bug: strict xfail, so the fix turns them into failures
# that ask for the marker to be removed. Each is listed in the report with its fix.
LOADER_BUGS: dict[str, str] = {}  # none known; add "case-name": "what is wrong" to mark one
# Files whose problems are all right but one of them is reported twice.
REPORTED_TWICE: dict[str, str] = {}  # none known
CRASHES: set[str] = set()  # corpus files that crash the loader: none known


@dataclass(frozen=True)
class Expected:
    line: int
    column: int
    severity: str
    key_path: str
    message: str

    def matches(self, problem) -> bool:
        return (
            problem.line == self.line
            and problem.column == self.column
            and problem.severity.value == self.severity
            and problem.key_path == self.key_path
            and self.message in problem.message
        )

    def __str__(self) -> str:
        where = f"{self.key_path}: " if self.key_path else ""
        return f"{self.line}:{self.column}: {self.severity}: {where}...{self.message}..."


def expectations(path: Path) -> list[Expected]:
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        if line.startswith("# expect:"):
            match = EXPECT_LINE.match(line)
            assert match, f"{path.name}: malformed header {line!r}"
            found.append(
                Expected(
                    int(match["line"]),
                    int(match["column"]),
                    match["severity"],
                    match["key_path"] or "",
                    match["message"],
                )
            )
    return found


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.yaml"))


def unprinted(lines: list[str], folder: Path, cases: list[Path]) -> tuple[list[str], int]:
    """The expected problems of ``cases`` (copied into ``folder``) that ``irdesk validate``
    did not print among ``lines``, and how many were looked for."""
    missing, checked = [], 0
    for source in cases:
        shown = str(folder / source.name)
        for want in expectations(source):
            where = f"{want.key_path}: " if want.key_path else ""
            prefix = f"{shown}:{want.line}:{want.column}: {want.severity}: {where}"
            if not any(
                line.startswith(prefix) and want.message in line[len(prefix) :] for line in lines
            ):
                missing.append(f"no line starting {prefix!r} containing {want.message!r}")
            checked += 1
    return missing, checked
