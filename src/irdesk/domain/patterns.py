"""What can be known about a rule's regular expression before running it.

Mostly: the literal text every match must contain.

A rule's regex runs on a line only if the line contains one of the rule's *required
literals*: that lets a scan look for a handful of fixed strings over whole buffers of bytes
(``bytes.find`` is many times faster than any per-line loop in Python) and decode and parse
only the few lines that can match. The analysis must never be wrong in the dangerous
direction: every string it returns as required really is in every match. When in doubt it
returns less (or nothing, and the caller then tries the regex on every line).

The analysis reads the pattern with ``re._parser``, the parser the ``re`` module itself
compiles from; anything it does not understand makes it give up, never guess.

For ``Failed password for (?:invalid user )?(?P<user>\\S+) from`` it finds
``{"Failed password for "}``, ``{" from "}``; for ``GET (?:/\\.env|/\\.git/)`` it finds
``{"GET /.env", "GET /.git/"}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import product
from typing import Any

# The parser of the re module (named sre_parse before Python 3.11). Both modules are
# private and typeshed has no stubs for them: they are Any here, and so is the parse tree
# they build (items are (opcode, argument) pairs whose argument's shape depends on the
# opcode), which the functions below take as _Item, op and av.
try:
    from re import _constants as _c  # type: ignore[attr-defined]  # private, no stubs
    from re import _parser as _sre  # type: ignore[attr-defined]  # private, no stubs
except ImportError:  # pragma: no cover - Python 3.11+ is required, this is belt and braces
    _sre = None
    _c = None

MAX_SET = 64  # alternatives in one requirement, beyond which it is not worth tracking
MAX_LITERAL = 48  # characters kept of a literal (a prefix of a required text is required)

Requirement = frozenset  # of str: every match contains at least one of them
_Item = tuple[Any, Any]  # (opcode, argument), as re._parser builds them


class _Unknown(Exception):
    """The pattern uses something the analysis does not model: give up on that part."""


def requirements(pattern: str) -> list[frozenset[str]]:
    """Sets of literals, each of which every match contains at least one member of.

    Empty when nothing can be said (case-insensitive patterns, patterns made only of
    classes and wildcards, or anything the parser of this Python reports differently).
    """
    if _sre is None:
        return []
    try:
        parsed = _sre.parse(pattern)
    except (re.error, RecursionError, TypeError, ValueError):
        return []
    if parsed.state.flags & re.IGNORECASE:
        return []
    try:
        found = _sequence(list(parsed.data))
    except (_Unknown, RecursionError):
        return []
    unique: list[frozenset[str]] = []
    for requirement in found:
        if requirement and "" not in requirement and requirement not in unique:
            unique.append(requirement)
    return unique


def best(candidates: Iterable[frozenset[str]]) -> frozenset[str] | None:
    """The requirement most likely to be rare: longest shortest member, then fewest members."""
    ranked = sorted(candidates, key=lambda r: (-min(len(s) for s in r), len(r), sorted(r)))
    return ranked[0] if ranked else None


# --------------------------------------------------------------------------- the analysis
#
# ``_exact(item)`` is the finite set of texts an item can match, or None when it can match
# too many (classes, wildcards, unbounded repeats). ``_sequence`` walks a sequence of items
# and collects runs of exact items (their concatenations are required) and the
# requirements of inexact items that must match at least once (a group, a `+` repeat).


def _sequence(items: list[_Item]) -> list[frozenset[str]]:
    found: list[frozenset[str]] = []
    run: set[str] | None = None  # the concatenation of the current run of exact items

    def close() -> None:
        nonlocal run
        if run:
            found.append(frozenset(run))
        run = None

    for op, av in _flatten(items):
        exact = _exact(op, av)
        if exact is not None:
            joined = _join(run, exact)
            if joined is None:  # too many combinations: start a new run here
                close()
                run = set(exact)
            else:
                run = joined
            continue
        # an inexact item: what it needs inside is required too; the run ends here,
        # except that a repeat of an exact body that runs at least once continues it
        body = _repeated_exact_body(op, av)
        if body is not None:
            joined = _join(run, body)
            if joined is not None:
                run = joined
            close()
            run = set(body)  # the last repetition starts the next run
            continue
        close()
        found.extend(_inner(op, av))
    close()
    return found


def _flatten(items: list[_Item], *, atomic: bool = True) -> list[_Item]:
    """Groups do not change what is matched: their items continue the surrounding run.

    ``atomic=False`` keeps atomic groups whole (they do change how a match is searched).
    """
    flat: list[_Item] = []
    for op, av in items:
        if op is _c.SUBPATTERN and not (av[1] & re.IGNORECASE or av[2]):
            flat.extend(_flatten(list(av[3]), atomic=atomic))
        elif op is _c.ATOMIC_GROUP and atomic:
            flat.extend(_flatten(list(av)))
        else:
            flat.append((op, av))
    return flat


def _join(left: set[str] | None, right: set[str]) -> set[str] | None:
    if left is None:
        return set(right)
    if len(left) * len(right) > MAX_SET:
        return None
    return {(a + b)[:MAX_LITERAL] if len(a) < MAX_LITERAL else a for a, b in product(left, right)}


def _exact(op: Any, av: Any) -> set[str] | None:
    if op is _c.LITERAL:
        return {chr(av)}
    if op is _c.IN:
        return _charset(av)
    if op is _c.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        if add_flags & re.IGNORECASE or del_flags:
            return None
        return _exact_sequence(list(sub))
    if op is _c.ATOMIC_GROUP:
        return _exact_sequence(list(av))
    if op is _c.BRANCH:
        _, branches = av
        result: set[str] = set()
        for branch in branches:
            exact = _exact_sequence(list(branch))
            if exact is None:
                return None
            result |= exact
            if len(result) > MAX_SET:
                return None
        return result
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _POSSESSIVE):
        low, high, sub = av
        if low != high or low > 8:
            return None
        body = _exact_sequence(list(sub))
        if body is None:
            return None
        result = {""}
        for _ in range(low):
            joined = _join(result, body)
            if joined is None:
                return None
            result = joined
        return result
    return None


def _exact_sequence(items: list[_Item]) -> set[str] | None:
    result: set[str] = {""}
    for op, av in items:
        exact = _exact(op, av)
        if exact is None:
            return None
        joined = _join(result, exact)
        if joined is None:
            return None
        result = joined
    return result


def _charset(items: list[_Item]) -> set[str] | None:
    chars: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            chars.add(chr(av))
        elif op is _c.RANGE and av[1] - av[0] < 16:
            chars.update(chr(code) for code in range(av[0], av[1] + 1))
        else:  # NEGATE, CATEGORY, large ranges, CHARSET/BIGCHARSET: too many
            return None
    return chars if 0 < len(chars) <= 16 else None


def _repeated_exact_body(op: Any, av: Any) -> set[str] | None:
    if op not in (_c.MAX_REPEAT, _c.MIN_REPEAT, _POSSESSIVE):
        return None
    low, _high, sub = av
    if low < 1:
        return None
    return _exact_sequence(list(sub))


def _inner(op: Any, av: Any) -> list[frozenset[str]]:
    """Requirements of an inexact item that must match (groups, repeats run at least once)."""
    if op is _c.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        if add_flags & re.IGNORECASE or del_flags:
            return []
        return _sequence(list(sub))
    if op is _c.ATOMIC_GROUP:
        return _sequence(list(av))
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _POSSESSIVE):
        low, _high, sub = av
        return _sequence(list(sub)) if low >= 1 else []
    if op is _c.BRANCH:
        # every branch must contribute; the union of one requirement from each is required
        _, branches = av
        union: set[str] = set()
        for branch in branches:
            exact = _exact_sequence(list(branch))
            if exact is not None:
                union |= exact
                continue
            choice = best(_sequence(list(branch)))
            if choice is None:
                return []
            union |= choice
        return [frozenset(union)] if len(union) <= MAX_SET else []
    if op in _KNOWN_INEXACT:
        return []
    raise _Unknown(str(op))


_POSSESSIVE = getattr(_c, "POSSESSIVE_REPEAT", None) if _c is not None else None
_KNOWN_INEXACT = (
    tuple(
        getattr(_c, name)
        for name in (
            "ANY",
            "IN",
            "NOT_LITERAL",
            "AT",
            "ASSERT",
            "ASSERT_NOT",
            "GROUPREF",
            "GROUPREF_EXISTS",
            "CATEGORY",
        )
        if hasattr(_c, name)
    )
    if _c is not None
    else ()
)


# --------------------------------------------------------------------------- risky repeats


def nested_repeat(pattern: str) -> bool:
    """Whether a repeat holds another unbounded repeat and nothing that must match besides.

    ``(a+)+``, ``(\\w+\\s?)*``, ``(?:x*)*``: on a line that almost matches, Python's
    backtracking tries every way of sharing the text between the two repeats, which takes
    exponential time. ``(?:\\S+ )+`` is not flagged (the space must match, and ``\\S``
    cannot take it). A heuristic for a warning, not a proof either way.
    """
    if _sre is None:
        return False
    try:
        parsed = _sre.parse(pattern)
        return _has_nested(list(parsed.data))
    except (re.error, RecursionError, TypeError, ValueError):
        return False


def _unbounded(op: Any, av: Any) -> bool:
    return op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and av[1] is _c.MAXREPEAT


def _optional(op: Any, av: Any) -> bool:
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _POSSESSIVE):
        low: int = av[0]
        return low == 0
    return op is _c.AT


def _has_nested(items: list[_Item]) -> bool:
    for op, av in _flatten(items, atomic=False):
        if _unbounded(op, av):
            body = _flatten(list(av[2]), atomic=False)
            inner = [item for item in body if _unbounded(*item)]
            rest = [item for item in body if not _unbounded(*item)]
            if inner and all(_optional(*item) for item in rest):
                return True
            if _has_nested(list(av[2])):
                return True
        elif op is _c.BRANCH:
            if any(_has_nested(list(branch)) for branch in av[1]):
                return True
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _POSSESSIVE) and _has_nested(list(av[2])):
            return True
        elif op is _c.ATOMIC_GROUP and _has_nested(list(av)):
            return True
    return False
