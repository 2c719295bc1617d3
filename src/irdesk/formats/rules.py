"""Rules files (``irdesk: rules/1``): log sources and detection rules, checked like playbooks.

Two stages, because some checks need every file at once:

1. :func:`read_rules` reads one file (called by ``load_file`` for the ``rules/1`` marker):
   shapes, unknown keys with hints, ids, durations, enums, time zones, dates, regexes that
   must compile (a compile error names the line and column *of the pattern's mistake*
   inside the file), title placeholders, the keys a rule's ``source`` makes required.
2. :func:`assemble` puts files together into a :class:`RuleSet`: source ids unique across
   files (a user file may replace a bundled source or rule, which is noted), every
   ``requires`` declared somewhere, every name in ``group_by``, ``distinct`` and the title
   a named group of ``match`` (or, when every required source is ``jsonl``, a JSON field),
   and, when playbooks are known, a rule's playbook and severity.

Every problem is a :class:`~irdesk.domain.problems.Problem` with ``file:line:column``, the key
path and what was expected, as ``irdesk validate`` prints them.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path, PurePosixPath

from irdesk.domain.detection import FORMATS, ORIGINS, LogSource, Rule, Threshold, title_fields
from irdesk.domain.models import DEFAULT_SEVERITIES, Playbook, Source
from irdesk.domain.patterns import nested_repeat
from irdesk.domain.problems import Problem, Severity
from irdesk.formats.loader import FileResult, Reader, _hint, _identified, load_file
from irdesk.formats.yamlsrc import Y

MARKER = "rules/1"
MAX_COUNT = 1_000_000
STALE_REVIEW_DAYS = 365

_TOP_OPTIONAL = ("sources", "rules")
_SOURCE_REQUIRED = ("id", "paths", "format")
_SOURCE_OPTIONAL = ("timezone", "max_age", "retention")
_RULE_REQUIRED = ("id", "title", "source", "reviewed", "requires", "match")
_RULE_OPTIONAL = (
    "reference",
    "incident",
    "severity",
    "group_by",
    "threshold",
    "playbook",
    "acknowledge",
)
# which key a rule's knowledge source makes required, and why
_CITED_BY = {
    "external": ("reference", "a rule from an external source cites it (a URL or advisory id)"),
    "past-incident": ("incident", "a rule from a past incident names it (e.g. INC-0042)"),
}


@dataclass(frozen=True)
class RulesFile:
    """One rules file's content, with the nodes later checks point at (by key path)."""

    file: str
    sources: tuple[LogSource, ...]
    rules: tuple[Rule, ...]
    where: Mapping[str, Y] = field(repr=False, default_factory=dict)
    source: Source | None = None

    def at(self, path: str) -> Y | None:
        return self.where.get(path)


# --------------------------------------------------------------------------- one file


def read_rules(r: Reader, tree: Y, source: Source | None, today: date) -> RulesFile | None:
    """Read a ``rules/1`` document (the marker is already checked). Problems go to ``r``;
    what loaded is returned even when some of it did not."""
    top = r.mapping(tree, "", ("irdesk",), _TOP_OPTIONAL)
    if top is None:
        return None
    if "sources" not in top and "rules" not in top:
        r.error(tree, "", "a rules file declares 'sources', 'rules' or both; this has neither")
    where: dict[str, Y] = {}
    sources = _sources(r, top, where)
    text = source.text if source is not None else None
    rules = _rules(r, top, where, today, text)
    # Returned even with errors (the result is then not ok): the sources and rules that did
    # load still take part in the checks across files, so one round shows every problem.
    return RulesFile(r.file, tuple(sources), tuple(rules), where, source)


def _sources(r: Reader, top: dict[str, Y], where: dict[str, Y]) -> list[LogSource]:
    found: list[LogSource] = []
    nodes, items, _ = _identified(r, top, "sources", "source", _SOURCE_REQUIRED, _SOURCE_OPTIONAL)
    for i, sid, fields in items:
        path = f"sources[{i}]"
        where[f"{path}.id"] = fields.get("id", nodes[i])
        paths = _paths(r, fields.get("paths"), f"{path}.paths")
        fmt = _choice(r, fields.get("format"), f"{path}.format", FORMATS, "format")
        zone: str | None = "local"
        if "timezone" in fields:
            zone = _timezone(r, fields["timezone"], f"{path}.timezone")
        max_age = r.duration(fields.get("max_age"), f"{path}.max_age")
        retention = r.duration(fields.get("retention"), f"{path}.retention")
        if sid is not None and fmt is not None and zone is not None and paths:
            found.append(LogSource(sid, paths, fmt, zone, max_age, retention))
    return found


