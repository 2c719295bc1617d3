"""Safe YAML reading that remembers where every value came from.

PyYAML's ``safe_load`` throws positions away. We compose the node graph with the safe
loader instead, then build a tree of :class:`Y` values, each with its line and column, so
every later error can name ``file:line:column``. The conversion also refuses what a
playbook never needs and an attacker might send: more than one document, duplicate keys
(PyYAML silently keeps the last one), recursive aliases, alias "bombs" that expand to
millions of nodes, and absurd nesting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

MAX_NODES = 100_000  # after alias expansion; the largest bundled playbook has ~1,000
MAX_DEPTH = 64


@dataclass(eq=False)
class Y:
    """A YAML value with its position (1-based line and column)."""

    value: Any  # dict[str, YEntry] | list[Y] | scalar
    line: int
    column: int
    #: a scalar's text as written in the file (``1.10`` where the value is the float 1.1),
    #: None for mappings, lists and values not read from a file
    source: str | None = None

    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_list(self) -> bool:
        return isinstance(self.value, list)

    def plain(self) -> Any:
        """The value without positions (for hashing, hypothesis, debugging)."""
        if isinstance(self.value, dict):
            return {k: e.value.plain() for k, e in self.value.items()}
        if isinstance(self.value, list):
            return [item.plain() for item in self.value]
        return self.value


@dataclass(eq=False)
class YEntry:
    """A mapping entry: the key's own position (for unknown-key errors) and the value."""

    key: Y
    value: Y


class YamlProblem(Exception):
    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def at(self) -> Y | None:
        """Where the problem is, as a value-less :class:`Y` (None: the reader cannot say)."""
        if self.line is None or self.column is None:
            return None
        return Y(None, self.line, self.column)


