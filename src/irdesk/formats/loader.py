"""Turn playbook, scenario and roster files into models, or into problems a person can act on.

One reader per kind. Reading never stops at the first problem: every problem in a file is
collected (with ``file:line:column``, the key path and what was expected), and a model is
built only when there is no error. Nothing here raises anything but :class:`LoadError`.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from irdesk.domain.durations import DurationError, parse_duration, type_name
from irdesk.domain.events import ID_PATTERN, MILESTONES, EventRef, EventRefError
from irdesk.domain.models import (
    DEFAULT_SEVERITIES,
    END,
    NOTIFY_TIMEOUT,
    PHASES,
    Away,
    ChecklistItem,
    DecisionOption,
    EscalationLevel,
    Expectation,
    Inject,
    Notify,
    Objective,
    Person,
    Phase,
    Playbook,
    Role,
    Roster,
    Scenario,
    Source,
    Step,
    Timer,
)
from irdesk.domain.notify import PLACEHOLDERS, template_problems
from irdesk.domain.notify import fields as template_fields
from irdesk.domain.problems import LoadError, Problem, Reported, Severity
from irdesk.formats import yamlsrc
from irdesk.formats.yamlsrc import Y, YEntry

if TYPE_CHECKING:  # rules.py builds on this module's Reader; load_file imports it late
    from irdesk.formats.rules import RulesFile

MAX_FILE_BYTES = 2 * 1024 * 1024  # the largest real playbook is a few tens of KB

KINDS = {
    "playbook": "playbook/1",
    "scenario": "scenario/1",
    "roster": "roster/1",
    "rules": "rules/1",  # detection rules: irdesk.formats.rules
    "config": "config/1",  # the desk's settings: irdesk.formats.config
}

PlaybookResolver = Callable[[str], "Playbook | None"]
# reads an id (a role, a step) at a key path and reports one that is not declared
_CheckId = Callable[[Y | None, str], str | None]
_CheckEvent = Callable[[Y | None, str], EventRef | None]
_Fields = tuple[int, str | None, dict[str, Y]]  # an item of a list: index, id, its keys
_Model = TypeVar("_Model")


# --------------------------------------------------------------------------- reading


class Reader:
    """Collects problems for one file and reads typed values out of :class:`Y` nodes."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    # -- reporting
    def error(self, at: Y | YEntry | None, path: str, message: str) -> None:
        self._add(at, path, message, Severity.ERROR)

    def warn(self, at: Y | YEntry | None, path: str, message: str) -> None:
        self._add(at, path, message, Severity.WARNING)

    def note(self, at: Y | YEntry | None, path: str, message: str) -> None:
        self._add(at, path, message, Severity.NOTE)

    def _add(self, at: Y | YEntry | None, path: str, message: str, severity: Severity) -> None:
        node = at.key if isinstance(at, YEntry) else at
        line = node.line if node is not None else None
        column = node.column if node is not None else None
        self.problems.append(Problem(self.file, line, column, path, message, severity))

    @property
    def failed(self) -> bool:
        return any(p.severity is Severity.ERROR for p in self.problems)

    # -- structure
    def mapping(
        self, node: Y, path: str, required: Iterable[str], optional: Iterable[str] = ()
    ) -> dict[str, Y] | None:
        """Check a mapping's keys: all required present, none unknown (with a hint)."""
        if not node.is_map:
            self.error(node, path, f"expected a mapping (key: value lines), got {_shown(node)}")
            return None
        required = list(required)
        allowed = required + list(optional)
        result: dict[str, Y] = {}
        for key, entry in node.value.items():
            if key in allowed:
                result[key] = entry.value
                continue
            hint = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            where = _join(path, key)
            if hint:
                self.error(entry, where, f"unknown key {key!r}; did you mean {hint[0]!r}?")
            else:
                self.error(
                    entry, where, f"unknown key {key!r}; expected one of: {', '.join(allowed)}"
                )
        for key in required:
            if key not in node.value:
                self.error(node, path, f"missing required key {key!r}")
        return result

    def seq(self, node: Y, path: str, *, min_len: int = 0, what: str = "item") -> list[Y]:
        if not node.is_list:
            self.error(node, path, f"expected a list, got {_shown(node)}")
            return []
        if len(node.value) < min_len:
            plural = what if min_len == 1 else what + "s"
            self.error(node, path, f"expected at least {min_len} {plural}, got {len(node.value)}")
        return list(node.value)

    # -- scalars
    def text(self, node: Y | None, path: str, *, allow_empty: bool = False) -> str | None:
        if node is None:
            return None
        value = node.value
        if isinstance(value, str):
            if not allow_empty and not value.strip():
                self.error(node, path, "expected text, got an empty string")
                return None
            return value
        if isinstance(value, bool):
            word = "true" if value else "false"
            self.error(
                node,
                path,
                f"expected text, got a boolean ({word}); quote the value if you meant "
                "the word (YAML reads yes/no/on/off as booleans)",
            )
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            # A number where text is expected (a version 1.10, an id 010, a time 1:30): YAML
            # would make them 1.1, 8 and 90. Keep the text as it was written instead.
            return node.source if node.source is not None else str(value)
        self.error(node, path, f"expected text, got {_shown(node)}")
        return None

    def ident(self, node: Y | None, path: str) -> str | None:
        value = self.text(node, path)
        if value is None:
            return None
        if not ID_PATTERN.match(value):
            self.error(
                node,
                path,
                f"{value!r} is not a valid id; expected lowercase letters, digits and dashes, "
                "starting with a letter or digit, at most 64 characters",
            )
            return None
        return value

    def boolean(self, node: Y | None, path: str, default: bool = False) -> bool:
        if node is None:
            return default
        if isinstance(node.value, bool):
            return node.value
        self.error(node, path, f"expected true or false, got {_shown(node)}")
        return default

    def duration(self, node: Y | None, path: str, *, allow_zero: bool = False) -> timedelta | None:
        if node is None:
            return None
        try:
            value = parse_duration(node.value)
        except DurationError as exc:
            self.error(node, path, str(exc))
            return None
        if value == timedelta(0) and not allow_zero:
            self.error(node, path, "expected a duration greater than zero")
            return None
        return value

    def event(self, node: Y | None, path: str) -> EventRef | None:
        if node is None:
            return None
        try:
            return EventRef.parse(node.value)
        except EventRefError as exc:
            self.error(node, path, str(exc))
            return None

    def day(self, node: Y | None, path: str) -> date | None:
        if node is None:
            return None
        value = node.value
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.error(node, path, f"expected a date such as 2026-09-14, got {_shown(node)}")
        return None

    def text_list(self, node: Y | None, path: str) -> tuple[str, ...]:
        if node is None:
            return ()
        items = []
        for i, item in enumerate(self.seq(node, path)):
            value = self.text(item, f"{path}[{i}]")
            if value is not None:
                items.append(value)
        return tuple(items)

    def unique(
        self, items: list[tuple[str | None, Y]], path_of: Callable[[int], str], what: str
    ) -> None:
        """Report repeated ids: the second and later occurrences are errors."""
        seen: dict[str, Y] = {}
        for index, (value, node) in enumerate(items):
            if value is None:
                continue
            if value in seen:
                self.error(
                    node,
                    path_of(index),
                    f"duplicate {what} {value!r} (first at line {seen[value].line})",
                )
            else:
                seen[value] = node


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _shown(node: Y) -> str:
    return type_name(node.plain() if isinstance(node.value, dict | list) else node.value)