def _paths(r: Reader, node: Y | None, path: str) -> tuple[str, ...]:
    if node is None:
        return ()
    items = r.seq(node, path, min_len=1, what="path")
    found = []
    for j, item in enumerate(items):
        value = r.text(item, f"{path}[{j}]")
        if value is None:
            continue
        if not PurePosixPath(value).is_absolute():
            r.error(
                item,
                f"{path}[{j}]",
                f"{value!r} is not an absolute path; a scheduled scan does not run in your "
                "folder, so write the whole path (e.g. /var/log/auth.log)",
            )
            continue
        found.append(value)
    return tuple(found) if len(found) == len(items) else ()


def _choice(r: Reader, node: Y | None, path: str, choices: Sequence[str], what: str) -> str | None:
    value = r.text(node, path)
    if value is None:
        return None
    if value not in choices:
        r.error(
            node,
            path,
            f"unknown {what} {value!r}; expected one of: {', '.join(choices)}"
            + _hint(value, choices),
        )
        return None
    return value


def _timezone(r: Reader, node: Y, path: str) -> str | None:
    value = r.text(node, path)
    if value is None:
        return None
    if value in ("local", "UTC"):
        return value
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        try:
            known = zoneinfo.available_timezones()
        except OSError:  # pragma: no cover - no tz database at all
            known = set()
        r.error(
            node,
            path,
            f"unknown time zone {value!r}; expected local, UTC or a zone name such as "
            "Europe/Paris" + _hint(value, sorted(known | {"local", "UTC"})),
        )
        return None
    return value


def _rules(
    r: Reader, top: dict[str, Y], where: dict[str, Y], today: date, text: str | None
) -> list[Rule]:
    found: list[Rule] = []
    nodes, items, _ = _identified(r, top, "rules", "rule", _RULE_REQUIRED, _RULE_OPTIONAL)
    for i, rid, fields in items:
        path = f"rules[{i}]"
        where[f"{path}.id"] = fields.get("id", nodes[i])
        rule = _rule(r, path, nodes[i], fields, where, today, text, rid)
        if rule is not None:
            found.append(rule)
    return found


def _rule(
    r: Reader,
    path: str,
    item: Y,
    fields: dict[str, Y],
    where: dict[str, Y],
    today: date,
    text: str | None,
    rid: str | None,
) -> Rule | None:
    title = r.text(fields.get("title"), f"{path}.title")
    if title is not None and not _check_title(r, fields["title"], f"{path}.title", title):
        title = None
    if title is not None:
        where[f"{path}.title"] = fields["title"]
    origin = _choice(r, fields.get("source"), f"{path}.source", ORIGINS, "knowledge source")
    if origin in _CITED_BY:
        key, why = _CITED_BY[origin]
        if key not in fields:
            r.error(item, path, f"missing required key {key!r}: {why}")
    reference = r.text(fields.get("reference"), f"{path}.reference")
    incident = r.text(fields.get("incident"), f"{path}.incident")
    reviewed = _reviewed(r, fields.get("reviewed"), f"{path}.reviewed", today)
    requires = _names(
        r, fields.get("requires"), f"{path}.requires", where, r.ident, "source", "required source"
    )
    match = _pattern(r, fields.get("match"), f"{path}.match", text)
    group_by = _names(
        r, fields.get("group_by"), f"{path}.group_by", where, r.text, "", "group_by name"
    )
    threshold = None
    if "threshold" in fields:
        threshold = _threshold(r, fields["threshold"], f"{path}.threshold", where)
    severity = r.text(fields.get("severity"), f"{path}.severity")
    if severity is not None:
        where[f"{path}.severity"] = fields["severity"]
    playbook = r.ident(fields.get("playbook"), f"{path}.playbook")
    if playbook is not None:
        where[f"{path}.playbook"] = fields["playbook"]
    acknowledge = r.duration(fields.get("acknowledge"), f"{path}.acknowledge")
    if (
        rid is None
        or title is None
        or origin is None
        or reviewed is None
        or match is None
        or not requires
    ):
        return None
    if "threshold" in fields and threshold is None:
        return None
    return Rule(
        id=rid,
        title=title,
        origin=origin,
        reviewed=reviewed,
        requires=tuple(requires),
        match=match,
        group_by=tuple(group_by),
        threshold=threshold,
        reference=reference,
        incident=incident,
        severity=severity,
        playbook=playbook,
        acknowledge=acknowledge,
    )


