"""``irdesk validate`` (and the group's --help/--version), in-process with click's CliRunner."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers_corpus import CORPUS, CRASHES, LOADER_BUGS, corpus_files, expectations, unprinted

from irdesk import __version__, paths
from irdesk.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def run(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="irdesk", catch_exceptions=False)


def crash_free_corpus(tmp_path: Path) -> Path:
    """The corpus without the files that currently crash the loader (strict xfails)."""
    target = tmp_path / "corpus"
    shutil.copytree(
        CORPUS,
        target,
        ignore=lambda _d, names: [
            n for n in names if n.endswith(".yaml") and n[: -len(".yaml")] in CRASHES
        ],
    )
    return target


def expected_valid() -> int:
    """Corpus files announcing no error (warning-only cases), plus the scenarios' playbook."""
    warning_only = [
        p
        for p in corpus_files()
        if p.stem not in CRASHES and all(w.severity != "error" for w in expectations(p))
    ]
    assert len(warning_only) >= 5
    return len(warning_only) + 1


# --------------------------------------------------------------------------- the corpus


def test_validate_corpus_names_every_problem_at_its_line(tmp_path: Path):
    folder = crash_free_corpus(tmp_path)
    result = run("validate", str(folder))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    cases = [source for source in corpus_files() if source.stem not in LOADER_BUGS]
    missing, checked = unprinted(lines, folder, cases)
    assert not missing, "\n".join(missing)
    assert checked >= 80
    ok = [line for line in lines if line.startswith("ok ")]
    assert len(ok) == expected_valid()  # the warning-only cases and the scenarios' playbook
    assert any("playbooks-for-scenarios/corpus-base.yaml" in line for line in ok)
    valid = len(ok)
    total = len(list(folder.rglob("*.yaml")))
    assert lines[-1].startswith(f"{total} files: {valid} valid, {total - valid} invalid, ")
    assert "Traceback" not in result.output


def test_validate_whole_corpus_never_crashes():
    result = CliRunner().invoke(main, ["validate", str(CORPUS)])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 1
    for name in sorted(CRASHES):
        assert f"{name}.yaml:" in result.stdout


def test_validate_relative_paths_are_shown_relative(tmp_path: Path, monkeypatch):
    (tmp_path / "pb").mkdir()
    shutil.copy(CORPUS / "next-unknown-step.yaml", tmp_path / "pb" / "x.yaml")
    monkeypatch.chdir(tmp_path)
    result = run("validate", "pb")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith(
        os.path.join("pb", "x.yaml") + ":17:11: error: steps[0].next: unknown step"
    )


# --------------------------------------------------------------------------- outcomes


def test_validate_valid_folder_exits_zero():
    result = run("validate", str(FIXTURES))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[-1] == "3 files: 3 valid"
    assert sum(line.startswith("ok      ") for line in lines) == 3
    assert any("(playbook fixture-phish v1: 5 steps)" in line for line in lines)
    assert any("(scenario fixture-ttx (fixture-phish): 3 injects)" in line for line in lines)
    assert any("(roster: 2 people)" in line for line in lines)


def test_validate_quiet_prints_problems_only(tmp_path: Path):
    shutil.copy(FIXTURES / "playbook-valid.yaml", tmp_path / "good.yaml")
    shutil.copy(CORPUS / "unknown-phase.yaml", tmp_path / "bad.yaml")
    result = run("validate", "-q", str(tmp_path))
    assert result.exit_code == 1
    assert not any(line.startswith("ok ") for line in result.stdout.splitlines())
    assert "bad.yaml:16:12: error: steps[0].phase: unknown phase 'containmnet'" in result.stdout


def test_validate_json(tmp_path: Path):
    folder = crash_free_corpus(tmp_path)
    result = run("validate", "--format", "json", str(folder))
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert set(report) >= {"ok", "files", "summary"}
    assert report["ok"] is False
    files = {Path(f["path"]).name: f for f in report["files"]}
    assert len(files) == len(report["files"]) == report["summary"]["files"]
    assert report["summary"]["valid"] == sum(f["ok"] for f in report["files"])
    assert report["summary"]["valid"] == expected_valid()
    assert report["summary"]["errors"] == sum(
        p["severity"] == "error" for f in report["files"] for p in f["problems"]
    )
    assert report["summary"]["warnings"] >= 5
    entry = files["next-unknown-step.yaml"]
    assert (entry["kind"], entry["id"], entry["ok"], entry["bundled"]) == (
        "playbook",
        "next-unknown-step",
        False,
        False,
    )
    (problem,) = entry["problems"]
    assert problem == {
        "file": entry["path"],
        "line": 17,
        "column": 11,
        "key_path": "steps[0].next",
        "message": "unknown step 'revoke-sesions'; expected a step id or 'end'; "
        "did you mean 'revoke-sessions'?",
        "severity": "error",
    }


def test_validate_json_on_valid_files():
    result = run("validate", "--format", "json", str(FIXTURES))
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["summary"] == {"files": 3, "valid": 3, "errors": 0, "warnings": 0}
    assert sorted(f["kind"] for f in report["files"]) == ["playbook", "roster", "scenario"]


