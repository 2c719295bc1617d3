"""Sigma rules (https://sigmahq.io) as irdesk rules, as far as ``rules/1`` can say them.

A Sigma rule describes events in a log-neutral way; an irdesk rule is a regular expression
over the lines of a log file, with an optional count over a sliding window. What converts:

- **logsource** → the sources the rule requires: ``category: webserver`` reads
  ``web-access``; ``product: linux`` with ``service`` ``auth``, ``sshd``, ``sudo`` or
  ``su`` reads ``auth``, ``syslog`` reads ``system``, ``auditd`` reads ``audit``, and
  no service reads ``auth`` and ``system``. Anything else needs ``--source ID``.
- **keyword selections** (a list of values): searched anywhere in the line.
- **field selections** (``field|modifier: value``), where the source's format gives the
  field a place: the fields of an access log line (``c-ip``, ``cs-username``,
  ``cs-method``, ``cs-uri``, ``cs-uri-stem``, ``cs-uri-query``, ``cs-version``,
  ``sc-status``, ``sc-bytes``, ``cs-referer``, ``cs-user-agent``) for ``apache-access``
  sources, and ``message`` for ``jsonl`` ones. Modifiers: ``contains``, ``startswith``,
  ``endswith``, ``all``, ``re`` (with ``i``, ``m``, ``s``) and ``cased``; values may use
  Sigma's ``*`` and ``?`` wildcards. Matching is case-insensitive, as in Sigma, unless
  ``cased`` or ``re``.
- **conditions**: ``and``, ``or``, ``not``, parentheses, ``1 of``/``all of`` a name
  pattern or ``them``, and a list of conditions (any of them).
- **counting**: an ``event_count`` or ``value_count`` correlation over one rule with
  ``gte``/``gt``, ``group-by`` and ``timespan`` (and the older ``| count(field) by field
  > N`` with ``timeframe``), when every field counted or grouped by has a place.

Everything else is refused, whole, with the reason on one line and where it is in the
file: the rule would otherwise fire on something other than what its authors meant.

No Sigma library is needed: the subset is small, and reading it with irdesk's positioned
YAML lets every refusal name its line.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from irdesk.domain.detection import LogSource
from irdesk.domain.durations import DurationError, parse_duration
from irdesk.errors import IrdeskError
from irdesk.formats import yamlsrc
from irdesk.formats.yamlsrc import Y

#: Sigma logsources irdesk knows how to read: (what the logsource says, source ids)
LOGSOURCES: tuple[tuple[dict[str, str], tuple[str, ...]], ...] = (
    ({"category": "webserver"}, ("web-access",)),
    ({"product": "linux", "service": "auth"}, ("auth",)),
    ({"product": "linux", "service": "sshd"}, ("auth",)),
    ({"product": "linux", "service": "sudo"}, ("auth",)),
    ({"product": "linux", "service": "su"}, ("auth",)),
    ({"product": "linux", "service": "syslog"}, ("system",)),
    ({"product": "linux", "service": "auditd"}, ("audit",)),
    ({"product": "linux"}, ("auth", "system")),
)
#: Sigma's level → the severity of an incident declared from a finding
LEVELS = {"critical": "SEV1", "high": "SEV2", "medium": "SEV3", "low": "SEV4"}
ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_TIMESPAN = re.compile(r"^(\d+)([smhd])$")
_MODIFIERS = {"contains", "startswith", "endswith", "all", "re", "cased", "i", "m", "s"}


class Refused(IrdeskError):
    """A Sigma rule (or part of one) that irdesk's format cannot express; one line."""


@dataclass(frozen=True)
class _Slot:
    """A field's place in an access log line: the characters its value is made of."""

    name: str  # the named group (a Python identifier)
    chars: str  # one character class: what the value is made of
    pattern: str  # the value as a whole


# The fields of an access log line (common or combined, with or without a vhost in front).
_ACCESS = {
    "c-ip": _Slot("c_ip", r"\S", r"\S+"),
    "cs-username": _Slot("cs_username", r"\S", r"\S+"),
    "cs-method": _Slot("cs_method", r'[^ "]', r'[^ "]+'),
    "cs-uri-stem": _Slot("cs_uri_stem", r'[^ "?]', r'[^ "?]*'),
    "cs-uri-query": _Slot("cs_uri_query", r'[^ "]', r'[^ "]*'),
    "cs-version": _Slot("cs_version", r'[^ "]', r'[^ "]*'),
    "sc-status": _Slot("sc_status", r"\d", r"\d{3}"),
    "sc-bytes": _Slot("sc_bytes", r"\S", r"\S+"),
    "cs-referer": _Slot("cs_referer", r'[^"]', r'[^"]*'),
    "cs-user-agent": _Slot("cs_user_agent", r'[^"]', r'[^"]*'),
}
_URI = _Slot("cs_uri", r'[^ "]', r'[^ "]*')  # stem and query together (no group of its own)
_ALIASES = {"c-uri": "cs-uri", "cs-uri": "cs-uri", "c-useragent": "cs-user-agent"}


