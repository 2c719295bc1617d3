"""Rules files (``irdesk: rules/1``): a corpus of broken files with their exact problems,
checks across files, positions inside patterns, and ``irdesk validate`` on them.

Corpus cases live in ``tests/corpus_rules/`` with the same ``# expect:`` headers as the
playbook corpus (see ``test_loader_corpus``). Each case is checked together with the files
in ``tests/corpus_rules/rules-for-cases/`` (sources the cases share, as the bundled
sources would be) and the bundled playbooks; ``irdesk validate tests/corpus_rules`` loads
them all together and must report the same problems.
"""

from __future__ import annotations

import functools
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers_corpus import TODAY, expectations, unprinted

from irdesk.cli import main
from irdesk.domain.problems import Severity
from irdesk.formats.catalog import Catalog
from irdesk.formats.loader import load_file
from irdesk.formats.rules import RulesFile, default_files, load_rules, scalar_position
from irdesk.formats.yamlsrc import Y

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
CORPUS = TESTS / "corpus_rules"
SHARED = CORPUS / "rules-for-cases"

REQUIRED_CASES = """
    unknown-keys missing-keys external-needs-reference past-incident-needs-incident
    unknown-knowledge-source bad-ids duplicate-ids durations threshold-count format-and-zone
    relative-path regex-single-quoted regex-double-quoted regex-plain regex-block
    regex-repeat-nothing group-names title-placeholders requires-undeclared
    source-id-in-two-files json-fields reviewed-old risky-patterns playbook-and-severity
    empty-rules-file not-a-list
""".split()


@functools.cache
def bundled_playbooks():
    return Catalog.load([(REPO / "playbooks", True)]).playbooks


def cases() -> list[Path]:
    return sorted(CORPUS.glob("*.yaml"))


def load_case(path: Path):
    helpers = [(p, False) for p in sorted(SHARED.glob("*.yaml"))]
    ruleset = load_rules([*helpers, (path, False)], playbooks=bundled_playbooks(), today=TODAY)
    return ruleset, ruleset.results[-1]


def test_corpus_has_every_case():
    present = {p.stem for p in cases()}
    assert sorted(set(REQUIRED_CASES) - present) == []
    for path in cases():
        assert expectations(path), f"{path.name} has no '# expect:' header"


def test_shared_sources_are_valid():
    ruleset = load_rules([(p, False) for p in SHARED.glob("*.yaml")], today=TODAY)
    assert all(r.ok and not r.problems for r in ruleset.results)
    assert set(ruleset.sources) == {"shared-auth", "shared-json"}


@pytest.mark.parametrize("path", cases(), ids=lambda p: p.stem)
def test_corpus_case(path: Path):
    ruleset, result = load_case(path)
    shown = "\n".join(str(p) for p in result.problems) or "(no problems)"
    wanted = expectations(path)
    for want in wanted:
        assert any(want.matches(p) for p in result.problems), f"expected {want}\ngot:\n{shown}"
    unexpected = [p for p in result.errors if not any(w.matches(p) for w in wanted)]
    assert not unexpected, "unexpected errors:\n" + "\n".join(map(str, unexpected))
    if any(w.severity == "error" for w in wanted):
        assert not result.ok and not ruleset.ok
        model = result.model
        assert not any(rule in ruleset.rules for rule in (model.rules if model else ()))
    else:
        assert result.ok and result.warnings


@pytest.mark.parametrize("path", cases(), ids=lambda p: p.stem)
def test_each_problem_is_reported_once(path: Path):
    _, result = load_case(path)
    seen = [(p.line, p.column, p.key_path, p.message) for p in result.problems]
    assert len(seen) == len(set(seen))


def test_a_pattern_error_renders_as_file_line_column():
    path = CORPUS / "regex-single-quoted.yaml"
    _, result = load_case(path)
    (problem,) = result.errors
    assert str(problem).startswith(
        f"{path}:10:32: error: rules[0].match: not a valid regular expression: missing ), "
        "unterminated subpattern"
    )
    line = path.read_text().splitlines()[9]
    assert line[31:40] == "(?P<user>"


# --------------------------------------------------------------------------- positions


def _node(text: str, needle: str) -> Y:
    for number, line in enumerate(text.split("\n"), 1):
        if needle in line:
            return Y(None, number, line.index(needle) + 1)
    raise AssertionError(needle)


@pytest.mark.parametrize(
    "text, start, value, index, expected",
    [
        ("match: a(b\n", "a(b", "a(b", 1, (1, 9)),  # plain
        ("match: 'it''s (x'\n", "'it", "it's (x", 5, (1, 15)),  # '' is one quote
        ('match: "\\\\d\\x41 (x"\n', '"', "\\dA (x", 4, (1, 17)),  # escapes of 2 and 4
        ('match: "caf\\u00e9 ("\n', '"', "café (", 5, (1, 19)),
        ("match: |-\n  ab\n  c(d\n", "|", "ab\nc(d", 4, (3, 4)),  # block literal
        ("match: >-\n  ab\n  c(d\n", ">", "ab c(d", 4, (1, 8)),  # folded: the scalar itself
    ],
)
def test_scalar_positions(text: str, start: str, value: str, index: int, expected):  # noqa: ANN001
    assert scalar_position(text, _node(text, start), value, index) == expected


# --------------------------------------------------------------------------- across files


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("irdesk: rules/1\n" + text)
    return path


SOURCE = "sources:\n  - id: logs\n    paths: [/var/log/{}]\n    format: syslog\n"
RULE = (
    "rules:\n  - id: {}\n    title: T\n    source: threat-model\n    reviewed: 2026-05-01\n"
    "    requires: [logs]\n    match: '{}'\n"
)