def _hint(value: str, choices: Iterable[str]) -> str:
    match = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {match[0]!r}?" if match else ""


# --------------------------------------------------------------------------- files


@dataclass
class FileResult(Reported):
    """What became of one file: its kind and id when known, the model if it loaded."""

    path: Path
    kind: str | None = None
    id: str | None = None
    model: Playbook | Scenario | Roster | RulesFile | None = None
    problems: list[Problem] = field(default_factory=list)
    bundled: bool = False

    @property
    def ok(self) -> bool:
        return self.model is not None and not any(
            p.severity is Severity.ERROR for p in self.problems
        )

    def model_of(self, kind: type[_Model]) -> _Model | None:
        """The model, when the file loaded without error as a ``kind``."""
        model = self.model
        return model if self.ok and isinstance(model, kind) else None


@dataclass
class _Parsed:
    result: FileResult
    reader: Reader
    tree: Y | None
    source: Source | None


def _read_file(path: Path, display: str | None = None, bundled: bool = False) -> _Parsed:
    """Read a file's bytes (bounded) and hand them to :func:`_parse_bytes`. Never raises."""
    name = display or str(path)
    result = FileResult(path=path, bundled=bundled)
    reader = Reader(name)
    result.problems = reader.problems
    try:
        if path.is_dir():
            reader.error(None, "", "is a folder, not a file")
            return _Parsed(result, reader, None, None)
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            reader.error(
                None,
                "",
                f"file is {size / 1024 / 1024:.1f} MB; irdesk reads files of at most "
                f"{MAX_FILE_BYTES // 1024 // 1024} MB (is this really a playbook?)",
            )
            return _Parsed(result, reader, None, None)
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        reader.error(None, "", "no such file")
        return _Parsed(result, reader, None, None)
    except PermissionError:
        reader.error(None, "", "permission denied: irdesk cannot read this file")
        return _Parsed(result, reader, None, None)
    except OSError as exc:
        reader.error(None, "", f"cannot read: {exc.strerror or exc}")
        return _Parsed(result, reader, None, None)
    return _parse_bytes(data, result, reader, bundled)