class _Loader(yaml.SafeLoader):
    """The safe loader: no Python tags, no custom constructors, and a nesting limit.

    PyYAML's composer recurses once per level, so ten thousand ``[`` would end in a
    RecursionError with no position; we stop at MAX_DEPTH and say where.
    """

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH + 1:  # the document itself is depth 1
                # the stubs leave Parser.peek_event untyped (the event always has a mark)
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise YamlProblem(
                    f"nested too deeply (more than {MAX_DEPTH} levels)",
                    mark.line + 1,
                    mark.column + 1,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def parse(text: str) -> tuple[Y, list[YamlProblem]]:
    """Parse one YAML document into a positioned tree.

    Returns the tree and the problems that did not stop reading (duplicate keys, keys that
    are not text); raises :class:`YamlProblem` for those that did.
    """
    trees, problems = _parse(text, single=True)
    return trees[0], problems


def parse_all(text: str) -> tuple[list[Y], list[YamlProblem]]:
    """Parse every document of a YAML stream (``---`` between them), as :func:`parse`
    does one; the limits on values and nesting hold for the stream as a whole."""
    return _parse(text, single=False)


def _parse(text: str, *, single: bool) -> tuple[list[Y], list[YamlProblem]]:
    loader = None
    try:
        try:
            loader = _Loader(text)  # the reader rejects control characters right here
            if single:
                node = loader.get_single_node()
                nodes = [node] if node is not None else []
            else:
                nodes = []
                while loader.check_node():
                    found = loader.get_node()
                    if found is not None:
                        nodes.append(found)
        except yaml.reader.ReaderError as exc:
            line, column = _position(text, exc.position)
            code = exc.character if isinstance(exc.character, int) else ord(exc.character)
            raise YamlProblem(
                f"control character {code:#04x} is not allowed in YAML; "
                "is this a binary file or a pasted control code?",
                line,
                column,
            ) from None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            message = _describe_yaml_error(exc)
            if exc.context_mark is not None and "end of stream" in (exc.problem or ""):
                # a quote (or bracket) never closed: the end of the file is where PyYAML
                # noticed, the opening is where the person must look
                mark = exc.context_mark
                what = str(exc.context).removeprefix("while scanning ")
                what = what.removeprefix("while parsing ")
                message = f"not valid YAML: {what} opened here is never closed"
            if mark is not None:
                raise YamlProblem(message, mark.line + 1, mark.column + 1) from None
            raise YamlProblem(message) from None
        except yaml.YAMLError as exc:
            raise YamlProblem(_describe_yaml_error(exc)) from None
        except RecursionError:
            raise YamlProblem(f"nested too deeply (more than {MAX_DEPTH} levels)") from None
        if not nodes:
            raise YamlProblem("the file is empty", 1, 1)
        converter = _Converter(loader)
        trees = [converter.convert(node) for node in nodes]
        return trees, converter.problems
    finally:
        if loader is not None:
            loader.dispose()


def _describe_yaml_error(exc: yaml.YAMLError) -> str:
    if not isinstance(exc, yaml.MarkedYAMLError):
        return f"not valid YAML: {exc}"
    parts = [p for p in (exc.context, exc.problem) if p]
    text = "; ".join(parts) if parts else str(exc)
    if "expected a single document" in text:
        return "more than one YAML document; a file holds exactly one"
    return f"not valid YAML: {text}"


class _Converter:
    def __init__(self, loader: yaml.SafeLoader) -> None:
        self.loader = loader
        self.count = 0
        self.active: set[int] = set()  # nodes on the current path (recursion detection)
        self.problems: list[YamlProblem] = []

    def convert(self, node: yaml.Node, depth: int = 0) -> Y:
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlProblem(
                f"the document expands to more than {MAX_NODES:,} values "
                "(aliases repeated too often?); refusing to load it",
                line,
                column,
            )
        if depth > MAX_DEPTH:
            raise YamlProblem(f"nested too deeply (more than {MAX_DEPTH} levels)", line, column)
        if id(node) in self.active:
            raise YamlProblem("an alias refers to itself (a recursive structure)", line, column)
        if isinstance(node, yaml.ScalarNode):
            try:
                value = self.loader.construct_object(node, deep=True)
            except yaml.YAMLError as exc:
                raise YamlProblem(_describe_yaml_error(exc), line, column) from None
            except (ValueError, OverflowError):
                # e.g. 2026-13-45 looks like a date to YAML but is none: keep the text, and
                # let the field that wanted a date say so (with its key path).
                value = node.value
            return Y(value, line, column, node.value)
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return Y([self.convert(item, depth + 1) for item in node.value], line, column)
            if isinstance(node, yaml.MappingNode):
                return Y(self._mapping(node, depth), line, column)
        finally:
            self.active.discard(id(node))
        raise YamlProblem(f"unsupported YAML node {node.tag}", line, column)  # pragma: no cover

    def _mapping(self, node: yaml.MappingNode, depth: int) -> dict[str, YEntry]:
        if any(key.tag == "tag:yaml.org,2002:merge" for key, _ in node.value):
            # Merge keys (<<) are resolved by flattening, as PyYAML's constructor does.
            try:
                self.loader.flatten_mapping(node)
            except yaml.MarkedYAMLError as exc:
                mark = exc.problem_mark or node.start_mark
                raise YamlProblem(
                    _describe_yaml_error(exc), mark.line + 1, mark.column + 1
                ) from None
        result: dict[str, YEntry] = {}
        for key_node, value_node in node.value:
            key = self.convert(key_node, depth + 1)
            if not isinstance(key.value, str):
                shown = key.value if not isinstance(key.value, dict | list) else "a collection"
                self.problems.append(
                    YamlProblem(
                        f"keys must be text; got {shown!r} (quote it)", key.line, key.column
                    )
                )
                continue
            if key.value in result:
                first = result[key.value].key
                self.problems.append(
                    YamlProblem(
                        f"duplicate key {key.value!r} (first at line {first.line}); "
                        "YAML would silently keep only the last one",
                        key.line,
                        key.column,
                    )
                )
                continue
            result[key.value] = YEntry(key, self.convert(value_node, depth + 1))
        return result