# --------------------------------------------------------------------------- predicates


@dataclass(frozen=True)
class _Text:
    regex: str  # searched anywhere in the line


@dataclass(frozen=True)
class _Fields:
    """One access-log line whose fields meet these constraints (field → lookaheads)."""

    constraints: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class _And:
    parts: tuple[Any, ...]


@dataclass(frozen=True)
class _Or:
    parts: tuple[Any, ...]


@dataclass(frozen=True)
class _Not:
    part: Any


def _access_line(constraints: Mapping[str, Sequence[str]], captures: Sequence[str]) -> str:
    """The access log line as a regular expression, anchored at its start: each field's
    slot carries its constraints (lookaheads), and the fields in ``captures`` are named
    groups."""

    def slot(name: str) -> str:
        spec = _ACCESS[name]
        body = "".join(constraints.get(name, ())) + spec.pattern
        return f"(?P<{spec.name}>{body})" if name in captures else f"(?:{body})"

    def optional(part: str, *names: str) -> str:
        """A part a line may lack: required when a constraint is on it (or it would pass
        by being skipped)."""
        return part if any(n in constraints for n in names) else f"(?:{part})?"

    uri_looks = "".join(constraints.get("cs-uri", ()))
    query = optional(rf"\?{slot('cs-uri-query')}", "cs-uri-query")
    combined = optional(
        f' "{slot("cs-referer")}" "{slot("cs-user-agent")}"', "cs-referer", "cs-user-agent"
    )
    return (
        rf"^(?:\S+ )?{slot('c-ip')} \S+ {slot('cs-username')} \[[^\]]*\] "
        rf'"{slot("cs-method")} {uri_looks}{slot("cs-uri-stem")}{query} '
        rf'{slot("cs-version")}" {slot("sc-status")} {slot("sc-bytes")}{combined}'
    )


def _render(node: Any) -> str:
    """A regular expression that ``re.search`` finds in a line exactly when ``node`` holds."""
    if isinstance(node, _Text):
        return node.regex
    if isinstance(node, _Fields):
        merged: dict[str, list[str]] = {}
        for name, look in node.constraints:
            merged.setdefault(name, []).append(look)
        return _access_line(merged, ())
    if isinstance(node, _Or):
        parts = [_render(p) for p in node.parts]
        return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"
    if isinstance(node, _And):
        if len(node.parts) == 1:
            return _render(node.parts[0])
        return "^" + "".join(f"(?={_anywhere(_render(p))})" for p in node.parts)
    if isinstance(node, _Not):
        return f"^(?!{_anywhere(_render(node.part))})"
    raise AssertionError(node)  # pragma: no cover


def _anywhere(regex: str) -> str:
    """``regex`` as a lookahead body at the start of a line: anchored ones stay anchored."""
    return regex[1:] if regex.startswith("^") else f".*?(?:{regex})"


# --------------------------------------------------------------------------- values


def _value_regex(value: str, chars: str) -> str:
    """A Sigma value with its ``*``/``?`` wildcards (``\\`` escapes them) as a regex
    over characters of class ``chars``."""
    out = []
    i = 0
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value) and value[i + 1] in "*?\\":
            out.append(_escape(value[i + 1]))
            i += 2
            continue
        if c == "*":
            out.append(f"{chars}*?")
        elif c == "?":
            out.append(chars)
        else:
            out.append(_escape(c))
        i += 1
    return "".join(out)


_SPECIAL = re.compile(r"([.^$*+?{}\[\]\\|()])")


def _escape(text: str) -> str:
    """``re.escape`` for a pattern people read: only what is special is escaped."""
    return _SPECIAL.sub(r"\\\1", text)


def _caseless(regex: str, raw: str, cased: bool) -> str:
    """Sigma matches text case-insensitively: a value with letters gets ``(?i:…)``."""
    if cased or not any(c.isalpha() for c in raw):
        return regex
    return f"(?i:{regex})"


# --------------------------------------------------------------------------- the converter


