"""The playbooks and scenarios available to a user: bundled ones, overridden by their own.

Playbooks load first (bundled, then the user's folder, where a same-id playbook wins and
the override is noted), then scenarios, which resolve their playbook by id: first among
playbooks in the scenario's own folder, then in the catalog.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypeVar

from irdesk import paths
from irdesk.domain.config import DEFAULT_CONFIG, Config
from irdesk.domain.models import Playbook, Roster, Scenario
from irdesk.domain.problems import Problem, Severity
from irdesk.errors import IrdeskError
from irdesk.formats import yamlsrc
from irdesk.formats.loader import MAX_FILE_BYTES, FileResult, PlaybookResolver, load_file
from irdesk.formats.trust import Untrusted, read_trusted

_Model = TypeVar("_Model")

YAML_SUFFIXES = (".yaml", ".yml")
#: names the bundled playbook of an id explicitly, even when a file of yours overrides it
BUNDLED = "bundled:"


class NotFound(IrdeskError, LookupError):
    """A playbook or scenario named by id or path does not exist (message is for people)."""


@dataclass
class Catalog:
    results: list[FileResult] = field(default_factory=list)
    playbooks: dict[str, Playbook] = field(default_factory=dict)
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    today: date | None = None
    #: the bundled playbooks, overridden or not (``bundled:ID`` names one explicitly)
    bundled: dict[str, Playbook] = field(default_factory=dict)
    #: a playbook id whose own (not bundled) file has errors: that file. The id is not
    #: in ``playbooks``, so nothing silently runs the bundled one in its place.
    broken: dict[str, FileResult] = field(default_factory=dict)

    # ----------------------------------------------------------------- building
    @classmethod
    def load(
        cls,
        sources: Iterable[tuple[Path, bool]] | None = None,
        *,
        today: date | None = None,
    ) -> Catalog:
        """Load every file under the given (folder-or-file, bundled) sources.

        Without sources: the bundled content, then the user's playbooks and scenarios.
        """
        if sources is None:
            sources = default_sources()
        catalog = cls(today=today)
        files: list[tuple[Path, bool]] = []
        for source, bundled in sources:
            files.extend((f, bundled) for f in expand(source, catalog))
        catalog.add_files(files)
        return catalog

    def add_files(self, files: list[tuple[Path, bool]]) -> None:
        """Load files in two passes: playbooks and rosters, then scenarios."""
        first: list[tuple[Path, bool, FileResult]] = []
        later: list[tuple[Path, bool]] = []
        for path, bundled in files:
            result = load_file(path, today=self.today, bundled=bundled)
            if result.kind == "scenario":
                later.append((path, bundled))
            else:
                first.append((path, bundled, result))
        owners: dict[str, FileResult] = {}
        for path, bundled, result in first:
            self.results.append(result)
            if result.kind == "playbook" and result.ok:
                self._add_playbook(result, owners)
                if bundled and (playbook := result.model_of(Playbook)) is not None:
                    self.bundled.setdefault(playbook.id, playbook)
            elif not bundled and result.kind in ("playbook", None) and not result.ok:
                ident = result.id or path.stem  # a file YAML could not read: its name
                if result.kind == "playbook" or ident in owners:
                    self.broken.setdefault(ident, result)
        for ident in self.broken:
            owner = owners.get(ident)
            if owner is not None and owner.bundled:
                del self.playbooks[ident]
        scenario_owner: dict[str, FileResult] = {}
        for path, bundled in later:
            result = load_file(
                path,
                today=self.today,
                bundled=bundled,
                resolve_playbook=self.resolver_for(path),
            )
            self.results.append(result)
            scenario = result.model_of(Scenario)
            if scenario is not None and self._claim(
                result, scenario.id, scenario_owner, "scenario"
            ):
                self.scenarios[scenario.id] = scenario

    def _add_playbook(self, result: FileResult, owners: dict[str, FileResult]) -> None:
        playbook = result.model_of(Playbook)
        if playbook is not None and self._claim(result, playbook.id, owners, "playbook"):
            self.playbooks[playbook.id] = playbook

    def _claim(
        self, result: FileResult, ident: str, owners: dict[str, FileResult], what: str
    ) -> bool:
        """Record that ``result`` holds ``ident``; report clashes. True if it now owns it."""
        previous = owners.get(ident)
        if previous is None:
            owners[ident] = result
            return True
        if previous.bundled and not result.bundled:
            result.problems.append(
                Problem(
                    str(result.path),
                    None,
                    None,
                    "id",
                    f"overrides the bundled {what} {ident!r} ({previous.path})",
                    Severity.NOTE,
                )
            )
            owners[ident] = result
            return True
        result.problems.append(
            Problem(
                str(result.path),
                None,
                None,
                "id",
                f"duplicate {what} id {ident!r}: {previous.path} has it too; "
                f"only the first is used",
                Severity.ERROR,
            )
        )
        result.model = None
        return False

    # ----------------------------------------------------------------- lookups
    def resolver_for(self, scenario_path: Path) -> PlaybookResolver:
        """Find a scenario's playbook: its own folder first, then the catalog."""
        folder = scenario_path.parent

        def resolve(playbook_id: str) -> Playbook | None:
            for candidate in sorted(folder.glob("*")):
                if candidate.suffix not in YAML_SUFFIXES or candidate == scenario_path:
                    continue
                if _declares(candidate, "playbook", playbook_id):
                    found = load_file(candidate, today=self.today).model_of(Playbook)
                    if found is not None and found.id == playbook_id:
                        return found
            return self.playbooks.get(playbook_id)

        return resolve

    def playbook(self, ref: str) -> Playbook:
        """A playbook by id, ``bundled:ID``, or by path to a file. An id whose own file has
        errors is refused with them (never the bundled one with the same id instead)."""
        if ref.startswith(BUNDLED):
            ident = ref.removeprefix(BUNDLED)
            if ident in self.bundled:
                return self.bundled[ident]
            names = ", ".join(sorted(self.bundled)) or "none"
            raise NotFound(f"no bundled playbook {ident!r}; bundled playbooks: {names}")
        if ref in self.broken:
            raise NotFound(self.broken_message(ref))
        return self._lookup(ref, "playbook", Playbook, self.playbooks)

    def broken_message(self, ident: str) -> str:
        """Why playbook ``ident`` cannot be used, in one line: its own file's first error,
        how to see them all, and how to run the bundled one instead."""
        result = self.broken[ident]
        text = f"your playbook {ident!r} has errors, so it is not used: " + _first_errors(result)
        if ident in self.bundled:
            text += f"; to run the bundled one instead, name it {BUNDLED}{ident}"
        return text

    def scenario(self, ref: str) -> Scenario:
        """A scenario by id, or by path (its playbook found by id, also beside it). A
        scenario of the catalog that did not load is refused with its problems (and its
        playbook's, when that is a file of yours with errors)."""
        if ref not in self.scenarios:
            for result in self.results:
                if result.kind == "scenario" and result.id == ref and not result.ok:
                    raise NotFound(self._failed_scenario(ref, result))
        return self._lookup(ref, "scenario", Scenario, self.scenarios)

    def _failed_scenario(self, ref: str, result: FileResult) -> str:
        playbook_id = _named_playbook(result.path)
        if playbook_id in self.broken:
            return (
                f"scenario {ref!r} runs playbook {playbook_id!r}, and your playbook "
                f"{playbook_id!r} has errors, so it is not used: "
                + _first_errors(self.broken[playbook_id])
            )
        return f"scenario {ref!r} did not load: " + _first_errors(result)

    def _lookup(self, ref: str, kind: str, model: type[_Model], known: dict[str, _Model]) -> _Model:
        if ref in known:
            return known[ref]
        path = Path(ref)
        if path.suffix in YAML_SUFFIXES or path.exists():
            resolve = self.resolver_for(path.resolve()) if kind == "scenario" else None
            result = load_file(path, today=self.today, expect=kind, resolve_playbook=resolve)
            found = result.model_of(model)
            if found is not None:
                return found
            raise NotFound("\n".join(str(p) for p in result.errors) or f"cannot load {ref}")
        for result in self.invalid_of(kind):
            if ref in (result.id, result.path.stem):  # there is one, but it cannot be used
                raise NotFound(
                    "\n".join(str(p) for p in result.errors) or f"cannot load {result.path}"
                )
        names = ", ".join(sorted(known)) or "none"
        raise NotFound(f"no {kind} {ref!r}; known {kind}s: {names}")

    def invalid_of(self, kind: str) -> list[FileResult]:
        """The files of a kind (playbook, scenario) that could not be loaded, with why."""
        return [r for r in self.invalid if r.kind == kind]

    def playbook_for(self, scenario: Scenario) -> Playbook:
        if scenario.source is not None:
            found = self.resolver_for(scenario.source.path)(scenario.playbook)
            if found is not None:
                return found
        return self.playbook(scenario.playbook)

    @property
    def invalid(self) -> list[FileResult]:
        return [r for r in self.results if not r.ok]


