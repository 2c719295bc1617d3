"""The notify command's template: placeholders, read exactly, substituted without a shell.

A roster's ``notify.command`` is an argv list whose arguments may hold placeholders such as
``{incident}`` or ``{phone}``. Each is replaced inside its own argument by plain string
concatenation: no shell sees the result, and nothing of Python's format mini-language runs
(``{level:d}``, ``{people!r}``, ``{message.upper}`` or ``{people[0]}`` are refused when the
roster is read, and again here, so a command can never fail halfway through a page).

A value that would turn an argument into an option (a name ``--exec=...`` substituted at the
start of ``{people}``) is refused too: the notify program would read it as a flag.

Pure: the loader validates with :func:`template_problems`, the services build argv with
:func:`substitute` and :func:`calls`.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from irdesk.errors import ActionError, IrdeskError

if TYPE_CHECKING:
    from irdesk.domain.models import Roster

#: filled once per escalation or page
INCIDENT_PLACEHOLDERS: tuple[str, ...] = (
    "incident",
    "timer",
    "level",
    "role",
    "people",
    "message",
)
#: filled per person paged: a command that uses one runs once for each person
PERSON_PLACEHOLDERS: tuple[str, ...] = ("person", "phone", "email", "handle")
PLACEHOLDERS: tuple[str, ...] = INCIDENT_PLACEHOLDERS + PERSON_PLACEHOLDERS


class TemplateError(IrdeskError, ValueError):
    """A notify command that cannot be filled in safely (the message says why)."""


def _pieces(argument: str) -> list[tuple[str, str | None, str | None, str | None]]:
    try:
        return list(string.Formatter().parse(argument))
    except ValueError as exc:
        message = f"bad placeholder syntax: {exc} (write {{{{ for a literal brace)"
        raise TemplateError(message) from None


def template_problems(argument: str) -> list[str]:
    """What is wrong with one argument of a notify command (empty when nothing is)."""
    try:
        pieces = _pieces(argument)
    except TemplateError as exc:
        return [str(exc)]
    problems = []
    names = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
    for _literal, field, spec, conversion in pieces:
        if field is None:
            continue
        if field not in PLACEHOLDERS:
            problems.append(f"unknown placeholder {{{field}}}; expected one of: {names}")
        elif spec or conversion:
            extra = (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            problems.append(
                f"placeholder {{{field}{extra}}} has a format spec or conversion; "
                f"write {{{field}}} alone (irdesk substitutes text, it does not format it)"
            )
    return problems


def fields(command: Sequence[str]) -> set[str]:
    """The placeholders a (valid) command uses."""
    found: set[str] = set()
    for argument in command:
        for _literal, field, _spec, _conversion in _pieces(argument):
            if field is not None:
                found.add(field)
    return found


def per_person(command: Sequence[str]) -> bool:
    """True when the command names a person's details: it runs once for each person."""
    return bool(fields(command) & set(PERSON_PLACEHOLDERS))


def substitute(command: Sequence[str], values: Mapping[str, object]) -> tuple[str, ...]:
    """The argv: each argument with its placeholders replaced by ``values`` (missing ones
    are empty). Raises :class:`TemplateError` for a placeholder that is not exactly one of
    :data:`PLACEHOLDERS`, and for a value that would make an argument start with ``-``
    when its template does not (the program would read a person's name as an option)."""
    argv = []
    for index, argument in enumerate(command):
        problems = template_problems(argument) or (
            ["the program (argument 0) cannot hold a placeholder"]
            if index == 0 and fields([argument])
            else []
        )
        if problems:
            raise TemplateError(f"notify.command[{index}]: {problems[0]}")
        out = []
        for literal, field, _spec, _conversion in _pieces(argument):
            out.append(literal)
            if field is not None:
                out.append(str(values.get(field, "") or ""))
        value = "".join(out)
        if index > 0 and value.startswith("-") and not argument.startswith("-"):
            raise TemplateError(
                f"notify.command[{index}] would start with '-' ({value[:40]!r}): refused, "
                "so the notify program cannot read a name or detail as an option"
            )
        argv.append(value)
    return tuple(argv)


