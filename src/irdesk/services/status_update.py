"""A status update for stakeholders, composed from the incident's state.

What happened, the impact, the actions taken, the next steps and when the next update is
due: the same fold every screen shows, written as plain text to paste into a chat or an
email (``irdesk status-update``, the runner's update dialog). Issuing one journals it
(``update.issued``), which starts the playbook's update cadence (``updates:``) again.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from irdesk.domain.clock import to_utc
from irdesk.domain.durations import format_duration
from irdesk.domain.entry import Entry
from irdesk.domain.incident import ActionError, K
from irdesk.services.incident import IncidentSession
from irdesk.text import single_line, visible

#: how many of the latest notes an update quotes
LATEST_NOTES = 3


def _at(when: datetime) -> str:
    return to_utc(when).strftime("%Y-%m-%d %H:%M UTC")


def _hm(when: datetime) -> str:
    return to_utc(when).strftime("%H:%M UTC")


def compose(session: IncidentSession, now: datetime) -> str:
    """The status update as plain text (user text made inert, see :mod:`irdesk.text`)."""
    session.refresh()
    s = session.state
    pb = session.playbook
    one = single_line
    lines = [
        f"Status update: {one(s.incident_id)} {one(s.title)}",
        f"Severity {one(s.severity)} · status {one(s.status)} · as of {_at(now)}"
        + (f" ({format_duration(s.elapsed(now))} since declared)" if s.declared_at else ""),
        "",
        "What happened",
    ]
    happened = [f"{one(s.title)}."]
    if s.declared_at:
        happened.append(f"Declared {_hm(s.declared_at)} by {one(s.declared_by)}.")
    for name, words in (
        ("started", "Impact started"),
        ("detected", "Detected"),
        ("acknowledged", "Acknowledged"),
    ):
        when = s.milestone_time(name)
        if when is not None:
            happened.append(f"{words} {_hm(when)}.")
    if s.roles.get("commander"):
        happened.append(f"Commander: {one(s.roles['commander'])}.")
    lines.append("  " + " ".join(happened))
    lines += ["", "Impact"]
    lines.append(f"  Severity {one(s.severity)} ({_severity_words(session)}).")
    for name in ("contained", "resolved"):
        when = s.milestone_time(name)
        lines.append(f"  {name.capitalize()} {_hm(when)}." if when else f"  Not {name} yet.")
    lines += ["", "Actions taken"]
    actions = _actions(session)
    lines += actions or ["  none recorded yet"]
    lines += ["", "Next steps"]
    lines += _next_steps(session)
    lines += ["", "Next update"]
    due = s.update_due()
    every = pb.update_every(s.severity)
    if s.closed:
        lines.append("  none: the incident is closed.")
    elif due is not None and every is not None:
        lines.append(f"  by {_hm(due)} (every {format_duration(every)} at {one(s.severity)}).")
    else:
        lines.append(f"  when there is news (the playbook sets no cadence for {one(s.severity)}).")
    if s.links:
        lines += ["", "Links"]
        lines += [f"  {one(link.label or 'link')}: {one(link.url)}" for link in s.links]
    return visible("\n".join(lines) + "\n")


def _severity_words(session: IncidentSession) -> str:
    changes = [e for e in _entries(session, K.SEVERITY)]
    if not changes:
        return "as declared"
    last = changes[-1].payload
    reason = f": {single_line(last['reason'])}" if last.get("reason") else ""
    return f"from {single_line(last.get('from') or '?')} at {_hm(changes[-1].occurred_at)}{reason}"


def _entries(session: IncidentSession, kind: str) -> list[Entry]:
    return [e for e in session.journal.entries(session.incident_id) if e.kind == kind]


def _actions(session: IncidentSession) -> list[str]:
    s = session.state
    out = []
    seen: set[str] = set()
    for step_id in s.path:
        st = s.steps.get(step_id)
        if st is None or step_id in seen or not st.finished:
            continue
        seen.add(step_id)
        title = single_line(session.playbook.step(step_id).title)
        when = _hm(st.finished_at) if st.finished_at else ""
        if st.decision is not None:
            out.append(f"  - {title}: decided {single_line(st.decision[1])} ({when})")
        elif st.status == "skipped":
            out.append(f"  - {title}: skipped ({single_line(st.skip_reason or '')})")
        else:
            out.append(f"  - {title} ({when})")
    notes = [e for e in _entries(session, K.NOTE) if not e.payload.get("internal")]
    for note in notes[-LATEST_NOTES:]:
        out.append(
            f"  - note {_hm(note.occurred_at)} {single_line(note.actor)}: "
            f"{single_line(note.payload.get('text', ''))}"
        )
    return out


def _next_steps(session: IncidentSession) -> list[str]:
    s = session.state
    step = s.current_step
    if step is None or s.closed:
        return ["  none: the playbook's path has ended." if not s.closed else "  none."]
    owner = f" ({single_line(step.role)})" if step.role else ""
    out = [f"  - now: {single_line(step.title)}{owner}"]
    ticks = s.steps[step.id].ticks
    out += [
        f"    [ ] {single_line(item.text)}"
        for i, item in enumerate(step.checklist)
        if i not in ticks
    ]
    return out


def write(session: IncidentSession, text: str, path: Path) -> None:
    """Write the update to ``path`` (never over the journal's own files)."""
    try:
        if path.resolve() == Path(session.journal.path).resolve():
            raise ActionError(f"{path} is the journal itself")
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ActionError(f"cannot write {path}: {exc.strerror or exc}") from None


def issue(session: IncidentSession, text: str, *, written_to: Path | None = None) -> Entry:
    """Write the update to ``written_to`` if given, then journal that it was issued (its
    text, and the file it went to)."""
    if written_to is not None:
        write(session, text, written_to)
    return session.issue_update(text, written_to=str(written_to) if written_to else None)
