"""The loader against a corpus of broken files, one per rule, each naming the exact error.

Every ``tests/corpus/*.yaml`` starts with one or more header lines::

    # expect: LINE:COLUMN: SEVERITY: KEY.PATH: MESSAGE-SUBSTRING

(the key path is left out when the problem has none, as ``irdesk validate`` prints it).
Each expected problem must be reported with exactly that position, severity and key
path, its message containing the substring; no error may be reported that the header
does not announce. Scenarios in the corpus resolve their playbook among
``tests/corpus/playbooks-for-scenarios/`` (what ``irdesk validate tests/corpus`` does too).

Cases that cannot live in a committed text file (binary, NUL, invalid UTF-8, huge,
unreadable) are generated in ``tmp_path`` further down.
"""

from __future__ import annotations

import functools
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from helpers_corpus import (
    CORPUS,
    CRASHES,
    LOADER_BUGS,
    REPORTED_TWICE,
    TODAY,
    corpus_files,
    expectations,
)

from irdesk.domain.models import END, Phase, Playbook, Roster, Scenario
from irdesk.domain.problems import LoadError, Severity
from irdesk.formats.catalog import Catalog
from irdesk.formats.loader import (
    FileResult,
    load_file,
    load_playbook,
    load_roster,
    load_scenario,
)

TESTS = Path(__file__).resolve().parents[1]
SCENARIO_PLAYBOOKS = CORPUS / "playbooks-for-scenarios"
FIXTURES = TESTS / "fixtures"
# Fixed, so review-date warnings do not change with the calendar.

# One corpus file per rule of FORMATS.md and the loader; the test below fails if any goes
# missing (a deleted file would otherwise silently shrink the coverage).
REQUIRED_CASES = """
    missing-marker wrong-marker newer-format not-a-mapping scalar-document empty-file
    unknown-key-hint unknown-key-no-hint unknown-key-top
    missing-key-playbook missing-key-step missing-key-role missing-key-timer
    missing-key-option missing-key-checklist scenario-missing-key roster-missing-key
    bad-id bad-inject-id duplicate-step-id duplicate-role-id duplicate-inject-id
    duplicate-objective-id duplicate-timer-id duplicate-option-label duplicate-yaml-key
    duration-bare-integer duration-bad-string duration-zero-within duration-infinite
    unknown-phase next-and-decision next-unknown-step decision-target-unknown
    decision-single-option undeclared-role-step undeclared-role-owner
    undeclared-role-contact-point undeclared-role-escalate event-bad-syntax
    event-unknown-step event-inject-in-playbook timer-start-equals-stop
    escalate-level1-after escalate-level2-no-after repeat-without-escalate
    marks-unknown-milestone boolean-as-text unreachable-step no-path-to-end
    reviewed-dates reviewed-future reviewed-not-a-date bad-date shape-errors
    checklist-errors key-not-text scenario-unknown-playbook scenario-expect-unknown-step
    scenario-expect-unknown-objective scenario-expect-unknown-inject inject-after-itself
    inject-after-loop inject-after-duration inject-id-not-text objective-no-expectation
    roster-command-string roster-unknown-placeholder roster-placeholder-syntax
    roster-person-duplicate roster-on-call-not-bool roster-bad-role-id
    roster-placeholder-format-spec roster-placeholder-index roster-program-placeholder
    roster-name-flag roster-away-errors config-errors
    multiple-documents tab-indentation bad-indentation recursive-alias alias-bomb
    merge-key-not-mapping control-character several-errors
""".split()


@functools.cache
def scenario_playbooks() -> dict[str, Playbook]:
    playbooks = {}
    for path in sorted(SCENARIO_PLAYBOOKS.glob("*.yaml")):
        playbooks[path.stem] = load_playbook(path, today=TODAY)
    return playbooks


def load_case(path: Path) -> FileResult:
    return load_file(path, resolve_playbook=scenario_playbooks().get, today=TODAY)


def _params(marks_for: dict[str, str]):
    return [
        pytest.param(
            path,
            id=path.stem,
            marks=[pytest.mark.xfail(strict=True, reason=f"loader bug: {marks_for[path.stem]}")]
            if path.stem in marks_for
            else [],
        )
        for path in corpus_files()
    ]


# --------------------------------------------------------------------------- the corpus


def test_corpus_has_a_case_for_every_rule():
    present = {p.stem for p in corpus_files()}
    assert sorted(set(REQUIRED_CASES) - present) == []
    for path in corpus_files():
        assert expectations(path), f"{path.name} has no '# expect:' header"


def test_scenario_playbook_helper_is_valid():
    playbooks = scenario_playbooks()
    assert set(playbooks) == {"corpus-base"}
    assert playbooks["corpus-base"].id == "corpus-base"


