"""The user's keymap: ``<home>/keymap.yaml``, binding id → keys.

    runner.note: ctrl+n          # one key
    runner.done: [d, f9]         # several (or "d,f9")
    drill.clock: P

Every binding in irdesk has an id (``runner.note``, ``drill.clock``, ``home.declare``...,
listed on the ``?`` help screen). A keymap gives some of them other keys; the app applies
it with Textual's ``App.set_keymap``, on every screen, and the help screen shows the keys
in effect. The file is read with the positioned YAML reader every irdesk format uses, so a
problem is reported as ``file:line:column``; a file with any error is ignored as a whole
(the desk still opens, with its own keys, and says why). A key given to two bindings of
one screen is applied but reported: only one of them can have it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import REPLACED_KEYS, Keys, _character_to_key, format_key, key_to_character

from irdesk.domain.problems import Problem, Reported, Severity

if TYPE_CHECKING:
    from irdesk.formats.yamlsrc import Y

MAX_BYTES = 64 * 1024  # a keymap of every binding is a few kilobytes
MARKER = "keymap/1"
MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
NAMED_KEYS = frozenset(
    {key.value.rpartition("+")[2] for key in Keys if not key.value.startswith("<")}
    | set(REPLACED_KEYS)
)
_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Keymap(Reported):
    """A keymap as read: ``keys`` (binding id → Textual's ``"key,key"``) to apply, and the
    problems found (with any error, ``keys`` is empty: the file is ignored)."""

    path: Path
    keys: dict[str, str] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()


# --------------------------------------------------------------------------- bindings


def bindings_of(node: type[DOMNode]) -> list[Binding]:
    """The bindings irdesk gives a screen, dialog or app class, its bases' included (as
    Textual merges them), in order; Textual's own (tab, ctrl+c...) are left out."""
    found: dict[str, Binding] = {}
    for base in reversed(node.__mro__):
        if not (isinstance(base, type) and issubclass(base, DOMNode)):
            continue
        if not base._inherit_bindings:
            found.clear()
        if not base.__module__.startswith("irdesk."):
            continue
        for binding in base.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding):
                found[binding.id or f"{binding.key}:{binding.action}"] = binding
    return list(found.values())


def binding_classes() -> list[type[DOMNode]]:
    """Every class of the desk that has bindings (screens, dialogs, the app): all of
    ``irdesk.tui`` is imported to find them."""
    import importlib
    import pkgutil

    import irdesk.tui

    for module in pkgutil.walk_packages(irdesk.tui.__path__, "irdesk.tui."):
        importlib.import_module(module.name)
    classes: list[type[DOMNode]] = []
    pending: list[type] = [DOMNode]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("irdesk.tui.") and bindings_of(cls):
            classes.append(cls)
    return sorted(set(classes), key=lambda c: (c.__module__, c.__qualname__))


def known_bindings(classes: Iterable[type[DOMNode]]) -> dict[str, Binding]:
    """binding id → binding, over ``classes``."""
    return {b.id: b for cls in classes for b in bindings_of(cls) if b.id}


# --------------------------------------------------------------------------- keys


def key_problem(key: str) -> str | None:
    """Why ``key`` is not a key Textual can bind (None when it is one)."""
    if not key:
        return "an empty key"
    *modifiers, base = key.split("+")
    unknown = [m for m in modifiers if m not in MODIFIERS]
    if unknown:
        return f"{key!r}: unknown modifier {unknown[0]!r} (use ctrl, shift, alt or meta)"
    if len(base) == 1:
        return None if base.isprintable() and not base.isspace() else f"{key!r} is not a key"
    if base in NAMED_KEYS or key_to_character(base) is not None:
        return None
    hint = difflib.get_close_matches(base, sorted(NAMED_KEYS), n=1, cutoff=0.6)
    return f"unknown key {key!r}" + (f"; did you mean {hint[0]!r}?" if hint else "")


def shown_key(key: str) -> str:
    """How a person reads one key (``ctrl+n`` → ``^n``, ``question_mark`` → ``?``)."""
    *modifiers, base = key.split("+")
    shown = format_key(base)
    if modifiers == ["ctrl"]:
        return f"^{shown}"
    return "+".join([*modifiers, shown])


# --------------------------------------------------------------------------- reading


Position = tuple[int | None, int | None]  # line, column (1-based)
NOWHERE: Position = (None, None)


def _at(node: Y) -> Position:
    return node.line, node.column


class _Reader:
    def __init__(self, display: str) -> None:
        self.display = display
        self.problems: list[Problem] = []

    def add(
        self, at: Position, key_path: str, message: str, severity: Severity = Severity.ERROR
    ) -> None:
        self.problems.append(Problem(self.display, *at, key_path, message, severity))