def _parse_bytes(data: bytes, result: FileResult, reader: Reader, bundled: bool) -> _Parsed:
    """Decode, parse YAML and find the format marker. Never raises."""
    if len(data) > MAX_FILE_BYTES:
        reader.error(None, "", f"more than {MAX_FILE_BYTES // 1024 // 1024} MB; not loaded")
        return _Parsed(result, reader, None, None)
    source = Source(path=result.path, sha256=hashlib.sha256(data).hexdigest(), bundled=bundled)
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + bom
        line = data[:offset].count(b"\n") + 1
        reader._add(
            Y(None, line, offset - (data.rfind(b"\n", 0, offset) + 1) + 1),
            "",
            f"not UTF-8 text (byte 0x{data[offset]:02x} at offset {offset}); "
            "is this a binary file?",
            Severity.ERROR,
        )
        return _Parsed(result, reader, None, source)
    source = Source(source.path, source.sha256, bundled, text)
    if "\x00" in text:
        offset = text.index("\x00")
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        reader._add(
            Y(None, line, column), "", "contains NUL bytes; is this a binary file?", Severity.ERROR
        )
        return _Parsed(result, reader, None, source)
    try:
        tree, soft = yamlsrc.parse(text)
    except yamlsrc.YamlProblem as exc:
        reader.error(exc.at(), "", exc.message)
        return _Parsed(result, reader, None, source)
    for problem in soft:
        reader.error(problem.at(), "", problem.message)
    if not tree.is_map:
        reader.error(
            tree,
            "",
            f"expected a mapping starting with 'irdesk: playbook/1' (or scenario/1, roster/1), "
            f"got {_shown(tree)}",
        )
        return _Parsed(result, reader, None, source)
    marker = tree.value.get("irdesk")
    if marker is None:
        reader.error(
            tree,
            "irdesk",
            "missing format marker; the first line should be 'irdesk: playbook/1' "
            "(or scenario/1, roster/1)",
        )
        return _Parsed(result, reader, tree, source)
    value = marker.value.value
    kind, _, version = str(value).partition("/") if isinstance(value, str) else ("", "", "")
    if kind in KINDS and value == KINDS[kind]:
        result.kind = kind
    elif kind in KINDS:
        reader.error(
            marker.value,
            "irdesk",
            f"format {value!r} is not one this irdesk reads (it reads {KINDS[kind]}); "
            "upgrade irdesk or rewrite the file for that format",
        )
    else:
        reader.error(
            marker.value,
            "irdesk",
            f"unknown format marker {value!r}; expected playbook/1, scenario/1, roster/1, "
            "rules/1 or config/1" + _hint(str(value), KINDS.values()),
        )
    ident = tree.value.get("id")
    if ident is not None and isinstance(ident.value.value, str):
        result.id = ident.value.value
    return _Parsed(result, reader, tree, source)


def load_file(
    path: Path | str,
    *,
    resolve_playbook: PlaybookResolver | None = None,
    today: date | None = None,
    display: str | None = None,
    bundled: bool = False,
    expect: str | None = None,
    data: bytes | None = None,
) -> FileResult:
    """Load any irdesk file (kind from its marker). Never raises; see ``FileResult``.

    With ``data``, the bytes are used instead of reading ``path`` (which then only names
    the source, e.g. a playbook embedded in a journal).

    ``resolve_playbook`` finds the playbook a scenario names; without it, a scenario's
    references to steps are not checked and the scenario is reported as unresolved.
    ``expect`` (playbook, scenario, roster) reports a file of another kind as an error.
    """
    path = Path(path)
    if data is None:
        parsed = _read_file(path, display, bundled)
    else:
        result = FileResult(path=path, bundled=bundled)
        reader = Reader(display or str(path))
        result.problems = reader.problems
        parsed = _parse_bytes(data, result, reader, bundled)
    result, reader, tree = parsed.result, parsed.reader, parsed.tree
    if tree is None or result.kind is None:
        return result
    if expect is not None and result.kind != expect:
        reader.error(tree, "irdesk", f"this is a {result.kind} file; expected a {expect}")
        return result
    try:
        if result.kind == "playbook":
            model: Any = _playbook(reader, tree, parsed.source, today or date.today())
        elif result.kind == "scenario":
            model = _scenario(reader, tree, parsed.source, resolve_playbook)
        elif result.kind == "rules":
            from irdesk.formats.rules import read_rules  # builds on this module's Reader

            model = read_rules(reader, tree, parsed.source, today or date.today())
        elif result.kind == "config":
            from irdesk.formats.config import read_config

            model = read_config(reader, tree, parsed.source)
        else:
            model = _roster(reader, tree, parsed.source)
    except Exception as exc:  # a bug of ours must not become a traceback for the user
        reader.error(
            None,
            "",
            f"internal error while reading this file ({type(exc).__name__}: "
            f"{exc}); please report it with the file attached",
        )
        return result
    if not reader.failed or result.kind == "rules":
        # a rules file keeps what did load, so checks across files still run (not ok)
        result.model = model
    return result


def _raise_if_failed(result: FileResult, kind: type[_Model]) -> _Model:
    # load_file(expect=...) reports a file of another kind: it is not ok either
    model = result.model_of(kind)
    if model is None:
        raise LoadError(str(result.path), result.problems)
    return model


def load_playbook(path: Path | str, *, today: date | None = None) -> Playbook:
    """Load one playbook or raise :class:`LoadError` listing every problem."""
    return _raise_if_failed(load_file(path, today=today, expect="playbook"), Playbook)


def load_scenario(path: Path | str, resolve_playbook: PlaybookResolver | None = None) -> Scenario:
    loaded = load_file(path, resolve_playbook=resolve_playbook, expect="scenario")
    return _raise_if_failed(loaded, Scenario)


def load_roster(path: Path | str) -> Roster:
    return _raise_if_failed(load_file(path, expect="roster"), Roster)