@pytest.mark.parametrize("path", _params(LOADER_BUGS))
def test_corpus_case(path: Path):
    expected = expectations(path)
    result = load_case(path)
    assert isinstance(result, FileResult)
    shown = "\n".join(str(p) for p in result.problems) or "(no problems)"
    for want in expected:
        assert any(want.matches(p) for p in result.problems), f"expected {want}\ngot:\n{shown}"
    unexpected = [p for p in result.errors if not any(want.matches(p) for want in expected)]
    assert not unexpected, "unexpected errors:\n" + "\n".join(map(str, unexpected))
    # A file with errors yields no model; a file with only warnings loads.
    if any(w.severity == "error" for w in expected):
        assert result.model is None and not result.ok
    else:
        assert result.ok and result.model is not None
        assert result.warnings


@pytest.mark.parametrize(
    "path", _params({**REPORTED_TWICE, **{n: LOADER_BUGS[n] for n in CRASHES}})
)
def test_each_problem_is_reported_once(path: Path):
    result = load_case(path)
    seen = [(p.line, p.column, p.key_path, p.message) for p in result.problems]
    duplicates = {s for s in seen if seen.count(s) > 1}
    assert not duplicates


def test_several_errors_are_all_reported_with_their_lines():
    result = load_case(CORPUS / "several-errors.yaml")
    lines = {p.line for p in result.errors}
    assert len(result.errors) >= 3 and len(lines) >= 3
    # in file order, from the top-level contact_point down to the third step
    assert {14, 22, 23, 26, 27, 28} <= lines


def test_key_path_and_position_render_as_file_line_column():
    result = load_case(CORPUS / "next-unknown-step.yaml")
    (problem,) = result.errors
    assert str(problem).startswith(
        f"{CORPUS / 'next-unknown-step.yaml'}:17:11: error: steps[0].next: unknown step"
    )


# --------------------------------------------------------------------------- generated cases


def _playbook_text(ident: str = "generated") -> str:
    return (FIXTURES / "playbook-valid.yaml").read_text().replace("fixture-phish", ident)


def test_nul_bytes_are_refused_as_binary(tmp_path: Path):
    path = tmp_path / "nul.yaml"
    path.write_bytes(b"irdesk: playbook/1\nid: nul\ntitle: a\x00b\n")
    result = load_file(path)
    (problem,) = result.problems
    assert (problem.line, problem.severity) == (3, Severity.ERROR)
    assert "contains NUL bytes; is this a binary file?" in problem.message
    assert result.model is None


def test_nul_byte_column(tmp_path: Path):
    path = tmp_path / "nul.yaml"
    path.write_bytes(b"irdesk: playbook/1\nid: nul\ntitle: a\x00b\n")
    (problem,) = load_file(path).problems
    assert (problem.line, problem.column) == (3, 9)


def test_binary_file_is_refused_as_not_utf8(tmp_path: Path):
    path = tmp_path / "image.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (problem,) = load_file(path).problems
    assert (problem.line, problem.column) == (1, 1)
    assert "not UTF-8 text (byte 0x89 at offset 0); is this a binary file?" in problem.message