@dataclass
class Converted:
    """What ``irdesk rules import`` writes: rules/1 text, and what was refused."""

    text: str
    rules: list[str] = field(default_factory=list)  # ids of the rules written
    refused: list[str] = field(default_factory=list)  # one line each
    notes: list[str] = field(default_factory=list)  # what the user should look at


class _Context:
    """One Sigma document being converted: refusals name its file and line."""

    def __init__(self, file: str, sources: Mapping[str, LogSource]) -> None:
        self.file = file
        self.sources = sources
        self.formats: set[str] = set()
        self.notes: list[str] = []

    def refuse(self, node: Y | None, path: str, reason: str) -> Refused:
        where = f"{self.file}:{node.line}:{node.column}" if node is not None else self.file
        return Refused(f"{where}: {path}: cannot be converted: {reason}")


def convert(
    text: str,
    file: str,
    *,
    sources: Mapping[str, LogSource],
    today: date,
    source_ids: Sequence[str] = (),
    rule_id: str | None = None,
) -> Converted:
    """Convert the Sigma rules in ``text`` (one or more YAML documents). ``sources`` are
    the log sources declared in the rules files (formats decide which fields exist);
    ``source_ids`` overrides the sources a logsource maps to. Raises :class:`Refused`
    for a file that is not Sigma at all; rules that cannot be converted are listed in
    ``refused``."""
    try:
        docs, soft = yamlsrc.parse_all(text)
    except yamlsrc.YamlProblem as exc:
        where = f"{file}:{exc.line}:{exc.column}" if exc.line else file
        raise Refused(f"{where}: {exc.message}") from None
    if soft:
        problem = soft[0]
        raise Refused(f"{file}:{problem.line}:{problem.column}: {problem.message}")
    plain = [_mapping(d, file, i) for i, d in enumerate(docs)]
    by_name: dict[str, tuple[Y, dict[str, Y]]] = {}
    for doc, body in plain:
        for key in ("name", "id"):
            if key in body and isinstance(body[key].value, str):
                by_name[body[key].value] = (doc, body)
    used: set[object] = set()  # base rules that correlations count
    for _doc, body in plain:
        corr = body.get("correlation")
        if corr is not None and corr.is_map and "rules" in corr.value:
            named = corr.value["rules"].value
            if named.is_list:
                used.update(n.value for n in named.value)
            else:
                used.add(named.value)
    result = Converted("")
    written: list[str] = []
    for doc, body in plain:
        if "correlation" not in body and _ident(body) in used and not _generate(body):
            continue  # a base rule of a correlation: converted as part of it
        ctx = _Context(file, sources)
        try:
            ident, text = _convert_one(ctx, doc, body, by_name, source_ids, today, rule_id)
        except Refused as exc:
            result.refused.append(str(exc))
            continue
        written.append(text)
        result.rules.append(ident)
        result.notes.extend(f"{ident}: {note}" for note in ctx.notes)
    if rule_id is not None and len(result.rules) > 1:
        raise Refused(f"{file}: --id names one rule, but the file holds {len(result.rules)}")
    if written:
        result.text = "irdesk: rules/1\nrules:\n" + "\n".join(written)
    return result


def _mapping(doc: Y, file: str, index: int) -> tuple[Y, dict[str, Y]]:
    if not doc.is_map:
        raise Refused(
            f"{file}:{doc.line}:{doc.column}: document {index + 1} is not a Sigma rule "
            "(a mapping with title, logsource and detection)"
        )
    return doc, {k: e.value for k, e in doc.value.items()}


def _ident(body: Mapping[str, Y]) -> str | None:
    for key in ("name", "id"):
        node = body.get(key)
        if node is not None and isinstance(node.value, str):
            return node.value
    return None


def _generate(body: Mapping[str, Y]) -> bool:
    node = body.get("generate")
    return node is not None and node.value is True


def _text(ctx: _Context, body: Mapping[str, Y], key: str, required: bool = True) -> str | None:
    node = body.get(key)
    if node is None:
        if required:
            raise ctx.refuse(None, key, f"a Sigma rule needs '{key}'")
        return None
    if not isinstance(node.value, str | int | float) or isinstance(node.value, bool):
        raise ctx.refuse(node, key, "expected text")
    return str(node.value)