def _names(
    r: Reader,
    node: Y | None,
    path: str,
    where: dict[str, Y],
    read: Callable[[Y, str], str | None],
    at_least_one: str,
    what: str,
) -> list[str]:
    """A list of ids or names: each read with ``read``, placed in ``where``, none twice.

    ``at_least_one`` names an item when the list may not be empty ("source").
    """
    names: list[str] = []
    if node is None:
        return names
    seen: list[tuple[str | None, Y]] = []
    items = r.seq(node, path, min_len=1 if at_least_one else 0, what=at_least_one or "item")
    for j, item in enumerate(items):
        name = read(item, f"{path}[{j}]")
        seen.append((name, item))
        if name is not None:
            where[f"{path}[{j}]"] = item
            names.append(name)
    r.unique(seen, lambda j: f"{path}[{j}]", what)
    return names


def _check_title(r: Reader, node: Y, path: str, title: str) -> bool:
    try:
        parts = list(title_fields(title))
    except ValueError as exc:
        r.error(node, path, f"bad placeholder: {exc} (write {{{{ or }}}} for a literal brace)")
        return False
    for _, name in parts:
        if name is not None and not name.isidentifier():
            shown = "{" + name + "}"
            r.error(
                node,
                path,
                f"placeholder {shown} must name a group of match or a field, e.g. {{ip}}",
            )
            return False
    return True


def _reviewed(r: Reader, node: Y | None, path: str, today: date) -> date | None:
    reviewed = r.day(node, path)
    if reviewed is None:
        return None
    if reviewed > today + timedelta(days=1):
        r.warn(node, path, f"review date {reviewed} is in the future")
    elif (today - reviewed).days > STALE_REVIEW_DAYS:
        r.warn(
            node,
            path,
            f"last reviewed {reviewed}, more than a year ago; review the rule (SAMM O-IM-3-B)",
        )
    return reviewed


def _pattern(r: Reader, node: Y | None, path: str, text: str | None) -> str | None:
    value = r.text(node, path)
    if value is None or node is None:
        return None
    try:
        compiled = re.compile(value)
    except re.error as exc:
        index = exc.pos if exc.pos is not None else 0
        line, column = scalar_position(text, node, value, index)
        r.error(
            Y(None, line, column),
            path,
            f"not a valid regular expression: {exc.msg} (at character {index + 1} of the pattern)",
        )
        return None
    except (RecursionError, OverflowError, ValueError) as exc:
        r.error(node, path, f"not a valid regular expression: {exc}")
        return None
    if compiled.search("") is not None:
        r.warn(
            node,
            path,
            "this pattern matches an empty line, so it matches every line; "
            "anchor it on the text you are looking for",
        )
    elif nested_repeat(value):
        r.warn(
            node,
            path,
            "a repeat inside a repeat, such as (a+)+, can take exponential time on a line "
            "that almost matches; use an atomic group (?>...) or a possessive a++",
        )
    return value


def _threshold(r: Reader, node: Y, path: str, where: dict[str, Y]) -> Threshold | None:
    fields = r.mapping(node, path, ("count", "within"), ("distinct",))
    if fields is None:
        return None
    count = None
    if "count" in fields:
        value = fields["count"].value
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_COUNT:
            shown = repr(value) if isinstance(value, str | int | float) else "a collection"
            r.error(
                fields["count"],
                f"{path}.count",
                f"expected a whole number from 1 to {MAX_COUNT:,}, got {shown}",
            )
        else:
            count = value
    within = r.duration(fields.get("within"), f"{path}.within")
    distinct = None
    if "distinct" in fields:
        distinct = r.text(fields["distinct"], f"{path}.distinct")
        if distinct is None:
            return None
        where[f"{path}.distinct"] = fields["distinct"]
    if count is None or within is None:
        return None
    return Threshold(count, within, distinct)