def default_sources() -> list[tuple[Path, bool]]:
    return [
        (paths.bundled_playbooks_dir(), True),
        (paths.bundled_scenarios_dir(), True),
        (paths.user_playbooks_dir(), False),
        (paths.user_scenarios_dir(), False),
    ]


def expand(
    source: Path, catalog: Catalog | None = None, *, must_exist: bool = False
) -> Iterator[Path]:
    """A file, or the YAML files below a folder (sorted). Unreadable folders are reported."""

    def report(message: str, where: Path) -> None:
        if catalog is not None:
            catalog.results.append(
                FileResult(path=where, problems=[Problem(str(where), None, None, "", message)])
            )

    if source.is_dir():
        found: list[Path] = []

        def on_error(exc: OSError) -> None:
            where = Path(exc.filename) if exc.filename else source
            if isinstance(exc, PermissionError):
                report("permission denied: irdesk cannot list this folder", where)
            else:
                report(f"cannot list this folder: {exc.strerror or exc}", where)

        for folder, dirs, names in os.walk(source, onerror=on_error):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found.extend(
                Path(folder) / n
                for n in names
                if Path(n).suffix in YAML_SUFFIXES and not n.startswith(".")
            )
        yield from sorted(found)
    elif source.exists() or source.is_symlink():
        yield source
    elif must_exist:
        report("no such file or folder", source)
    # A missing default folder (the user has no playbooks yet) is not a problem.