def _convert_one(
    ctx: _Context,
    doc: Y,
    body: dict[str, Y],
    by_name: Mapping[str, tuple[Y, dict[str, Y]]],
    source_ids: Sequence[str],
    today: date,
    rule_id: str | None,
) -> tuple[str, str]:
    """One rule: its id and its rules/1 text (with the Sigma rule's credits above it)."""
    title = _text(ctx, body, "title") or ""
    if "correlation" in body:
        base_doc, base, counting = _correlation(ctx, body["correlation"], by_name)
    else:
        base_doc, base, counting = doc, body, None
    requires = _requires(ctx, base, source_ids)
    detection = base.get("detection")
    if detection is None or not detection.is_map:
        raise ctx.refuse(detection or base_doc, "detection", "a Sigma rule needs a detection")
    predicate, legacy = _detection(ctx, detection)
    if counting is None and legacy is not None:
        counting = legacy
    wanted = tuple(dict.fromkeys([*(counting.group_by if counting else ()), *_distinct(counting)]))
    names = [_capture_name(ctx, f, counting.where if counting else detection) for f in wanted]
    regex = _final_regex(ctx, predicate, wanted)
    if "(?i:" in regex:
        ctx.notes.append(
            "matches letters in any case, as Sigma does, so the scan tries it on every line; "
            "where the log always writes the text one way, drop the (?i:...) to scan faster"
        )
    try:
        re.compile(regex)
    except re.error as exc:  # pragma: no cover - every piece is escaped or checked
        raise ctx.refuse(detection, "detection", f"the pattern would not compile ({exc})") from None
    ident = rule_id or _slug(title)
    shown = title.replace("{", "{{").replace("}", "}}")  # Sigma's text, braces literal
    keys = [n for n, f in zip(names, wanted, strict=True) if counting and f in counting.group_by]
    if keys:
        shown += " (" + ", ".join(f"{n} {{{n}}}" for n in keys) + ")"
    rule: dict[str, Any] = {
        "id": ident,
        "title": shown,
        "source": "external",
        "reference": _reference(body, base),
        "reviewed": today.isoformat(),
        "requires": list(requires),
        "match": regex,
    }
    if keys:
        rule["group_by"] = keys
    if counting is not None:
        threshold: dict[str, Any] = {"count": counting.count, "within": counting.within}
        if counting.distinct is not None:
            threshold = {"distinct": names[wanted.index(counting.distinct)], **threshold}
        rule["threshold"] = threshold
    level = _text(ctx, body, "level", required=False) or _text(ctx, base, "level", False)
    if level in LEVELS:
        rule["severity"] = LEVELS[level]
    return ident, _yaml(rule, body, base)


@dataclass(frozen=True)
class _Counting:
    count: int
    within: str
    group_by: tuple[str, ...] = ()
    distinct: str | None = None
    where: Y | None = None  # for refusals


def _distinct(counting: _Counting | None) -> tuple[str, ...]:
    return (counting.distinct,) if counting is not None and counting.distinct else ()


def _correlation(
    ctx: _Context, node: Y, by_name: Mapping[str, tuple[Y, dict[str, Y]]]
) -> tuple[Y, dict[str, Y], _Counting]:
    if not node.is_map:
        raise ctx.refuse(node, "correlation", "expected a mapping")
    corr = {k: e.value for k, e in node.value.items()}
    kind = corr.get("type")
    if kind is None or kind.value not in ("event_count", "value_count"):
        shown = kind.value if kind is not None else "none"
        raise ctx.refuse(
            kind or node,
            "correlation.type",
            f"{shown!r}: irdesk counts events (event_count) or distinct values (value_count) "
            "of one rule in a sliding window; temporal correlations have no equivalent",
        )
    rules = corr.get("rules")
    names = None
    if rules is not None:
        names = [rules] if isinstance(rules.value, str) else rules.value
    if not isinstance(names, list) or len(names) != 1:
        raise ctx.refuse(
            rules or node,
            "correlation.rules",
            "irdesk counts the events of one rule; a correlation over several rules cannot "
            "be expressed",
        )
    name = names[0].value
    if name not in by_name:
        raise ctx.refuse(names[0], "correlation.rules[0]", f"no rule named {name!r} in this file")
    base_doc, base = by_name[name]
    group = corr.get("group-by")
    group_by: tuple[str, ...] = ()
    if group is not None:
        if not group.is_list or not all(isinstance(g.value, str) for g in group.value):
            raise ctx.refuse(group, "correlation.group-by", "expected a list of field names")
        group_by = tuple(g.value for g in group.value)
    span = corr.get("timespan")
    if span is None:
        raise ctx.refuse(node, "correlation.timespan", "a correlation needs a timespan")
    within = _timespan(ctx, span, "correlation.timespan")
    cond = corr.get("condition")
    if cond is None or not cond.is_map:
        raise ctx.refuse(cond or node, "correlation.condition", "expected e.g. {gte: 5}")
    parts = {k: e.value for k, e in cond.value.items()}
    distinct = None
    if kind.value == "value_count":
        counted = parts.pop("field", None)
        if counted is None or not isinstance(counted.value, str):
            raise ctx.refuse(cond, "correlation.condition.field", "value_count needs a field")
        distinct = counted.value
    count = _at_least(ctx, cond, parts, "correlation.condition")
    return base_doc, base, _Counting(count, within, group_by, distinct, node)