def scalar_position(text: str | None, node: Y, value: str, index: int) -> tuple[int, int]:
    """File line and column of character ``index`` of a scalar's value.

    Follows plain, single-quoted and double-quoted scalars on their line, and literal
    block scalars (``|``) over theirs; anything it cannot follow exactly (folding,
    line continuations) gives the scalar's own position.
    """
    fallback = (node.line, node.column)
    if text is None:
        return fallback
    lines = text.split("\n")
    if node.line - 1 >= len(lines):
        return fallback
    raw = lines[node.line - 1].rstrip("\r")
    start = node.column - 1
    first = raw[start : start + 1]
    if first == "'":
        return _walk_quoted(raw, start + 1, value, index, node.line, single=True) or fallback
    if first == '"':
        return _walk_quoted(raw, start + 1, value, index, node.line, single=False) or fallback
    if first == "|":
        return _block_position(lines, node.line, value, index) or fallback
    if first == ">":
        return fallback
    if raw[start : start + len(value)] == value:
        return node.line, node.column + index
    return fallback


_ESCAPE_WIDTH = {"x": 4, "u": 6, "U": 10}


def _walk_quoted(
    raw: str, pos: int, value: str, index: int, line: int, *, single: bool
) -> tuple[int, int] | None:
    consumed = 0
    while pos < len(raw):
        if consumed == index:
            return line, pos + 1
        char = raw[pos]
        if single:
            if char == "'":
                if raw[pos + 1 : pos + 2] != "'":
                    return None  # the closing quote before the index: cannot be
                width = 2
            else:
                width = 1
        else:
            if char == '"':
                return None
            width = _ESCAPE_WIDTH.get(raw[pos + 1 : pos + 2], 2) if char == "\\" else 1
        pos += width
        consumed += 1
    return None


def _block_position(lines: list[str], line: int, value: str, index: int) -> tuple[int, int] | None:
    indent = None
    for number in range(line, len(lines)):
        content = lines[number].rstrip("\r")
        if content.strip():
            indent = len(content) - len(content.lstrip(" "))
            break
    if indent is None:
        return None
    before = value[:index]
    row = before.count("\n")
    column = index - (before.rfind("\n") + 1)
    target = line + 1 + row
    if target - 1 >= len(lines):
        return None
    content = lines[target - 1].rstrip("\r")
    if content[indent + column : indent + column + 1] != value[index : index + 1]:
        return None
    return target, indent + column + 1


# --------------------------------------------------------------------------- files together


# who declares a source or rule id: the file, its rules, the item's index, and whether the
# file only lends its sources (a background file)
_Owner = tuple[FileResult, RulesFile, int, bool]


@dataclass
class RuleSet:
    """Sources and rules from a set of files, and every file's result with its problems."""

    sources: dict[str, LogSource] = field(default_factory=dict)
    rules: dict[str, Rule] = field(default_factory=dict)
    results: list[FileResult] = field(default_factory=list)
    files: dict[str, RulesFile] = field(default_factory=dict)  # rule id -> its file
    source_files: dict[str, RulesFile] = field(default_factory=dict)  # source id -> its file

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.results)

    @property
    def errors(self) -> list[Problem]:
        return [p for result in self.results for p in result.errors]

    def used_files(self) -> list[RulesFile]:
        """The files that hold the rules, and the sources they may read, in use."""
        models = [*self.files.values(), *self.source_files.values()]
        return list({id(m): m for m in models}.values())