def _first_errors(result: FileResult) -> str:
    """A file's first error, and how many more there are (one line)."""
    errors = [p for p in result.problems if p.severity is Severity.ERROR]
    first = str(errors[0]) if errors else f"{result.path}: cannot be loaded"
    more = len(errors) - 1
    if more:
        first += f" (and {more} more: irdesk validate {result.path})"
    return first


def _named_playbook(path: Path) -> str | None:
    """The ``playbook:`` a scenario file names, if it can be read at all."""
    try:
        tree, _ = yamlsrc.parse(path.read_bytes()[:MAX_FILE_BYTES].decode("utf-8", "replace"))
    except (OSError, yamlsrc.YamlProblem):
        return None
    entry = tree.value.get("playbook") if tree.is_map else None
    return entry.value.value if entry is not None and isinstance(entry.value.value, str) else None


def _declares(path: Path, kind: str, ident: str) -> bool:
    """Cheap pre-check before a full load: does the file mention this id at all?"""
    try:
        with path.open("rb") as handle:
            head = handle.read(64 * 1024)
    except OSError:
        return False
    return kind.encode() in head and ident.encode() in head


def load_trusted(path: Path, expect: str) -> FileResult:
    """Load a file that decides what irdesk runs (the roster, the config), refusing it when
    others could have written it (see :mod:`irdesk.formats.trust`)."""
    try:
        data = read_trusted(path, expect, MAX_FILE_BYTES)
    except Untrusted as exc:
        problem = Problem(str(path), None, None, "", str(exc), Severity.ERROR)
        return FileResult(path=path, kind=expect, problems=[problem])
    except OSError:
        return load_file(path, expect=expect)  # says what is wrong (missing, unreadable...)
    return load_file(path, expect=expect, data=data)


def load_config(path: Path | None = None) -> tuple[Config, FileResult | None]:
    """The desk's settings: (config, result), the defaults when there is no file. A file
    with errors, or one others could have written, gives the defaults and its result (whose
    problems say why); a command that must not run on defaults checks ``result.ok``."""
    path = path or paths.config_path()
    if not path.exists():
        return DEFAULT_CONFIG, None
    result = load_trusted(path, "config")
    return result.model_of(Config) or DEFAULT_CONFIG, result


def load_roster_or_none(path: Path | None = None) -> tuple[Roster | None, FileResult | None]:
    """The user's roster if there is one: (roster, result); (None, None) when absent. A
    roster others could have written is refused (its result says why)."""
    path = path or paths.roster_path()
    if not path.exists():
        return None, None
    result = load_trusted(path, "roster")
    return result.model_of(Roster), result