def test_a_users_file_replaces_a_bundled_source_and_rule(tmp_path: Path):
    bundled = _write(tmp_path / "b", "a.yaml", SOURCE.format("auth.log") + RULE.format("r", "x"))
    mine = _write(tmp_path / "u", "a.yaml", SOURCE.format("secure") + RULE.format("r", "y"))
    ruleset = load_rules([(bundled, True), (mine, False)], today=TODAY)
    assert ruleset.ok
    assert ruleset.sources["logs"].paths == ("/var/log/secure",)
    assert ruleset.rules["r"].match == "y"
    notes = [p for p in ruleset.results[1].problems if p.severity is Severity.NOTE]
    assert [n.key_path for n in notes] == ["sources[0].id", "rules[0].id"]
    assert "replaces the bundled source 'logs'" in notes[0].message


def test_the_same_rule_id_in_two_of_your_files_is_an_error(tmp_path: Path):
    one = _write(tmp_path, "one.yaml", SOURCE.format("auth.log") + RULE.format("r", "x"))
    two = _write(tmp_path, "two.yaml", RULE.format("r", "y"))
    ruleset = load_rules([(one, False), (two, False)], today=TODAY)
    (error,) = ruleset.results[1].errors
    assert (error.line, error.column, error.key_path) == (3, 9, "rules[0].id")
    assert error.message.startswith(f"duplicate rule id 'r': {one}:7 declares it too")
    assert ruleset.rules["r"].match == "x"  # the first file's rule; the second file is broken


def test_background_files_lend_sources_without_being_reported(tmp_path: Path):
    lender = _write(tmp_path, "lender.yaml", SOURCE.format("auth.log") + RULE.format("r", "x("))
    mine = _write(tmp_path, "mine.yaml", RULE.format("mine", "y"))
    ruleset = load_rules([(mine, False)], background=[(lender, True)], today=TODAY)
    assert len(ruleset.results) == 1 and ruleset.ok  # the lender's broken rule is not ours
    assert list(ruleset.rules) == ["mine"] and "logs" not in ruleset.rules


def test_a_playbook_given_as_rules_is_refused(repo: Path):
    ruleset = load_rules([(repo / "playbooks" / "ransomware.yaml", False)])
    (error,) = ruleset.errors
    assert "this is a playbook file, not a rules file (irdesk: rules/1)" in error.message


def test_an_unreadable_file_is_named_when_a_source_is_then_undeclared(tmp_path: Path):
    broken = tmp_path / "a.yaml"
    broken.write_text("irdesk: rules/1\nsources: [\n")
    mine = _write(tmp_path, "b.yaml", RULE.format("r", "x"))
    ruleset = load_rules([(broken, False), (mine, False)])
    (error,) = ruleset.results[1].errors
    assert error.message.endswith(f"({broken} could not be read and may declare it)")


def test_load_file_keeps_what_loaded_of_a_broken_rules_file():
    result = load_file(CORPUS / "requires-undeclared.yaml", today=TODAY)
    assert not result.ok and isinstance(result.model, RulesFile)
    assert [r.id for r in result.model.rules] == ["c-requires-undeclared"]


def test_bundled_rules_load_without_a_single_problem():
    ruleset = load_rules(default_files(), playbooks=bundled_playbooks(), today=date(2026, 11, 30))
    problems = [str(p) for r in ruleset.results for p in r.problems]
    assert problems == []
    assert {"auth", "system", "audit", "web-access"} <= set(ruleset.sources)
    assert len(ruleset.rules) >= 12
    for rule in ruleset.rules.values():
        assert rule.reference and rule.reference.startswith("https://"), rule.id


# --------------------------------------------------------------------------- irdesk validate


def run(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="irdesk", catch_exceptions=False)


def test_validate_reports_the_corpus_like_the_loader(tmp_path: Path):
    folder = tmp_path / "corpus_rules"
    shutil.copytree(CORPUS, folder)
    result = run("validate", str(folder))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    missing, checked = unprinted(lines, folder, cases())
    assert not missing, "\n".join(missing)
    assert checked >= 45
    ok = [line for line in lines if line.startswith("ok ")]
    warning_only = [p for p in cases() if all(w.severity != "error" for w in expectations(p))]
    assert len(ok) == len(warning_only) + 1  # and the shared sources
    assert any("rules-for-cases/shared.yaml  (rules: 2 sources, 0 rules)" in x for x in ok)
    assert "Traceback" not in result.output


def test_validate_json_for_a_rules_file():
    result = run("validate", "--format", "json", str(CORPUS / "regex-plain.yaml"))
    assert result.exit_code == 1
    (entry,) = json.loads(result.stdout)["files"]
    assert (entry["kind"], entry["id"], entry["ok"]) == ("rules", None, False)
    # the rule did not load (its pattern), so its requires are not looked at
    assert [(p["line"], p["column"], p["key_path"]) for p in entry["problems"]] == [
        (10, 32, "rules[0].match")
    ]


def test_validate_without_paths_checks_bundled_and_your_rules(irdesk_home: Path):
    mine = irdesk_home / "rules"
    _write(mine, "mine.yaml", RULE.format("my-rule", "x").replace("[logs]", "[auth]"))
    result = run("validate")
    assert result.exit_code == 0, result.output
    assert f"ok      {mine / 'mine.yaml'}  (rules: 0 sources, 1 rule)" in result.stdout
    assert "rules/ssh.yaml  (rules: 0 sources, 3 rules)" in result.stdout