def test_strict_fails_on_warnings(tmp_path: Path):
    shutil.copy(CORPUS / "unreachable-step.yaml", tmp_path / "draft.yaml")
    relaxed = run("validate", str(tmp_path))
    assert relaxed.exit_code == 0
    assert "warning: steps[1]: step 'contain' cannot be reached" in relaxed.stdout
    assert relaxed.stdout.splitlines()[-1] == "1 file: 1 valid, 2 warnings"
    strict = run("validate", "--strict", str(tmp_path))
    assert strict.exit_code == 1
    strict_json = run("validate", "--strict", "--format", "json", str(tmp_path))
    assert strict_json.exit_code == 1 and json.loads(strict_json.stdout)["ok"] is False


def test_nonexistent_path(tmp_path: Path):
    missing = tmp_path / "no-such-thing"
    result = run("validate", str(missing))
    assert result.exit_code == 1
    assert f"{missing}: error: no such file or folder" in result.stdout


def test_empty_folder_is_a_failure(tmp_path: Path):
    result = run("validate", str(tmp_path))
    assert result.exit_code == 1
    assert "no playbook, scenario or roster files found" in result.output


def test_unreadable_folder_fails_validation(tmp_path: Path, monkeypatch):
    shutil.copy(FIXTURES / "playbook-valid.yaml", tmp_path / "good.yaml")
    locked = tmp_path / "locked"
    locked.mkdir()
    real_scandir = os.scandir

    def scandir(path="."):
        if Path(os.fsdecode(path)) == locked:
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = run("validate", str(tmp_path))
    assert result.exit_code == 1
    assert f"{locked}: error: permission denied: irdesk cannot list this folder" in (result.stdout)
    assert "ok      " in result.stdout  # the readable file is still validated


def test_scenario_given_alone_resolves_a_bundled_playbook(tmp_path: Path):
    bundled = sorted(paths.bundled_scenarios_dir().glob("*.yaml"))
    if not bundled:
        pytest.skip("no bundled scenarios yet")
    copy = tmp_path / bundled[0].name
    shutil.copy(bundled[0], copy)
    result = run("validate", str(copy))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok      ")


# --------------------------------------------------------------------------- defaults


def test_default_validates_bundled_and_user_content(irdesk_home: Path):
    bundled = sorted(paths.bundled_playbooks_dir().glob("*.yaml"))
    if not bundled:
        pytest.skip("no bundled playbooks yet")
    source = bundled[0]
    ident = next(
        line.split(":", 1)[1].strip()
        for line in source.read_text().splitlines()
        if line.startswith("id:")
    )
    (irdesk_home / "playbooks").mkdir(parents=True)
    mine = irdesk_home / "playbooks" / "my-copy.yaml"
    shutil.copy(source, mine)
    shutil.copy(FIXTURES / "roster-valid.yaml", paths.roster_path())

    result = run("validate")
    out = result.stdout
    assert f"{mine}: note: id: overrides the bundled playbook {ident!r} ({source})" in out
    assert f"ok      {mine}" in out
    assert "(roster: 2 people)" in out
    report = json.loads(run("validate", "--format", "json").stdout)
    assert result.exit_code == (0 if report["ok"] else 1)
    assert any(f["bundled"] for f in report["files"])
    assert any(f["path"] == str(mine) and not f["bundled"] for f in report["files"])


# --------------------------------------------------------------------------- the group


def test_help_lists_the_commands():
    result = run("--help")
    assert result.exit_code == 0
    assert "Usage: irdesk" in result.stdout
    commands = result.stdout.split("Commands:", 1)[1]
    names = main.list_commands(None)
    for name in names:
        assert f"\n  {name} " in commands or f"\n  {name}\n" in commands
    assert "validate" in names and "scan" in names and len(names) == 27
    assert {"ack", "status", "severity", "milestone", "assign"} <= set(names)
    assert {"watch", "check", "defects", "page"} <= set(names)
    assert {"findings", "ack", "dismiss", "rules"} <= set(names)
    assert "Check playbooks, scenarios, rosters, rules and config" in commands


def test_validate_help():
    result = run("validate", "--help")
    assert result.exit_code == 0
    for option in ("--format", "--strict", "--quiet"):
        assert option in result.stdout


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"irdesk, version {__version__}"


def test_python_dash_m_irdesk_version():
    done = subprocess.run(
        [sys.executable, "-m", "irdesk", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"irdesk, version {__version__}"


def test_validate_says_what_a_config_schedules_and_seals(tmp_path: Path):
    config = tmp_path / "config.yaml"
    config.write_text(
        "irdesk: config/1\nscan:\n  every: 1m\n  sources: {auth: 5s, web: off}\n"
        "seal:\n  key: ~/.ssh/id_ed25519\n  principal: ada@example.org\n"
    )
    done = CliRunner().invoke(main, ["validate", str(config)])
    assert done.exit_code == 0, done.output
    assert "scans every 1m (auth 5s, web off), seals on close as ada@example.org" in done.output