def test_invalid_utf8_names_line_column_and_byte(tmp_path: Path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("irdesk: playbook/1\nid: x\ntitle: Caf\xe9\n".encode("latin-1"))
    (problem,) = load_file(path).problems
    assert (problem.line, problem.column) == (3, 11)
    assert "not UTF-8 text (byte 0xe9 at offset 35)" in problem.message


def test_invalid_utf8_after_a_bom(tmp_path: Path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfirdesk: playbook/1\nid: x\ntitle: Caf\xe9\n")
    (problem,) = load_file(path).problems
    assert (problem.line, problem.column) == (3, 11)
    assert "byte 0xe9" in problem.message


def test_utf8_bom_is_accepted(tmp_path: Path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + _playbook_text("with-bom").encode())
    result = load_file(path, today=TODAY)
    assert result.ok and result.model.id == "with-bom"


def test_deep_nesting_is_refused_with_its_position(tmp_path: Path):
    path = tmp_path / "deep.yaml"
    path.write_text("[" * 100 + "]" * 100)
    (problem,) = load_file(path).problems
    assert "nested too deeply (more than 64 levels)" in problem.message
    assert (problem.line, problem.column) == (1, 66)


def test_ten_thousand_brackets_are_refused_quickly(tmp_path: Path):
    path = tmp_path / "deeper.yaml"
    path.write_text("[" * 10_000 + "]" * 10_000)
    started = time.perf_counter()
    result = load_file(path)
    assert time.perf_counter() - started < 5
    (problem,) = result.problems
    assert problem.severity is Severity.ERROR
    assert "nested too deeply" in problem.message


def test_ten_thousand_brackets_name_a_position(tmp_path: Path):
    path = tmp_path / "deeper.yaml"
    path.write_text("[" * 10_000 + "]" * 10_000)
    (problem,) = load_file(path).problems
    assert (problem.line, problem.column) == (1, 66)


def test_fifty_megabytes_are_refused_fast_without_reading(tmp_path: Path):
    path = tmp_path / "huge.yaml"
    chunk = b"# " + b"x" * 1021 + b"\n"
    with path.open("wb") as handle:
        handle.write(_playbook_text("huge").encode())
        for _ in range(50 * 1024):
            handle.write(chunk)
    assert path.stat().st_size > 50 * 1024 * 1024
    started = time.perf_counter()
    result = load_file(path)
    assert time.perf_counter() - started < 0.5
    (problem,) = result.problems
    assert problem.severity is Severity.ERROR and problem.line is None
    assert "file is 50.0 MB; irdesk reads files of at most 2 MB" in problem.message
    assert result.model is None


def test_unreadable_file_reports_permission_denied(tmp_path: Path, monkeypatch):
    # Tests run as root in CI, where chmod 000 does not stop reads: simulate the refusal.
    path = tmp_path / "locked.yaml"
    path.write_text(_playbook_text("locked"))
    real_open, real_read = Path.open, Path.read_bytes

    def refuse_open(self, *args, **kwargs):
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    def refuse_read(self):
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    monkeypatch.setattr(Path, "open", refuse_open)
    monkeypatch.setattr(Path, "read_bytes", refuse_read)
    result = load_file(path)
    (problem,) = result.problems
    assert problem.message == "permission denied: irdesk cannot read this file"
    assert problem.file == str(path) and result.model is None


def test_missing_file_and_folder(tmp_path: Path):
    (missing,) = load_file(tmp_path / "nope.yaml").problems
    assert missing.message == "no such file"
    (folder,) = load_file(tmp_path).problems
    assert folder.message == "is a folder, not a file"


def test_load_file_reports_other_kind_when_one_is_expected():
    result = load_file(FIXTURES / "roster-valid.yaml", expect="playbook")
    (problem,) = result.errors
    assert problem.message == "this is a roster file; expected a playbook"
    assert problem.key_path == "irdesk" and problem.line == 1
    assert result.model is None


# --------------------------------------------------------------------------- raising loaders


def test_load_playbook_raises_load_error_with_every_problem():
    with pytest.raises(LoadError) as caught:
        load_playbook(CORPUS / "several-errors.yaml", today=TODAY)
    error = caught.value
    assert len(error.errors) == 6
    text = str(error)
    assert text.startswith(str(CORPUS / "several-errors.yaml") + ":")
    assert text.endswith("(and 5 more problems)")


def test_load_playbook_refuses_a_scenario():
    with pytest.raises(LoadError, match="this is a scenario file; expected a playbook"):
        load_playbook(FIXTURES / "scenario-valid.yaml")


def test_load_scenario_without_resolver_reports_unresolved_playbook():
    with pytest.raises(LoadError) as caught:
        load_scenario(FIXTURES / "scenario-valid.yaml")
    (problem,) = caught.value.errors
    assert problem.key_path == "playbook" and (problem.line, problem.column) == (4, 11)
    assert "no playbook with id 'fixture-phish' found" in problem.message


def test_load_roster_raises_on_shell_command():
    with pytest.raises(LoadError, match="never runs a command through a shell"):
        load_roster(CORPUS / "roster-command-string.yaml")


# --------------------------------------------------------------------------- valid files


def test_valid_playbook_becomes_a_model():
    playbook = load_playbook(FIXTURES / "playbook-valid.yaml", today=TODAY)
    assert isinstance(playbook, Playbook)
    assert playbook.id == "fixture-phish" and playbook.version == "1"
    assert playbook.reviewed == date(2026, 1, 15)
    assert [r.id for r in playbook.roles] == ["commander", "scribe", "security-lead"]
    assert playbook.severities == ("SEV1", "SEV2", "SEV3")
    triage = playbook.step("triage")
    assert triage.phase is Phase.DETECTION and triage.within == timedelta(minutes=15)
    assert triage.marks == "acknowledged"
    assert [(c.text, c.evidence) for c in triage.checklist] == [
        ("Identify every recipient", False),
        ("Preserve the original message with full headers", True),
    ]
    decision = playbook.step("attacker-active")
    assert [o.next for o in decision.decision] == ["revoke-sessions", "preserve-evidence"]
    assert playbook.next_after("revoke-sessions") == "preserve-evidence"
    assert playbook.next_after("lessons") == END
    acknowledge, contain = playbook.timers
    assert str(acknowledge.start) == "declared" and str(acknowledge.stop) == "acknowledged"
    assert [lvl.role for lvl in acknowledge.escalate] == ["commander", "security-lead"]
    assert acknowledge.level_offsets() == (timedelta(minutes=20), timedelta(minutes=30))
    assert acknowledge.repeat == timedelta(minutes=10)
    assert str(contain.stop) == "step:revoke-sessions:done"
    assert contain.within == timedelta(hours=1, minutes=30)
    assert playbook.source is not None and len(playbook.source.sha256) == 64


def test_valid_scenario_and_roster_become_models():
    playbook = load_playbook(FIXTURES / "playbook-valid.yaml", today=TODAY)
    scenario = load_scenario(FIXTURES / "scenario-valid.yaml", {playbook.id: playbook}.get)
    assert isinstance(scenario, Scenario)
    assert scenario.playbook == "fixture-phish" and scenario.duration == timedelta(hours=1)
    first = scenario.inject("first-report")
    assert first.sender == "Helpdesk" and first.at == timedelta(0)
    (expectation,) = first.expect
    assert str(expectation.event) == "step:triage:done"
    assert expectation.objective == "contain-fast"
    assert str(scenario.inject("follow-up").after) == "inject:second-victim"
    roster = load_roster(FIXTURES / "roster-valid.yaml")
    assert isinstance(roster, Roster)
    assert [p.name for p in roster.on_call("commander")] == ["Ada Moreno"]
    assert [p.name for p in roster.on_call("scribe")] == ["Grace Li"]  # nobody on call: all
    assert roster.notify.command == ("notify-send", "irdesk: {incident}", "{message}")


def test_bundled_files_are_valid(repo: Path):
    files = sorted((repo / "playbooks").glob("*.yaml")) + sorted(
        (repo / "scenarios").glob("*.yaml")
    )
    if not files:
        pytest.skip("no bundled playbooks or scenarios yet")
    catalog = Catalog.load([(repo / "playbooks", True), (repo / "scenarios", True)])
    broken = [str(p) for r in catalog.results for p in r.errors]
    assert not broken, "\n".join(broken)
    assert len(catalog.results) == len(files)


# --------------------------------------------------------------------------- facilitator text


def _with_facilitator_text(tmp_path: Path, scenario_note: str, inject_note: str) -> Path:
    text = (FIXTURES / "scenario-valid.yaml").read_text(encoding="utf-8")
    text = text.replace("\nobjectives:", f"\nfacilitator: {scenario_note}\nobjectives:", 1)
    text = text.replace(
        "    from: Helpdesk\n", f"    from: Helpdesk\n    facilitator: {inject_note}\n", 1
    )
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_facilitator_text_on_the_scenario_and_an_inject_is_kept_apart(tmp_path: Path):
    playbook = load_playbook(FIXTURES / "playbook-valid.yaml", today=TODAY)
    path = _with_facilitator_text(tmp_path, "The invoice is real.", "Play the clerk anxious.")
    scenario = load_scenario(path, {playbook.id: playbook}.get)
    assert scenario.facilitator == "The invoice is real."
    first = scenario.inject("first-report")
    assert first.facilitator == "Play the clerk anxious."
    assert "anxious" not in first.text and "invoice is real" not in scenario.summary
    assert scenario.inject("follow-up").facilitator == ""  # optional


def test_facilitator_text_must_be_text(tmp_path: Path):
    playbook = load_playbook(FIXTURES / "playbook-valid.yaml", today=TODAY)
    path = _with_facilitator_text(tmp_path, "[1, 2]", "fine")
    with pytest.raises(LoadError) as caught:
        load_scenario(path, {playbook.id: playbook}.get)
    (problem,) = caught.value.errors
    assert problem.key_path == "facilitator" and "expected text" in problem.message


def test_bundled_scenarios_keep_facilitator_notes_out_of_what_players_see(repo: Path):
    """What players see (summary, inject text and sender) never talks to the facilitator:
    such notes belong in the ``facilitator`` fields, which the player view never shows."""
    catalog = Catalog.load([(repo / "playbooks", True), (repo / "scenarios", True)])
    assert catalog.scenarios
    for scenario in catalog.scenarios.values():
        assert scenario.facilitator.strip(), scenario.id
        shown = [scenario.summary] + [f"{i.sender}\n{i.text}" for i in scenario.injects]
        for text in shown:
            lowered = text.lower()
            assert "facilitator" not in lowered, (scenario.id, text)
            assert "hand out" not in lowered, (scenario.id, text)