def _identified(
    r: Reader,
    top: dict[str, Y],
    key: str,
    what: str,
    required: tuple[str, ...],
    optional: tuple[str, ...],
) -> tuple[list[Y], list[_Fields], list[tuple[str | None, Y]]]:
    """A required list of mappings that each carry an ``id`` (steps, injects).

    Returns (nodes, [(index, id, fields)], [(id, node)]): the shape is checked and every
    id read once and checked for duplicates; cross-references wait until all ids are known.
    """
    nodes = r.seq(top[key], key, min_len=1, what=what) if key in top else []
    items: list[_Fields] = []
    ids: list[tuple[str | None, Y]] = []
    for i, node in enumerate(nodes):
        fields = r.mapping(node, f"{key}[{i}]", required, optional)
        if fields is None:
            ids.append((None, node))  # keeps positions: a later duplicate's path is right
            continue
        ident = r.ident(fields.get("id"), f"{key}[{i}].id")
        ids.append((ident, fields.get("id", node)))
        items.append((i, ident, fields))
    r.unique(ids, lambda i: f"{key}[{i}].id", f"{what} id")
    return nodes, items, ids


# --------------------------------------------------------------------------- playbook

_PLAYBOOK_REQUIRED = (
    "irdesk",
    "id",
    "title",
    "version",
    "owner",
    "reviewed",
    "contact_point",
    "roles",
    "steps",
)
_PLAYBOOK_OPTIONAL = ("summary", "references", "severities", "timers", "updates")
_STEP_REQUIRED = ("id", "title", "phase")
_STEP_OPTIONAL = ("role", "within", "marks", "instructions", "checklist", "next", "decision")


def _playbook(r: Reader, tree: Y, source: Source | None, today: date) -> Playbook | None:
    top = r.mapping(tree, "", _PLAYBOOK_REQUIRED, _PLAYBOOK_OPTIONAL)
    if top is None:
        return None
    ident = r.ident(top.get("id"), "id")
    title = r.text(top.get("title"), "title")
    version = r.text(top.get("version"), "version")
    summary = r.text(top.get("summary"), "summary", allow_empty=True) or ""
    references = r.text_list(top.get("references"), "references")
    reviewed = r.day(top.get("reviewed"), "reviewed")
    if reviewed is not None and reviewed > today + timedelta(days=1):
        r.warn(top["reviewed"], "reviewed", f"review date {reviewed} is in the future")
    elif reviewed is not None and (today - reviewed).days > 365:
        r.warn(
            top["reviewed"],
            "reviewed",
            f"last reviewed {reviewed}, more than a year ago; review it (SAMM O-IM-3-B)",
        )

    severities = DEFAULT_SEVERITIES
    if "severities" in top:
        listed = r.text_list(top["severities"], "severities")
        if not listed and top["severities"].is_list:
            r.error(top["severities"], "severities", "expected at least one severity")
        items = list(enumerate(top["severities"].value)) if top["severities"].is_list else []
        r.unique(
            [(listed[i] if i < len(listed) else None, n) for i, n in items],
            lambda i: f"severities[{i}]",
            "severity",
        )
        severities = listed or DEFAULT_SEVERITIES
    updates = _updates(r, top.get("updates"), severities)

    # roles
    roles: list[Role] = []
    role_nodes = r.seq(top["roles"], "roles", min_len=1, what="role") if "roles" in top else []
    role_ids: list[tuple[str | None, Y]] = []
    for i, node in enumerate(role_nodes):
        path = f"roles[{i}]"
        fields = r.mapping(node, path, ("id", "title"), ("duties",))
        if fields is None:
            continue
        rid = r.ident(fields.get("id"), f"{path}.id")
        rtitle = r.text(fields.get("title"), f"{path}.title")
        duties = r.text(fields.get("duties"), f"{path}.duties", allow_empty=True) or ""
        role_ids.append((rid, fields.get("id", node)))
        if rid and rtitle:
            roles.append(Role(rid, rtitle, duties))
    r.unique(role_ids, lambda i: f"roles[{i}].id", "role id")
    declared_roles = {rid for rid, _ in role_ids if rid}

    def check_role(node: Y | None, path: str) -> str | None:
        value = r.ident(node, path)
        if value is not None and declared_roles and value not in declared_roles:
            r.error(
                node,
                path,
                f"role {value!r} is not declared under roles" + _hint(value, declared_roles),
            )
        return value

    owner = check_role(top.get("owner"), "owner")
    contact_point = check_role(top.get("contact_point"), "contact_point")

    # steps (shape first, cross-references once every id is known)
    step_nodes, raw_steps, step_ids = _identified(
        r, top, "steps", "step", _STEP_REQUIRED, _STEP_OPTIONAL
    )
    known_steps = [sid for sid, _ in step_ids if sid]

    def check_target(node: Y | None, path: str) -> str | None:
        value = r.text(node, path)
        if value is None:
            return None
        if value != END and value not in known_steps:
            r.error(
                node,
                path,
                f"unknown step {value!r}; expected a step id or 'end'"
                + _hint(value, [*known_steps, END]),
            )
            return None
        return value

    steps: list[Step] = []
    for i, sid, fields in raw_steps:
        step = _step(r, i, sid, fields, check_role, check_target)
        if step is not None:
            steps.append(step)

    def check_event(node: Y | None, path: str) -> EventRef | None:
        ref = r.event(node, path)
        if ref is None:
            return None
        if ref.kind == "step" and ref.name not in known_steps:
            r.error(
                node,
                path,
                f"unknown step {ref.name!r} in {str(ref)!r}" + _hint(ref.name, known_steps),
            )
        elif ref.kind == "inject":
            r.error(
                node,
                path,
                "inject events exist only in scenarios; a playbook timer "
                "must start and stop on a milestone or a step event",
            )
        return ref

    timers = _timers(r, top.get("timers"), check_role, check_event)

    if steps and len(steps) == len(step_nodes) and not r.failed:
        _check_flow(r, steps, step_nodes)

    if (
        r.failed
        or ident is None
        or title is None
        or version is None
        or owner is None
        or reviewed is None
        or contact_point is None
    ):
        return None
    return Playbook(
        id=ident,
        title=title,
        version=version,
        owner=owner,
        reviewed=reviewed,
        contact_point=contact_point,
        roles=tuple(roles),
        steps=tuple(steps),
        timers=tuple(timers),
        summary=summary,
        references=references,
        severities=tuple(severities),
        updates=updates,
        source=source,
    )


