"""The literals a regex is said to require really are in every match (property test)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from irdesk.domain.patterns import best, nested_repeat, requirements

ALPHABET = "abcAB -"  # capitals: case-insensitive groups must not leak literals

atoms = st.sampled_from(["a", "b", "c", " ", "-", "[ab]", "[a-c]", ".", r"\w", r"\s", "[^a]"])


def _group(inner: str, kind: int) -> str:
    return [f"({inner})", f"(?:{inner})", f"(?>{inner})", f"(?i:{inner})"][kind]


regexes = st.recursive(
    atoms,
    lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=4).map("".join),
        st.tuples(inner, inner).map(lambda p: f"(?:{p[0]}|{p[1]})"),
        st.tuples(inner, st.integers(0, 3)).map(lambda p: _group(*p)),
        st.tuples(inner, st.sampled_from(["?", "*", "+", "{2}", "{1,3}", "{0,2}", "+?", "*+"])).map(
            lambda p: f"(?:{p[0]}){p[1]}"
        ),
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(regexes, st.lists(st.text(ALPHABET, max_size=30), min_size=1, max_size=8))
def test_every_match_contains_one_literal_of_each_requirement(pattern: str, lines: list[str]):
    compiled = re.compile(pattern)
    found = requirements(pattern)
    for line in lines:
        match = compiled.search(line)
        if match is None:
            continue
        text = match.group(0)
        for requirement in found:
            assert any(literal in text for literal in requirement), (pattern, line, requirement)


def test_literals_of_a_typical_rule():
    found = requirements(
        r"sshd(?:-session)?\[\d+\]: Failed password for (?:invalid user )?(?P<u>\S+) from"
    )
    assert frozenset({"]: Failed password for "}) in found
    assert best(found) == frozenset({"]: Failed password for "})


def test_alternatives_multiply_into_longer_literals():
    assert requirements(r"GET (?:/\.env|/\.git/)") == [frozenset({"GET /.env", "GET /.git/"})]
    assert requirements(r"[45]0\d") == [frozenset({"40", "50"})]


def test_groups_continue_the_run_around_them():
    assert frozenset({'" 4'}) in requirements(r'"[^"]*" (?P<status>4\d\d) ')


def test_nothing_is_claimed_for_case_insensitive_or_class_only_patterns():
    assert requirements("(?i)failed password") == []
    assert requirements(r"\S+\s+\d+") == []
    assert frozenset({"x"}) not in requirements("a(?i:x)b")
    assert requirements("(unbalanced") == []


def test_nested_repeats_are_flagged_and_safe_forms_are_not():
    for risky in (r"(a+)+", r"(\w+\s?)*$", r"(?:x*)*y", r"((ab)+)+c"):
        assert nested_repeat(risky), risky
    for fine in (r"(?:\S+ )+", r"(?>a+)+", r"a+b+", r"sshd\[\d+\]: Failed"):
        assert not nested_repeat(fine), fine