def _at_least(ctx: _Context, node: Y, parts: Mapping[str, Y], path: str) -> int:
    """``{gte: N}`` → N, ``{gt: N}`` → N + 1; anything else cannot fire on reaching a count."""
    if len(parts) != 1 or next(iter(parts)) not in ("gte", "gt"):
        shown = ", ".join(parts) or "nothing"
        raise ctx.refuse(
            node,
            path,
            f"{shown}: irdesk fires when a count is reached (gte or gt); an upper bound or an "
            "exact count cannot be expressed",
        )
    op, value = next(iter(parts.items()))
    number = value.value
    if isinstance(number, bool) or not isinstance(number, int) or number < 0:
        raise ctx.refuse(value, f"{path}.{op}", "expected a whole number")
    count = number + (op == "gt")
    if count < 1:
        raise ctx.refuse(value, f"{path}.{op}", "a count of at least 1 is needed")
    return count


def _timespan(ctx: _Context, node: Y, path: str) -> str:
    match = _TIMESPAN.match(str(node.value).strip()) if isinstance(node.value, str) else None
    if match is None:
        raise ctx.refuse(
            node, path, f"{node.value!r}: expected a number with s, m, h or d (e.g. 10m)"
        )
    text = match.group(1) + match.group(2)
    try:
        parse_duration(text)
    except DurationError as exc:
        raise ctx.refuse(node, path, str(exc)) from None
    return text


def _requires(ctx: _Context, body: Mapping[str, Y], override: Sequence[str]) -> tuple[str, ...]:
    node = body.get("logsource")
    if override:
        found = tuple(override)
    else:
        if node is None or not node.is_map:
            raise ctx.refuse(node, "logsource", "a Sigma rule needs a logsource")
        given = {
            k: str(e.value.value).lower()
            for k, e in node.value.items()
            if k in ("category", "product", "service")
        }
        found = ()
        for pattern, ids in LOGSOURCES:
            if given == pattern:
                found = ids
                break
        if not found:
            shown = ", ".join(f"{k}: {v}" for k, v in given.items()) or "nothing"
            raise ctx.refuse(
                node,
                "logsource",
                f"irdesk has no log source for {shown}; name the source that holds such "
                "lines with --source ID",
            )
    missing = [s for s in found if s not in ctx.sources]
    if missing:
        raise ctx.refuse(
            node,
            "logsource",
            f"no source {missing[0]!r} is declared in your rules files or the bundled ones",
        )
    ctx.formats = {ctx.sources[s].format for s in found}
    return found


# --------------------------------------------------------------------------- detection


def _detection(ctx: _Context, node: Y) -> tuple[Any, _Counting | None]:
    items = {k: e.value for k, e in node.value.items()}
    condition = items.pop("condition", None)
    timeframe = items.pop("timeframe", None)
    if condition is None:
        raise ctx.refuse(node, "detection.condition", "a detection needs a condition")
    selections = {
        name: _selection(ctx, value, f"detection.{name}") for name, value in items.items()
    }
    conditions = condition.value if condition.is_list else [condition]
    predicates = []
    counting = None
    for i, cond in enumerate(conditions):
        path = "detection.condition" + (f"[{i}]" if condition.is_list else "")
        if not isinstance(cond.value, str):
            raise ctx.refuse(cond, path, "expected a condition such as 'selection and not filter'")
        text, _, aggregation = cond.value.partition("|")
        predicates.append(_Condition(ctx, cond, path, text, selections).parse())
        if aggregation.strip():
            if len(conditions) > 1:
                raise ctx.refuse(cond, path, "counting in one of several conditions")
            counting = _aggregation(ctx, cond, path, aggregation, timeframe)
    if timeframe is not None and counting is None:
        ctx.notes.append("the Sigma timeframe counts nothing here and was left out")
    return (predicates[0] if len(predicates) == 1 else _Or(tuple(predicates))), counting