def _updates(
    r: Reader, node: Y | None, severities: tuple[str, ...]
) -> tuple[tuple[str, timedelta], ...]:
    """``updates: {SEV1: 30m, ...}``: how often a status update is due at each severity."""
    if node is None:
        return ()
    fields = r.mapping(node, "updates", (), severities)
    if fields is None:
        return ()
    found = []
    for severity in severities:  # in the playbook's order of severities
        if severity in fields:
            every = r.duration(fields[severity], f"updates.{severity}")
            if every is not None:
                found.append((severity, every))
    return tuple(found)


#: milestones a checklist item cannot mark: the incident's own beginning and end
ITEM_CANNOT_MARK = ("declared", "closed")


def _milestone_name(
    r: Reader, node: Y | None, path: str, *, refused: tuple[str, ...] = ()
) -> str | None:
    """A ``marks:`` value: one of the milestones (but ``refused``), else an error."""
    if node is None:
        return None
    name = r.text(node, path)
    if name is None:
        return None
    allowed = [m for m in MILESTONES if m not in refused]
    if name not in allowed:
        r.error(
            node,
            path,
            f"unknown milestone {name!r}; expected one of: {', '.join(allowed)}"
            + _hint(name, allowed)
            if name not in refused
            else f"a checklist item cannot mark {name!r}; one of: {', '.join(allowed)}",
        )
        return None
    return name


def _step(
    r: Reader,
    i: int,
    sid: str | None,
    fields: dict[str, Y],
    check_role: _CheckId,
    check_target: _CheckId,
) -> Step | None:
    path = f"steps[{i}]"
    title = r.text(fields.get("title"), f"{path}.title")
    phase = None
    if "phase" in fields:
        value = r.text(fields["phase"], f"{path}.phase")
        if value is not None and value not in PHASES:
            r.error(
                fields["phase"],
                f"{path}.phase",
                f"unknown phase {value!r}; expected one of: {', '.join(PHASES)}"
                + _hint(value, PHASES),
            )
        elif value is not None:
            phase = Phase(value)
    role = check_role(fields.get("role"), f"{path}.role") if "role" in fields else None
    within = r.duration(fields.get("within"), f"{path}.within")
    marks = _milestone_name(r, fields.get("marks"), f"{path}.marks")
    instructions = (
        r.text(fields.get("instructions"), f"{path}.instructions", allow_empty=True) or ""
    )
    checklist: list[ChecklistItem] = []
    if "checklist" in fields:
        for j, item in enumerate(r.seq(fields["checklist"], f"{path}.checklist")):
            ipath = f"{path}.checklist[{j}]"
            if item.is_map:
                sub = r.mapping(item, ipath, ("text",), ("evidence", "marks"))
                if sub is None:
                    continue
                text = r.text(sub.get("text"), f"{ipath}.text")
                evidence = r.boolean(sub.get("evidence"), f"{ipath}.evidence")
                item_marks = _milestone_name(
                    r, sub.get("marks"), f"{ipath}.marks", refused=ITEM_CANNOT_MARK
                )
            else:
                text = r.text(item, ipath)
                evidence, item_marks = False, None
            if text is not None:
                checklist.append(ChecklistItem(text, evidence, item_marks))
    next_step = None
    decision: list[DecisionOption] = []
    if "next" in fields and "decision" in fields:
        r.error(
            fields["decision"],
            f"{path}.decision",
            "a step has either 'next' or 'decision', not both",
        )
    if "next" in fields:
        next_step = check_target(fields["next"], f"{path}.next")
    if "decision" in fields:
        options = r.seq(fields["decision"], f"{path}.decision", min_len=1, what="option")
        labels: list[tuple[str | None, Y]] = []
        for j, option in enumerate(options):
            opath = f"{path}.decision[{j}]"
            sub = r.mapping(option, opath, ("label", "next"))
            if sub is None:
                continue
            label = r.text(sub.get("label"), f"{opath}.label")
            target = check_target(sub.get("next"), f"{opath}.next") if "next" in sub else None
            labels.append((label, sub.get("label", option)))
            if label is not None and target is not None:
                decision.append(DecisionOption(label, target))
        r.unique(labels, lambda j: f"{path}.decision[{j}].label", "option label")
        if len(options) == 1:
            r.warn(
                fields["decision"],
                f"{path}.decision",
                "a decision with a single option is not a choice; use 'next' instead",
            )
    if sid is None or title is None or phase is None:
        return None
    return Step(
        id=sid,
        title=title,
        phase=phase,
        role=role,
        within=within,
        marks=marks,
        instructions=instructions,
        checklist=tuple(checklist),
        next=next_step,
        decision=tuple(decision),
    )


