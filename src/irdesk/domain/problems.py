"""Problems found in user files: every one names file, line, column and key path."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from irdesk.errors import IrdeskError


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    column: int | None
    key_path: str
    message: str
    severity: Severity = Severity.ERROR

    @property
    def location(self) -> str:
        if self.line is None:
            return self.file
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"

    def __str__(self) -> str:
        where = f"{self.key_path}: " if self.key_path else ""
        return f"{self.location}: {self.severity.value}: {where}{self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "key_path": self.key_path,
            "message": self.message,
            "severity": self.severity.value,
        }


class Reported:
    """What was read from a file, with the ``problems`` found in it, told apart."""

    problems: Sequence[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]


@dataclass
class LoadError(Reported, IrdeskError):
    """A file could not be turned into a model. ``problems`` lists every error found."""

    file: str
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.file)

    def __str__(self) -> str:
        errors = self.errors or self.problems
        if not errors:
            return f"{self.file}: could not be loaded"
        first = str(errors[0])
        more = len(errors) - 1
        return first + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")