_AGGREGATION = re.compile(
    r"^\s*count\(\s*(?P<field>[\w.-]*)\s*\)\s*(?:by\s+(?P<by>[\w.-]+)\s*)?"
    r"(?P<op>>=|>)\s*(?P<n>\d+)\s*$"
)


def _aggregation(ctx: _Context, cond: Y, path: str, text: str, timeframe: Y | None) -> _Counting:
    match = _AGGREGATION.match(text)
    if match is None:
        raise ctx.refuse(
            cond,
            path,
            f"{text.strip()!r}: only 'count() by FIELD > N' and 'count(FIELD) by FIELD >= N' "
            "can be expressed (a count that fires when reached)",
        )
    if timeframe is None:
        raise ctx.refuse(cond, path, "counting needs a timeframe in the detection")
    within = _timespan(ctx, timeframe, "detection.timeframe")
    count = int(match["n"]) + (match["op"] == ">")
    by = (match["by"],) if match["by"] else ()
    return _Counting(count, within, by, match["field"] or None, cond)


def _selection(ctx: _Context, node: Y, path: str) -> Any:
    if node.is_list:
        if all(isinstance(item.value, str | int | float) for item in node.value):
            if not node.value:
                raise ctx.refuse(node, path, "an empty list of keywords matches nothing")
            return _Or(tuple(_keyword(ctx, item, path) for item in node.value))
        if all(item.is_map for item in node.value):
            return _Or(tuple(_fields(ctx, item, path) for item in node.value))
        raise ctx.refuse(node, path, "a list must hold either keywords or field mappings")
    if node.is_map:
        return _fields(ctx, node, path)
    if isinstance(node.value, str | int | float) and not isinstance(node.value, bool):
        return _keyword(ctx, node, path)
    raise ctx.refuse(node, path, "expected keywords or field: value mappings")


def _keyword(ctx: _Context, node: Y, path: str) -> _Text:
    raw = str(node.value)
    if not raw:
        raise ctx.refuse(node, path, "an empty keyword matches every line")
    return _Text(_caseless(_value_regex(raw, "."), raw, cased=False))


def _fields(ctx: _Context, node: Y, path: str) -> Any:
    """A mapping of field conditions: all of them hold (on an access line, in one pass)."""
    conditions = []
    for key, entry in node.value.items():
        name, *mods = key.split("|")
        conditions.append(_field(ctx, entry.value, f"{path}.{key}", name, mods))
    if not conditions:
        raise ctx.refuse(node, path, "an empty selection matches every line")
    if all(isinstance(c, _Fields) for c in conditions):
        return _Fields(tuple(pair for c in conditions for pair in c.constraints))
    return conditions[0] if len(conditions) == 1 else _And(tuple(conditions))


def _field(ctx: _Context, node: Y, path: str, name: str, mods: list[str]) -> Any:
    unknown = [m for m in mods if m not in _MODIFIERS]
    if unknown:
        raise ctx.refuse(
            node,
            path,
            f"the modifier {unknown[0]!r} has no equivalent in a line's regular expression",
        )
    values = node.value if node.is_list else [node]
    if not values:
        raise ctx.refuse(node, path, "an empty list of values matches nothing")
    for value in values:
        if value.value is None or isinstance(value.value, bool | list | dict):
            raise ctx.refuse(value, path, "only text and number values can be expressed")
    field_name = _ALIASES.get(name, name)
    if "jsonl" in ctx.formats:
        if ctx.formats != {"jsonl"} or field_name != "message":
            raise ctx.refuse(
                node,
                path,
                f"field {name!r}: a rule on JSON lines matches their message field only",
            )
        how = _how(mods)
        parts = [_anchored_text(_value(ctx, v, path, mods, ".", how), how) for v in values]
        if len(parts) == 1:
            return parts[0]
        return _And(tuple(parts)) if "all" in mods else _Or(tuple(parts))
    if ctx.formats == {"apache-access"}:
        if field_name != "cs-uri" and field_name not in _ACCESS:
            raise ctx.refuse(
                node,
                path,
                f"field {name!r} is not part of an access log line (known: "
                + ", ".join([*_ACCESS, "cs-uri"])
                + ")",
            )
        slot = _URI if field_name == "cs-uri" else _ACCESS[field_name]
        how = _how(mods)
        looks = [
            _slot_look(_value(ctx, v, path, mods, slot.chars, how), how, slot.chars) for v in values
        ]
        # several values: any of them (all of them with |all), as lookaheads in one slot
        look = "".join(looks) if "all" in mods else "(?:" + "|".join(looks) + ")"
        return _Fields(((field_name, looks[0] if len(looks) == 1 else look),))
    shown = ", ".join(sorted(ctx.formats))
    raise ctx.refuse(
        node,
        path,
        f"field {name!r}: a {shown} line has no named fields; only keywords can be searched in it",
    )