def _timers(
    r: Reader, node: Y | None, check_role: _CheckId, check_event: _CheckEvent
) -> list[Timer]:
    timers: list[Timer] = []
    if node is None:
        return timers
    ids: list[tuple[str | None, Y]] = []
    for i, item in enumerate(r.seq(node, "timers")):
        path = f"timers[{i}]"
        fields = r.mapping(
            item, path, ("id", "title", "start", "stop", "within"), ("escalate", "repeat")
        )
        if fields is None:
            continue
        tid = r.ident(fields.get("id"), f"{path}.id")
        ids.append((tid, fields.get("id", item)))
        title = r.text(fields.get("title"), f"{path}.title")
        start = check_event(fields.get("start"), f"{path}.start")
        stop = check_event(fields.get("stop"), f"{path}.stop")
        if start is not None and start == stop:
            r.error(
                fields["stop"], f"{path}.stop", "a timer cannot stop on the event that starts it"
            )
        within = r.duration(fields.get("within"), f"{path}.within")
        repeat = r.duration(fields.get("repeat"), f"{path}.repeat")
        levels: list[EscalationLevel] = []
        if "escalate" in fields:
            for j, lnode in enumerate(
                r.seq(fields["escalate"], f"{path}.escalate", min_len=1, what="level")
            ):
                lpath = f"{path}.escalate[{j}]"
                sub = r.mapping(lnode, lpath, ("role",), ("after",))
                if sub is None:
                    continue
                role = check_role(sub.get("role"), f"{lpath}.role")
                if j == 0 and "after" in sub:
                    r.error(
                        sub["after"],
                        f"{lpath}.after",
                        "level 1 fires when the timer lapses (at 'within'); "
                        "'after' applies from level 2 on",
                    )
                    after = None
                elif j > 0 and "after" not in sub:
                    r.error(
                        lnode,
                        lpath,
                        "missing required key 'after' (time after the previous level, e.g. 10m)",
                    )
                    after = None
                else:
                    after = r.duration(sub.get("after"), f"{lpath}.after") if j else timedelta(0)
                if role is not None and after is not None:
                    levels.append(EscalationLevel(j + 1, role, after))
        elif repeat is not None:
            r.error(
                fields["repeat"],
                f"{path}.repeat",
                "'repeat' re-notifies the last escalation level; add 'escalate'",
            )
        if (
            tid is not None
            and title is not None
            and start is not None
            and stop is not None
            and within is not None
        ):
            timers.append(Timer(tid, title, start, stop, within, tuple(levels), repeat))
    r.unique(ids, lambda i: f"timers[{i}].id", "timer id")
    return timers


def successors(playbook_steps: list[Step] | tuple[Step, ...], index: int) -> list[str]:
    """Where step ``index`` can lead (step ids and/or END)."""
    step = playbook_steps[index]
    if step.decision:
        return [o.next for o in step.decision]
    if step.next is not None:
        return [step.next]
    return [playbook_steps[index + 1].id] if index + 1 < len(playbook_steps) else [END]


def _check_flow(r: Reader, steps: list[Step], nodes: list[Y]) -> None:
    """Unreachable steps are warnings; a playbook with no way to finish is an error."""
    index = {s.id: i for i, s in enumerate(steps)}
    reachable = {steps[0].id}
    frontier = [steps[0].id]
    reaches_end = False
    while frontier:
        current = frontier.pop()
        for target in successors(steps, index[current]):
            if target == END:
                reaches_end = True
            elif target not in reachable:
                reachable.add(target)
                frontier.append(target)
    for i, step in enumerate(steps):
        if step.id not in reachable:
            r.warn(
                nodes[i],
                f"steps[{i}]",
                f"step {step.id!r} cannot be reached from the first step "
                f"{steps[0].id!r}; no next or decision leads to it",
            )
    if not reaches_end:
        r.error(
            nodes[0],
            "steps",
            "no path from the first step reaches 'end' or the last step; "
            "the playbook could never finish",
        )


# --------------------------------------------------------------------------- scenario

_SCENARIO_REQUIRED = ("irdesk", "id", "title", "playbook", "duration", "injects")
_SCENARIO_OPTIONAL = ("summary", "facilitator", "objectives", "questions")
_INJECT_REQUIRED = ("id", "at", "text")
_INJECT_OPTIONAL = ("from", "facilitator", "expect", "unless", "after")