def load_keymap(
    path: Path, known: Mapping[str, Binding], classes: Iterable[type[DOMNode]] = ()
) -> Keymap:
    """Read the keymap at ``path`` against the ``known`` binding ids (no file: no keymap,
    no problem). Never raises; see :class:`Keymap`. With ``classes``, a key that ends up
    on two bindings of one of them is reported (a warning)."""
    reader = _Reader(str(path))
    tree = _read(path, reader)
    if tree is None:
        return Keymap(path, {}, tuple(reader.problems))
    keys, positions = _entries(tree, known, reader)
    if any(p.severity is Severity.ERROR for p in reader.problems):
        return Keymap(path, {}, tuple(reader.problems))
    for cls in classes:
        _clashes(cls, keys, positions, reader)
    return Keymap(path, keys, tuple(reader.problems))


def _read(path: Path, reader: _Reader) -> Y | None:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            reader.add(NOWHERE, "", f"{size:,} bytes; a keymap is at most {MAX_BYTES:,}")
            return None
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        reader.add(NOWHERE, "", f"cannot read: {exc.strerror or exc}")
        return None
    try:
        text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        reader.add((line, None), "", f"not UTF-8 text (byte 0x{data[exc.start]:02x})")
        return None
    if not _content(text):
        return None  # empty, or only comments: no keymap
    from irdesk.formats import yamlsrc  # the YAML reader only when there is a keymap

    try:
        tree, soft = yamlsrc.parse(text)
    except yamlsrc.YamlProblem as exc:
        reader.add((exc.line, exc.column), "", exc.message)
        return None
    for problem in soft:
        reader.add((problem.line, problem.column), "", problem.message)
    if not tree.is_map:
        reader.add(_at(tree), "", "expected binding ids and their keys (runner.note: ctrl+n)")
        return None
    return tree


def _content(text: str) -> bool:
    return any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines())


def _entries(
    tree: Y, known: Mapping[str, Binding], reader: _Reader
) -> tuple[dict[str, str], dict[str, Y]]:
    keys: dict[str, str] = {}
    positions: dict[str, Y] = {}
    for name, entry in tree.value.items():
        if name == "irdesk":
            if entry.value.value != MARKER:
                reader.add(_at(entry.value), name, f"expected 'irdesk: {MARKER}'")
            continue
        if name not in known:
            hint = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
            what = "unknown binding id" if _ID.match(name) else "not a binding id"
            reader.add(
                _at(entry.key),
                name,
                f"{what} {name!r}"
                + (f"; did you mean {hint[0]!r}?" if hint else " (the ? help screen lists them)"),
            )
            continue
        value = _keys(entry.value, name, reader)
        if value is not None:
            keys[name] = value
            positions[name] = entry.value
    return keys, positions


def _keys(node: Y, name: str, reader: _Reader) -> str | None:
    """The keys of one entry as Textual's ``"key,key"`` (single characters by name)."""
    raw = node.value
    if isinstance(raw, bool) or raw is None:
        reader.add(_at(node), name, "expected a key such as ctrl+n (quote y, n, on, off, yes, no)")
        return None
    if isinstance(raw, int) and 0 <= raw <= 9:
        raw = str(raw)
    if isinstance(raw, str):
        parts = [part.strip() for part in raw.split(",")]
    elif isinstance(raw, list) and all(isinstance(item.value, str | int) for item in raw):
        parts = [str(item.value).strip() for item in raw]
    else:
        reader.add(_at(node), name, "expected a key (ctrl+n) or a list of keys ([d, f9])")
        return None
    if not parts or parts == [""]:
        reader.add(_at(node), name, "give at least one key")
        return None
    normal = [_character_to_key(part) if len(part) == 1 else part for part in parts]
    for part in normal:
        problem = key_problem(part)
        if problem:
            reader.add(_at(node), name, problem)
            return None
    return ",".join(normal)


def _clashes(
    cls: type[DOMNode], keys: Mapping[str, str], positions: Mapping[str, Y], reader: _Reader
) -> None:
    """Report a key that the keymap leaves on two bindings of ``cls`` (or of it and the
    app's, which apply on every screen)."""
    from irdesk.tui.app import IrdeskApp

    scope = bindings_of(cls) + ([] if cls is IrdeskApp else bindings_of(IrdeskApp))
    holders: dict[str, list[Binding]] = {}
    for binding in scope:
        for key in _split(keys.get(binding.id or "", binding.key)):
            holders.setdefault(key, []).append(binding)
    for key, bindings in holders.items():
        # only a key the keymap gives a binding (not one it had anyway) can take one away
        mapped = [b for b in bindings if b.id in keys and key not in _split(b.key)]
        if len(bindings) < 2 or not mapped:
            continue
        mapped.sort(key=lambda b: (positions[b.id or ""].line, positions[b.id or ""].column))
        first, other = mapped[0], next(b for b in bindings if b is not mapped[0])
        if other.id in keys:
            message = (
                f"{shown_key(key)} is given to both {first.id} and {other.id}; only one of "
                "them can have it"
            )
        else:
            message = (
                f"{shown_key(key)} was the key of {other.description} ({other.id}); it is now "
                f"{first.id}'s, so give {other.id} another key"
            )
        if not any(p.message == message for p in reader.problems):
            reader.add(_at(positions[first.id or ""]), first.id or "", message, Severity.WARNING)


def _split(keys: str) -> list[str]:
    return [key.strip() for key in keys.split(",")]