@dataclass(frozen=True)
class Contact:
    """What a notify command may know about one person."""

    name: str
    phone: str = ""
    email: str = ""
    handle: str = ""


@dataclass(frozen=True)
class Call:
    """One run of the notify command, or why it cannot run (``error``, ``argv`` None)."""

    argv: tuple[str, ...] | None
    person: str | None = None  # the person this run pages (per-person commands)
    error: str | None = None


def calls(
    command: Sequence[str],
    values: Mapping[str, object],
    people: Sequence[str],
    contacts: Mapping[str, Contact],
) -> list[Call]:
    """The runs of the notify command one page needs: one, or one per person when the
    command uses a person's details. A person with no such detail in the roster gets a
    :class:`Call` that says so instead of a run with an empty phone number."""
    if not per_person(command):
        try:
            return [Call(substitute(command, values))]
        except TemplateError as exc:
            return [Call(None, None, str(exc))]
    if not people:
        return [Call(None, None, f"nobody to page for {values.get('role') or 'this page'}")]
    used = fields(command) & {"phone", "email", "handle"}
    result = []
    for name in people:
        contact = contacts.get(name)
        if contact is None:
            result.append(
                Call(None, name, f"{name} is not in the roster: no {_or(sorted(used))} to page")
            )
            continue
        missing = sorted(f for f in used if not getattr(contact, f))
        if missing:
            result.append(Call(None, name, f"no {_or(missing)} for {name} in the roster"))
            continue
        filled = {
            **values,
            "person": contact.name,
            "phone": contact.phone,
            "email": contact.email,
            "handle": contact.handle,
        }
        try:
            result.append(Call(substitute(command, filled), name))
        except TemplateError as exc:
            result.append(Call(None, name, str(exc)))
    return result


def check_name(name: str) -> str:
    """A person's name as typed (a role holder, a commander): it will reach notify commands
    through ``{people}``, so it cannot start with ``-``."""
    if name.lstrip().startswith("-"):
        raise ActionError(
            f"a name cannot start with '-' ({name[:40]!r}): a notify command would read it "
            "as an option"
        )
    return name


def people_for(
    role: str, roster: Roster, holders: Mapping[str, str], today: date
) -> tuple[str, ...]:
    """Who a page to ``role`` reaches: whoever holds it in the incident (``holders``), then
    who is on call for it ``today`` and not away (see :meth:`Roster.on_call_on`)."""
    names = [holders[role]] if holders.get(role) else []
    names += [p.name for p in roster.on_call_on(role, today) if p.name not in names]
    return tuple(names)


def on_call_people(roster: Roster, today: date) -> tuple[str, ...]:
    """Everyone marked on call ``today`` and not away, whatever their role."""
    return tuple(p.name for p in roster.people if p.on_call and not p.away_on(today))


def page_target(
    target: str,
    roster: Roster,
    roles: Iterable[str],
    holders: Mapping[str, str],
    today: date,
) -> tuple[str | None, tuple[str, ...]]:
    """(role, people) for a page to ``target``: a role (whoever holds it in the incident,
    ``holders``, then who is on call for it ``today`` and not away), or a person (on the
    roster, or holding a role in the incident)."""
    known = set(roles) | {role for person in roster.people for role in person.roles}
    if target in known:
        people = people_for(target, roster, holders, today)
        if not people:
            raise ActionError(f"nobody holds {target} or is on call for it today")
        return target, tuple(people)
    person = roster.person(target)
    if person is not None:
        return None, (person.name,)
    if target in holders.values():
        return None, (target,)
    raise ActionError(
        f"no role or person {target!r}; roles: {', '.join(sorted(known)) or 'none'}; "
        "people: the roster's names, or who holds a role in the incident"
    )


def _or(words: Sequence[str]) -> str:
    return " or ".join(words) if words else "contact"
