"""The README is part of the feature: its Quickstart and reference must stay true."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from irdesk.cli import COMMAND_NAMES

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text()


def quickstart() -> str:
    return README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]


def test_quickstart_has_exactly_two_commands_install_and_test():
    blocks = re.findall(r"```\n(.*?)\n```", quickstart(), flags=re.S)
    assert len(blocks) == 2
    assert all("\n" not in block for block in blocks), "each command is one line"
    install, test = blocks
    assert "pip install -e ." in install and install.endswith("irdesk demo")
    assert 'pip install -e ".[test]"' in test and test.endswith("python -m pytest")


def test_ci_runs_the_readme_test_command():
    extracted = subprocess.run(
        ["sed", "-n", "/<!-- test-command -->/{n;n;p;}", str(REPO / "README.md")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    blocks = re.findall(r"```\n(.*?)\n```", quickstart(), flags=re.S)
    assert extracted == blocks[1]
    ci = (REPO / ".ci" / "run").read_text()
    assert "<!-- test-command -->" in ci and 'bash -c "$TEST_COMMAND"' in ci
    assert (REPO / ".ci" / "run").stat().st_mode & 0o111, ".ci/run must be executable"


def test_every_command_is_in_the_reference():
    reference = README.split("### Commands", 1)[1].split("### Keys", 1)[0]
    for name in COMMAND_NAMES:
        assert f"`irdesk {name}" in reference, f"irdesk {name} is not documented"


def test_readme_links_resolve():
    for target in re.findall(r"\]\(((?!https?:)[^)#]+)\)", README):
        assert (REPO / target).exists(), f"README links to missing {target}"


def test_no_unfinished_placeholders():
    assert "BENCHMARKS" not in README.replace("### Benchmarks", "")


def _tool(command: str) -> str:
    """The check a command line runs: ruff's subcommand, or the program."""
    words = command.split()
    return " ".join(words[:2]) if words[0] == "ruff" else words[0]


def test_pre_commit_runs_the_checks_ci_runs_and_works_offline():
    import yaml

    ci = (REPO / ".ci" / "run").read_text()
    checks = {_tool(c) for c in re.findall(r'^echo "\+ ([^$"]*)"$', ci, flags=re.M)}
    assert checks == {"ruff check", "ruff format", "lint-imports", "mypy"}
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())
    assert all(repo["repo"] == "local" for repo in config["repos"]), "nothing to download"
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert all(hook["language"] == "system" for hook in hooks), "the venv's own tools"
    assert {_tool(hook["entry"]) for hook in hooks} == checks


def _commands(group, prefix=()):  # noqa: ANN001, ANN202
    import click

    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


def test_every_commands_one_line_help_is_a_whole_sentence():
    """`irdesk --help` shows each command's first sentence; click ends it at the first
    ". ", so "(e.g. INC-0003" was all `report` said of itself."""
    from irdesk.cli import main

    cut = []
    for path, command in _commands(main):
        short = command.get_short_help_str(limit=1000)
        if not short or short.count("(") != short.count(")") or short.endswith(("e.g.", "i.e.")):
            cut.append(f"{' '.join(path)}: {short!r}")
    assert cut == []