def _how(mods: Sequence[str]) -> str:
    return next((m for m in ("contains", "startswith", "endswith", "re") if m in mods), "equals")


def _value(ctx: _Context, node: Y, path: str, mods: list[str], chars: str, how: str) -> str:
    raw = str(node.value)
    if how == "re":
        flags = "".join(f for f in ("i", "m", "s") if f in mods)
        try:
            re.compile(raw)
        except re.error as exc:
            raise ctx.refuse(node, path, f"not a valid regular expression: {exc}") from None
        if any(token in raw for token in ("(?P<", "(?P=")):
            raise ctx.refuse(node, path, "named groups inside a Sigma pattern")
        ctx.notes.append(f"{path}: a Sigma |re pattern is taken as matching inside the field")
        return f"(?{flags}:{raw})" if flags else f"(?:{raw})"
    if not raw:
        raise ctx.refuse(node, path, "an empty value (a field that is empty) cannot be expressed")
    return _caseless(_value_regex(raw, chars), raw, cased="cased" in mods)


def _anchored_text(regex: str, how: str) -> _Text:
    """A condition on a JSON line's message, where ``match`` is searched."""
    if how == "equals":
        return _Text(f"^{regex}$")
    if how == "startswith":
        return _Text(f"^{regex}")
    if how == "endswith":
        return _Text(f"{regex}$")
    return _Text(regex)


def _slot_look(regex: str, how: str, chars: str) -> str:
    """A lookahead at the start of a field's slot that holds when its value meets ``how``."""
    end = f"(?!{chars})"
    if how == "equals":
        return f"(?={regex}{end})"
    if how == "startswith":
        return f"(?={regex})"
    if how == "endswith":
        return f"(?={chars}*?{regex}{end})"
    return f"(?={chars}*?{regex})"


class _Condition:
    """A Sigma condition, parsed into predicates over the selections."""

    _TOKEN = re.compile(r"\s*(\(|\)|[\w*.-]+)")

    def __init__(
        self, ctx: _Context, node: Y, path: str, text: str, selections: Mapping[str, Any]
    ) -> None:
        self.ctx, self.node, self.path, self.selections = ctx, node, path, selections
        self.tokens: list[str] = []
        pos = 0
        text = text.rstrip()
        while pos < len(text):
            match = self._TOKEN.match(text, pos)
            if match is None:
                raise self._bad(f"cannot read {text[pos:].strip()!r}")
            self.tokens.append(match.group(1))
            pos = match.end()
        self.at = 0

    def _bad(self, why: str) -> Refused:
        return self.ctx.refuse(self.node, self.path, why)

    def _peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _take(self) -> str:
        token = self._peek()
        if token is None:
            raise self._bad("the condition ends too soon")
        self.at += 1
        return token

    def parse(self) -> Any:
        if not self.tokens:
            raise self._bad("the condition is empty")
        result = self._or()
        if self._peek() is not None:
            raise self._bad(f"unexpected {self._peek()!r}")
        return result

    def _or(self) -> Any:
        parts = [self._and()]
        while self._peek() == "or":
            self._take()
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else _Or(tuple(parts))

    def _and(self) -> Any:
        parts = [self._not()]
        while self._peek() == "and":
            self._take()
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else _And(tuple(parts))

    def _not(self) -> Any:
        if self._peek() == "not":
            self._take()
            return _Not(self._not())
        return self._atom()

    def _atom(self) -> Any:
        token = self._take()
        if token == "(":
            inner = self._or()
            if self._peek() != ")":
                raise self._bad("a parenthesis is not closed")
            self._take()
            return inner
        if token in ("1", "any", "all") and self._peek() == "of":
            self._take()
            names = self._names(self._take())
            parts = tuple(self.selections[n] for n in names)
            return _And(parts) if token == "all" else _Or(parts)
        if token in self.selections:
            return self.selections[token]
        raise self._bad(f"no selection named {token!r} in the detection")

    def _names(self, pattern: str) -> list[str]:
        if pattern == "them":
            names = [n for n in self.selections if not n.startswith("_")]
        else:
            regex = re.compile(re.escape(pattern).replace(r"\*", ".*"))
            names = [n for n in self.selections if regex.fullmatch(n)]
        if not names:
            raise self._bad(f"{pattern!r} names no selection")
        return names


