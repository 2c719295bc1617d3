"""``irdesk drill``: declare a tabletop exercise on a scenario and open it in the desk."""

from __future__ import annotations

import click

from irdesk.cli.common import Failure, actor_option, journal_option, make_desk, open_journal
from irdesk.domain.durations import format_duration
from irdesk.formats.catalog import Catalog, NotFound
from irdesk.text import squeezed


def scenario_lines(catalog: Catalog) -> list[str]:
    """One line per scenario: id, playbook, duration, injects, title; then the scenario
    files that cannot be run, each with its first problem."""
    rows = [
        (s.id, s.playbook, format_duration(s.duration), str(len(s.injects)), squeezed(s.title))
        for s in sorted(catalog.scenarios.values(), key=lambda s: s.id)
    ]
    lines: list[str] = []
    if rows:
        header = ("SCENARIO", "PLAYBOOK", "DURATION", "INJECTS", "TITLE")
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
        lines = [
            "  ".join([*(c.ljust(w) for c, w in zip(row[:4], widths, strict=True)), row[4]])
            for row in [header, *rows]
        ]
    invalid = sorted(catalog.invalid_of("scenario"), key=lambda r: str(r.path))
    if invalid:
        lines += ["", "NOT RUNNABLE (irdesk validate FILE lists every problem)"]
        for result in invalid:
            errors = result.errors
            first = squeezed(str(errors[0])) if errors else "cannot be loaded"
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            lines.append(f"{squeezed(result.id or result.path.stem)}  {first}{more}")
    return lines


def _one_line(message: str, scenario: str) -> str:
    """A file with several problems: the first, and where to see them all."""
    lines = [ln for ln in message.splitlines() if ln.strip()] or ["scenario not found"]
    if len(lines) == 1:
        return lines[0]
    return (
        f"{lines[0]} (and {len(lines) - 1} more problem{'s' * (len(lines) > 2)}: "
        f"irdesk validate {scenario} lists them)"
    )


@click.command()
@click.argument("scenario", required=False)
@click.option("--list", "list_only", is_flag=True, help="List the available scenarios and exit.")
@click.option("--title", default=None, help='Drill title (default: "Drill: " + scenario title).')
@click.option("--commander", default=None, help="Incident commander (default: you).")
@journal_option
@actor_option
def drill(scenario, list_only, title, commander, journal_path, actor) -> None:
    """Run a tabletop exercise: declare a drill on SCENARIO and open it.

    SCENARIO is a scenario id or a path to a scenario file. The drill is journaled as a
    drill (never mixed into live-incident metrics); the exercise clock starts when the
    facilitator starts it, after reading the summary.
    """
    if list_only:
        if scenario:
            raise Failure("give either --list or a SCENARIO, not both")
        lines = scenario_lines(Catalog.load())
        if not lines:
            click.echo("no scenarios found")
            return
        for line in lines:
            click.echo(line)
        return
    if not scenario:
        raise Failure("give a SCENARIO id or file (irdesk drill --list shows them)")
    from irdesk.cli import incidents

    journal = open_journal(journal_path)
    try:
        desk = make_desk(journal, actor=actor)
        try:
            model = desk.catalog.scenario(scenario)
            session = desk.start_drill(model, title=title, commander=commander)
        except NotFound as exc:
            raise Failure(_one_line(str(exc), scenario)) from None
    except BaseException:
        journal.close()
        raise
    incidents.launch(desk, open_incident=session.incident_id)