def _scenario(
    r: Reader, tree: Y, source: Source | None, resolve: PlaybookResolver | None
) -> Scenario | None:
    top = r.mapping(tree, "", _SCENARIO_REQUIRED, _SCENARIO_OPTIONAL)
    if top is None:
        return None
    ident = r.ident(top.get("id"), "id")
    title = r.text(top.get("title"), "title")
    playbook_id = r.ident(top.get("playbook"), "playbook")
    duration = r.duration(top.get("duration"), "duration")
    summary = r.text(top.get("summary"), "summary", allow_empty=True) or ""
    facilitator = r.text(top.get("facilitator"), "facilitator", allow_empty=True) or ""
    questions = r.text_list(top.get("questions"), "questions")

    playbook = None
    if playbook_id is not None:
        playbook = resolve(playbook_id) if resolve is not None else None
        if playbook is None:
            r.error(
                top["playbook"],
                "playbook",
                f"no playbook with id {playbook_id!r} found (looked in the scenario's "
                "folder, your playbooks folder and the bundled playbooks)",
            )
    step_ids = [s.id for s in playbook.steps] if playbook else None

    objectives: list[Objective] = []
    objective_ids: list[tuple[str | None, Y]] = []
    if "objectives" in top:
        for i, node in enumerate(
            r.seq(top["objectives"], "objectives", min_len=1, what="objective")
        ):
            fields = r.mapping(node, f"objectives[{i}]", ("id", "text"))
            if fields is None:
                continue
            oid = r.ident(fields.get("id"), f"objectives[{i}].id")
            text = r.text(fields.get("text"), f"objectives[{i}].text")
            objective_ids.append((oid, fields.get("id", node)))
            if oid and text:
                objectives.append(Objective(oid, text))
    r.unique(objective_ids, lambda i: f"objectives[{i}].id", "objective id")
    known_objectives = {oid for oid, _ in objective_ids if oid}

    _, raw, inject_ids = _identified(
        r, top, "injects", "inject", _INJECT_REQUIRED, _INJECT_OPTIONAL
    )
    known_injects = [iid for iid, _ in inject_ids if iid]

    def check_event(node: Y | None, path: str) -> EventRef | None:
        ref = r.event(node, path)
        if ref is None:
            return None
        if ref.kind == "step" and step_ids is not None and ref.name not in step_ids:
            r.error(
                node,
                path,
                f"playbook {playbook_id!r} has no step {ref.name!r}" + _hint(ref.name, step_ids),
            )
        elif ref.kind == "inject" and ref.name not in known_injects:
            r.error(
                node,
                path,
                f"no inject {ref.name!r} in this scenario" + _hint(ref.name, known_injects),
            )
        return ref

    injects: list[Inject] = []
    used_objectives: set[str] = set()
    for i, iid, fields in raw:
        path = f"injects[{i}]"
        at = r.duration(fields.get("at"), f"{path}.at", allow_zero=True)
        text = r.text(fields.get("text"), f"{path}.text")
        sender = r.text(fields.get("from"), f"{path}.from") or ""
        note = r.text(fields.get("facilitator"), f"{path}.facilitator", allow_empty=True) or ""
        unless = check_event(fields.get("unless"), f"{path}.unless")
        after = check_event(fields.get("after"), f"{path}.after")
        if after is not None and after.kind == "inject" and after.name == iid:
            r.error(fields["after"], f"{path}.after", "an inject cannot come after itself")
        expectations: list[Expectation] = []
        if "expect" in fields:
            for j, enode in enumerate(r.seq(fields["expect"], f"{path}.expect")):
                epath = f"{path}.expect[{j}]"
                sub = r.mapping(enode, epath, ("event", "within"), ("objective",))
                if sub is None:
                    continue
                event = check_event(sub.get("event"), f"{epath}.event")
                within = r.duration(sub.get("within"), f"{epath}.within")
                objective = None
                if "objective" in sub:
                    objective = r.ident(sub["objective"], f"{epath}.objective")
                    if objective is not None and objective not in known_objectives:
                        r.error(
                            sub["objective"],
                            f"{epath}.objective",
                            f"unknown objective {objective!r}" + _hint(objective, known_objectives),
                        )
                    elif objective is not None:
                        used_objectives.add(objective)
                if event is not None and within is not None:
                    expectations.append(Expectation(event, within, objective))
        if duration is not None and at is not None and after is None and at > duration:
            r.warn(
                fields["at"],
                f"{path}.at",
                "this inject is scheduled after the planned end of the exercise",
            )
        if iid is not None and at is not None and text is not None:
            injects.append(Inject(iid, at, text, sender, tuple(expectations), unless, after, note))

    _check_inject_order(r, injects, raw)
    for index, (oid, node) in enumerate(objective_ids):
        if oid and oid not in used_objectives:
            r.warn(
                node,
                f"objectives[{index}].id",
                f"objective {oid!r} has no expectation pointing at it, so it cannot be rated",
            )

    if r.failed or ident is None or title is None or playbook_id is None or duration is None:
        return None
    return Scenario(
        id=ident,
        title=title,
        playbook=playbook_id,
        duration=duration,
        objectives=tuple(objectives),
        injects=tuple(injects),
        summary=summary,
        questions=questions,
        source=source,
        facilitator=facilitator,
    )