def _capture_name(ctx: _Context, name: str, where: Y | None) -> str:
    """The named group (or JSON field) a counted or grouped-by field is read from."""
    field_name = _ALIASES.get(name, name)
    if ctx.formats == {"apache-access"} and field_name in _ACCESS:
        return _ACCESS[field_name].name
    if ctx.formats == {"jsonl"} and re.fullmatch(r"[A-Za-z_]\w*", name):
        return name
    shown = ", ".join(sorted(ctx.formats))
    raise ctx.refuse(
        where,
        "group-by",
        f"field {name!r} cannot be read from a {shown} line, so it cannot be counted or grouped by",
    )


def _final_regex(ctx: _Context, predicate: Any, wanted: Sequence[str]) -> str:
    regex = _render(predicate)
    captures = [f for f in (_ALIASES.get(w, w) for w in wanted) if f in _ACCESS]
    if not captures:
        return regex  # JSON fields are read by name; nothing to capture
    line = _access_line({}, captures)
    if isinstance(predicate, _Fields):  # one selection: constraints and groups in one pass
        merged: dict[str, list[str]] = {}
        for name, look in predicate.constraints:
            merged.setdefault(name, []).append(look)
        return _access_line(merged, captures)
    return f"^(?={_anywhere(regex)}){line[1:]}"


# --------------------------------------------------------------------------- writing


def _reference(body: Mapping[str, Y], base: Mapping[str, Y]) -> str:
    for source in (body, base):
        refs = source.get("references")
        if refs is not None and refs.is_list:
            for ref in refs.value:
                if isinstance(ref.value, str) and ref.value.strip():
                    return ref.value.strip()
    ident = _ident(body) or _ident(base)
    return f"Sigma rule {ident}" if ident else "a Sigma rule"


def _slug(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:64].strip("-")
    if not slug or not ID.match(slug):
        slug = "sigma-" + uuid.uuid4().hex[:8]
    return slug


def _quote(value: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of it)."""
    return json.dumps(value, ensure_ascii=False)


def _pattern(value: str) -> str:
    """A regular expression as a YAML single-quoted scalar: backslashes stay literal."""
    return "'" + value.replace("'", "''") + "'"


def _comment(body: Mapping[str, Y], base: Mapping[str, Y]) -> list[str]:
    lines = ["  # Converted from a Sigma rule by irdesk rules import: review it before use."]
    for label, key in (
        ("Sigma id", "id"),
        ("author", "author"),
        ("date", "date"),
        ("modified", "modified"),
        ("status", "status"),
        ("license", "license"),
    ):
        node = body.get(key) or base.get(key)
        if node is not None and isinstance(node.value, str | int | float | date):
            text = " ".join(str(node.value).split())
            lines.append(f"  # {label}: {text}")
    fps = body.get("falsepositives") or base.get("falsepositives")
    if fps is not None and fps.is_list:
        shown = "; ".join(" ".join(str(f.value).split()) for f in fps.value)
        lines.append(f"  # false positives: {shown}")
    return lines


def _yaml(rule: Mapping[str, Any], body: Mapping[str, Y], base: Mapping[str, Y]) -> str:
    out = _comment(body, base)
    out.append(f"  - id: {rule['id']}")
    out.append(f"    title: {_quote(rule['title'])}")
    out.append(f"    source: {rule['source']}")
    out.append(f"    reference: {_quote(rule['reference'])}")
    out.append(f"    reviewed: {rule['reviewed']}")
    if "severity" in rule:
        out.append(f"    severity: {rule['severity']}")
    out.append(f"    requires: [{', '.join(rule['requires'])}]")
    out.append(f"    match: {_pattern(rule['match'])}")
    if "group_by" in rule:
        out.append(f"    group_by: [{', '.join(rule['group_by'])}]")
    if "threshold" in rule:
        inner = ", ".join(f"{k}: {v}" for k, v in rule["threshold"].items())
        out.append(f"    threshold: {{{inner}}}")
    return "\n".join(out) + "\n"


def read(path: Path) -> str:
    """A Sigma file's text (Refused, one line, when it cannot be read)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise Refused(f"{path}: no such file") from None
    except OSError as exc:
        raise Refused(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > 1024 * 1024:
        raise Refused(f"{path}: more than 1 MB; a Sigma rule is a few KB")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused(f"{path}: not UTF-8 text") from None


__all__ = ["Converted", "LOGSOURCES", "Refused", "convert", "read"]