def assemble(
    results: Sequence[FileResult],
    *,
    background: Sequence[FileResult] = (),
    playbooks: Mapping[str, Playbook] | None = None,
) -> RuleSet:
    """Check files together. ``background`` files only lend their sources (and are never
    reported on): the bundled and user files when checking or scanning other files.

    A non-bundled file may replace a bundled source or rule with the same id (a note
    says so), and any given file a background source; any other repeat is an error.
    """
    ruleset = RuleSet(results=list(results))
    owners: dict[str, _Owner] = {}
    files = [(res, True) for res in background] + [(res, False) for res in results]
    broken = [str(r.path) for r in results if r.kind in (None, "rules") and _model(r) is None]
    for result, lent in files:
        model = _model(result)
        if model is None:
            continue
        for i, source in enumerate(model.sources):
            if _claim(owners, source.id, "source", result, model, i, lent):
                ruleset.sources[source.id] = source
                ruleset.source_files[source.id] = model
    rule_owners: dict[str, _Owner] = {}
    for result in results:
        model = _model(result)
        if model is None:
            continue
        for i, rule in enumerate(model.rules):
            if _claim(rule_owners, rule.id, "rule", result, model, i, False):
                ruleset.rules[rule.id] = rule
                ruleset.files[rule.id] = model
    for result in results:
        model = _model(result)
        if model is None:
            continue
        for i, rule in enumerate(model.rules):
            _check_rule(result, model, i, rule, ruleset.sources, playbooks, broken)
    for rid in [rid for rid, model in ruleset.files.items() if not _ok(results, model)]:
        del ruleset.rules[rid]
    return ruleset


def _model(result: FileResult) -> RulesFile | None:
    return result.model if isinstance(result.model, RulesFile) else None


def _ok(results: Sequence[FileResult], model: RulesFile) -> bool:
    return all(r.ok for r in results if r.model is model)


def _claim(
    owners: dict[str, _Owner],
    ident: str,
    what: str,
    result: FileResult,
    model: RulesFile,
    index: int,
    lent: bool,
) -> bool:
    """Record which file declares ``ident``: note a replacement, report a clash.

    True when ``result`` now holds the id.
    """
    path = f"{what}s[{index}].id"
    at = model.at(path)
    previous = owners.get(ident)
    if previous is None or _replaces(previous, result, lent):
        if previous is not None and not lent:
            _note(result, at, path, what, ident, previous)
        owners[ident] = (result, model, index, lent)
        return True
    if not lent and previous[0] is not result:  # a repeat within one file: reported already
        _clash(result, at, path, what, ident, previous)
    return False


def _replaces(previous: _Owner, result: FileResult, lent: bool) -> bool:
    owner, _model, _index, owner_lent = previous
    if lent:
        return owner.bundled and not result.bundled  # a user's file over a bundled one
    return owner_lent or (owner.bundled and not result.bundled)


def _add(result: FileResult, at: Y | None, path: str, message: str, severity: Severity) -> None:
    line, column = (at.line, at.column) if at is not None else (None, None)
    file = result.model.file if isinstance(result.model, RulesFile) else str(result.path)
    result.problems.append(Problem(file, line, column, path, message, severity))


def _place(previous: _Owner) -> str:
    owner, model, index, _lent = previous
    return str(owner.path)


def _note(
    result: FileResult, at: Y | None, path: str, what: str, ident: str, previous: _Owner
) -> None:
    owner = previous[0]
    kind = "bundled " if owner.bundled else ""
    _add(
        result,
        at,
        path,
        f"replaces the {kind}{what} {ident!r} of {_place(previous)}",
        Severity.NOTE,
    )


def _clash(
    result: FileResult, at: Y | None, path: str, what: str, ident: str, previous: _Owner
) -> None:
    owner, model, index, _lent = previous
    first = model.at(f"{what}s[{index}].id")
    where = f"{owner.path}:{first.line}" if first is not None else str(owner.path)
    _add(
        result,
        at,
        path,
        f"duplicate {what} id {ident!r}: {where} declares it too; ids are unique across "
        "rules files",
        Severity.ERROR,
    )