def _check_inject_order(r: Reader, injects: list[Inject], raw: list[_Fields]) -> None:
    """``after: inject:x`` chains must not loop (an inject after itself is reported apart)."""
    after = {
        i.id: i.after.name
        for i in injects
        if i.after and i.after.kind == "inject" and i.after.name != i.id
    }
    where = {iid: (i, fields) for i, iid, fields in raw if iid}
    for start in after:
        seen = [start]
        current = after.get(start)
        while current is not None and current not in seen:
            seen.append(current)
            current = after.get(current)
        if current == start:
            index, fields = where[start]
            r.error(
                fields.get("after"),
                f"injects[{index}].after",
                "injects wait for each other in a loop: " + " -> ".join([*seen, start]),
            )
            return


# --------------------------------------------------------------------------- roster


def _roster(r: Reader, tree: Y, source: Source | None) -> Roster | None:
    top = r.mapping(tree, "", ("irdesk", "people"), ("notify",))
    if top is None:
        return None
    people: list[Person] = []
    names: list[tuple[str | None, Y]] = []
    if "people" in top:
        for i, node in enumerate(r.seq(top["people"], "people", min_len=1, what="person")):
            path = f"people[{i}]"
            fields = r.mapping(node, path, ("name",), _PERSON_OPTIONAL)
            if fields is None:
                continue
            name = _not_a_flag(r, fields.get("name"), f"{path}.name")
            names.append((name, fields.get("name", node)))
            roles: list[str] = []
            if "roles" in fields:
                for j, rnode in enumerate(r.seq(fields["roles"], f"{path}.roles")):
                    rid = r.ident(rnode, f"{path}.roles[{j}]")
                    if rid:
                        roles.append(rid)
            contact = r.text(fields.get("contact"), f"{path}.contact", allow_empty=True) or ""
            on_call = r.boolean(fields.get("on_call"), f"{path}.on_call")
            details = {
                key: _not_a_flag(r, fields.get(key), f"{path}.{key}") or ""
                for key in ("phone", "email", "handle")
            }
            away = _away(r, fields.get("away"), f"{path}.away")
            if name:
                people.append(Person(name, tuple(roles), contact, on_call, away=away, **details))
    r.unique(names, lambda i: f"people[{i}].name", "person")
    notify = None
    if "notify" in top:
        fields = r.mapping(top["notify"], "notify", ("command",), ("timeout",))
        timeout = r.duration(fields.get("timeout"), "notify.timeout") if fields else None
        if fields is not None and "command" in fields:
            node = fields["command"]
            if isinstance(node.value, str):
                r.error(
                    node,
                    "notify.command",
                    "expected a list of arguments (argv form, e.g. [notify-send, "
                    '"{message}"]); irdesk never runs a command through a shell',
                )
            else:
                argv = []
                for j, arg in enumerate(r.seq(node, "notify.command", min_len=1, what="argument")):
                    value = r.text(arg, f"notify.command[{j}]")
                    if value is not None and _check_placeholders(
                        r, arg, f"notify.command[{j}]", value, program=j == 0
                    ):
                        argv.append(value)
                if argv and len(argv) == len(node.value):
                    notify = Notify(tuple(argv), timeout or NOTIFY_TIMEOUT)
    if r.failed:
        return None
    return Roster(tuple(people), notify, source)


_PERSON_OPTIONAL = ("roles", "contact", "on_call", "phone", "email", "handle", "away")


def _not_a_flag(r: Reader, node: Y | None, path: str) -> str | None:
    """Text a notify command may receive as an argument: it cannot start with ``-`` (the
    program would read it as an option)."""
    value = r.text(node, path)
    if value is not None and value.lstrip().startswith("-"):
        r.error(
            node,
            path,
            f"{value!r} starts with '-'; a notify command could read it as an option",
        )
        return None
    return value


def _away(r: Reader, node: Y | None, path: str) -> tuple[Away, ...]:
    """``away: [{from: 2026-12-20, to: 2027-01-03, reason: holiday}]``."""
    ranges: list[Away] = []
    if node is None:
        return ()
    for j, item in enumerate(r.seq(node, path)):
        where = f"{path}[{j}]"
        fields = r.mapping(item, where, ("from", "to"), ("reason",))
        if fields is None:
            continue
        start = r.day(fields.get("from"), f"{where}.from")
        end = r.day(fields.get("to"), f"{where}.to")
        reason = r.text(fields.get("reason"), f"{where}.reason", allow_empty=True) or ""
        if start is not None and end is not None:
            if end < start:
                r.error(fields["to"], f"{where}.to", f"ends ({end}) before it starts ({start})")
            else:
                ranges.append(Away(start, end, reason))
    return tuple(ranges)


def _check_placeholders(r: Reader, node: Y, path: str, value: str, *, program: bool) -> bool:
    problems = template_problems(value)
    if not problems and program and template_fields([value]):
        problems = ["the program to run cannot hold a placeholder; put it in a later argument"]
    for problem in problems:
        name = problem.split("}", 1)[0].removeprefix("unknown placeholder {")
        hint = _hint(name, PLACEHOLDERS) if problem.startswith("unknown placeholder") else ""
        r.error(node, path, problem + hint)
    return not problems
