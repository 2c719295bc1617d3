"""``irdesk validate``: check playbooks, scenarios, rosters and rules files; exit 0 only when
all are valid."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from irdesk import paths
from irdesk.domain.config import Config
from irdesk.domain.durations import format_duration
from irdesk.domain.models import Playbook, Roster, Scenario
from irdesk.domain.problems import Severity
from irdesk.formats.catalog import Catalog, default_sources, expand, load_trusted
from irdesk.formats.loader import FileResult
from irdesk.text import visible


def display_path(path: Path) -> str:
    """Relative to the working folder when inside it (editors can jump to it), else absolute."""
    try:
        inside = Path(path).resolve().is_relative_to(Path.cwd())
        return os.path.relpath(path) if inside else str(path)
    except (OSError, ValueError):
        return str(path)


def check(paths_given: tuple[Path, ...]) -> list[FileResult]:
    """Load what was asked (or the defaults) and return one result per file."""
    from irdesk.formats.rules import check_given, default_files, load_rules

    if not paths_given:
        catalog = Catalog.load(default_sources())
        # The roster and the config decide what runs: refused when others could write them.
        for path, kind in ((paths.roster_path(), "roster"), (paths.config_path(), "config")):
            if path.exists():
                catalog.results.append(load_trusted(path, kind))
        return catalog.results + load_rules(default_files(), playbooks=catalog.playbooks).results
    # Scenarios among the given files may name playbooks that are not among them:
    # those resolve against the user's and the bundled playbooks.
    known = Catalog.load(default_sources())
    catalog = Catalog(playbooks=dict(known.playbooks))
    files: list[tuple[Path, bool]] = []
    for given in paths_given:
        files.extend((f, False) for f in expand(given, catalog, must_exist=True))
    catalog.add_files(files)
    # Rules files are checked together (source ids across files, requires); the bundled
    # and your own rules files lend their sources to the ones given.
    rules_files = [r for r in catalog.results if r.kind == "rules"]
    if rules_files:
        check_given(rules_files, playbooks={**known.playbooks, **catalog.playbooks})
    return catalog.results


@click.command()
@click.argument("targets", metavar="[PATH]...", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json is for CI pipelines.",
)
@click.option("--strict", is_flag=True, help="Treat warnings as failures too.")
@click.option("-q", "--quiet", is_flag=True, help="Print problems only, not valid files.")
def validate(targets: tuple[Path, ...], fmt: str, strict: bool, quiet: bool) -> None:
    """Check playbooks, scenarios, rosters, rules and config files (files or folders).

    Without PATH: the bundled content plus your own playbooks, scenarios, roster, rules and
    config (the roster and config are also refused when others could have written them).
    Exits 0 when everything is valid, 1 otherwise.
    """
    results = check(targets)
    for result in results:
        result.problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    failed = [r for r in results if not r.ok or (strict and r.warnings)]
    if fmt == "json":
        click.echo(json.dumps(_as_json(results, failed), indent=2))
    else:
        _print_text(results, failed, quiet)
    raise SystemExit(1 if failed or not results else 0)


def _describe(result: FileResult) -> str:
    """What a file that loaded holds, in a few words."""
    from irdesk.formats.rules import RulesFile

    model = result.model
    if isinstance(model, Playbook):
        return f"playbook {result.id} v{model.version}: {len(model.steps)} steps"
    if isinstance(model, Scenario):
        return f"scenario {result.id} ({model.playbook}): {len(model.injects)} injects"
    if isinstance(model, RulesFile):
        sources, rules = len(model.sources), len(model.rules)
        return f"rules: {sources} source{'s' * (sources != 1)}, {rules} rule{'s' * (rules != 1)}"
    if isinstance(model, Config):
        every = format_duration(model.watch.interval)
        times = ", ".join(t.strftime("%H:%M") for t in model.watch.check_at)
        line = f"config: the watcher looks every {every}, checks readiness at {times}"
        scan = model.scan
        if scan.every is not None:
            line += f", scans every {format_duration(scan.every)}"
        named = [f"{k} {format_duration(v) if v else 'off'}" for k, v in scan.sources.items()]
        if named:
            line += f" ({', '.join(named)})"
        if model.seal is not None and model.seal.on_close:
            line += f", seals on close as {model.seal.principal}"
        return line
    assert isinstance(model, Roster), "only files that loaded are described"
    return f"roster: {len(model.people)} people"


def _print_text(results: list[FileResult], failed: list[FileResult], quiet: bool) -> None:
    warnings = 0
    for result in results:
        shown = display_path(result.path)
        if result.ok and not quiet:
            click.echo(visible(f"ok      {shown}  ({_describe(result)})"))
        for problem in result.problems:
            warnings += problem.severity is Severity.WARNING
            text = str(problem).replace(problem.file, shown, 1)
            click.echo(visible(text), err=False)
    if not results:
        click.echo("no playbook, scenario or roster files found", err=True)
        return
    valid = sum(r.ok for r in results)
    summary = f"{len(results)} file{'s' * (len(results) != 1)}: {valid} valid"
    invalid = len(results) - valid
    if invalid:
        summary += f", {invalid} invalid"
    if warnings:
        summary += f", {warnings} warning{'s' * (warnings != 1)}"
    click.echo(summary)


def _as_json(results: list[FileResult], failed: list[FileResult]) -> dict:
    return {
        "ok": bool(results) and not failed,
        "files": [
            {
                "path": str(r.path),
                "kind": r.kind,
                "id": r.id,
                "bundled": r.bundled,
                "ok": r.ok,
                "problems": [p.as_dict() for p in r.problems],
            }
            for r in results
        ],
        "summary": {
            "files": len(results),
            "valid": sum(r.ok for r in results),
            "errors": sum(len(r.errors) for r in results),
            "warnings": sum(len(r.warnings) for r in results),
        },
    }