def _check_rule(
    result: FileResult,
    model: RulesFile,
    i: int,
    rule: Rule,
    sources: Mapping[str, LogSource],
    playbooks: Mapping[str, Playbook] | None,
    broken: Sequence[str] = (),
) -> None:
    path = f"rules[{i}]"
    unread = f" ({', '.join(broken)} could not be read and may declare it)" if broken else ""
    known: list[LogSource] = []
    for j, sid in enumerate(rule.requires):
        if sid in sources:
            known.append(sources[sid])
            continue
        _add(
            result,
            model.at(f"{path}.requires[{j}]"),
            f"{path}.requires[{j}]",
            f"no source {sid!r} is declared in any rules file" + _hint(sid, sources) + unread,
            Severity.ERROR,
        )
    json_fields = bool(known) and all(s.format == "jsonl" for s in known)
    groups = rule.pattern.groupindex
    shown = ", ".join(groups) if groups else "none"
    why = (
        "; JSON fields count only when every source the rule requires is jsonl"
        if any(s.format == "jsonl" for s in known)
        else ""
    )

    def check(name: str, at_path: str, what: str, at: Y | None) -> None:
        if name in groups or json_fields:
            return
        _add(
            result,
            at,
            at_path,
            f"{what} {name!r} is not a named group of match (its groups: {shown}); "
            f"add (?P<{name}>...) to the pattern" + _hint(name, groups) + why,
            Severity.ERROR,
        )

    for k, name in enumerate(rule.group_by):
        check(name, f"{path}.group_by[{k}]", "group_by name", model.at(f"{path}.group_by[{k}]"))
    if rule.threshold is not None and rule.threshold.distinct is not None:
        at_path = f"{path}.threshold.distinct"
        check(rule.threshold.distinct, at_path, "distinct", model.at(at_path))
    title = model.at(f"{path}.title")
    text = model.source.text if model.source is not None else None
    for name in dict.fromkeys(n for _, n in rule.title_parts if n is not None):
        at = title
        if title is not None:  # point at the placeholder itself
            index = rule.title.find("{" + name + "}")
            line, column = scalar_position(text, title, rule.title, max(index, 0))
            at = Y(None, line, column)
        check(name, f"{path}.title", "title placeholder", at)
    if playbooks is None:
        return
    severities = DEFAULT_SEVERITIES
    if rule.playbook is not None:
        playbook = playbooks.get(rule.playbook)
        if playbook is None:
            _add(
                result,
                model.at(f"{path}.playbook"),
                f"{path}.playbook",
                f"no playbook {rule.playbook!r} (looked in your playbooks and the bundled "
                "ones); an incident cannot be declared from this rule"
                + _hint(rule.playbook, playbooks),
                Severity.WARNING,
            )
            return
        severities = playbook.severities
    if rule.severity is not None and rule.severity not in severities:
        _add(
            result,
            model.at(f"{path}.severity"),
            f"{path}.severity",
            f"severity {rule.severity!r} is not one of {', '.join(severities)}"
            + _hint(rule.severity, severities),
            Severity.WARNING,
        )


# --------------------------------------------------------------------------- loading


def default_files() -> list[tuple[Path, bool]]:
    """The bundled rules files, then the user's (``<home>/rules/``), as (path, bundled)."""
    from irdesk import paths
    from irdesk.formats.catalog import expand

    found: list[tuple[Path, bool]] = []
    for folder, bundled in ((paths.bundled_rules_dir(), True), (paths.user_rules_dir(), False)):
        found.extend((path, bundled) for path in expand(folder))
    return found


def load_rules(
    paths: Iterable[tuple[Path, bool]],
    *,
    background: Iterable[tuple[Path, bool]] = (),
    playbooks: Mapping[str, Playbook] | None = None,
    today: date | None = None,
) -> RuleSet:
    """Load rules files (path, bundled) and check them together.

    A file of another kind among ``paths`` is an error. ``background`` files lend their
    sources and are skipped when they are among ``paths``.
    """
    results = [_load(Path(p), today, bundled) for p, bundled in paths]
    # (a background file with errors still lends the sources that loaded)
    return assemble(results, background=_lend(background, results), playbooks=playbooks)


def check_given(
    results: Sequence[FileResult], *, playbooks: Mapping[str, Playbook] | None = None
) -> RuleSet:
    """Check rules files loaded elsewhere (``irdesk validate PATH``) together, with the
    bundled and the user's rules files lending their sources."""
    return assemble(results, background=_lend(default_files(), results), playbooks=playbooks)


def _lend(files: Iterable[tuple[Path, bool]], given: Sequence[FileResult]) -> list[FileResult]:
    chosen = {_identity(r.path) for r in given}
    return [_load(Path(p), None, b) for p, b in files if _identity(Path(p)) not in chosen]


def _load(path: Path, today: date | None, bundled: bool) -> FileResult:
    result = load_file(path, today=today, bundled=bundled)
    if result.kind is not None and result.kind != "rules":
        result.model = None
        result.problems.append(
            Problem(
                str(path),
                1,
                1,
                "irdesk",
                f"this is a {result.kind} file, not a rules file (irdesk: {MARKER})",
            )
        )
    return result


def _identity(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path
