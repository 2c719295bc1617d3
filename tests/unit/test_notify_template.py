"""The notify command's template: exact placeholders, plain substitution, one run per person
when the command names a person's details, and who a page reaches."""

from __future__ import annotations

from datetime import date

import pytest

from irdesk.domain.incident import ActionError
from irdesk.domain.models import Away, Person, Roster
from irdesk.domain.notify import (
    Contact,
    TemplateError,
    calls,
    check_name,
    page_target,
    people_for,
    per_person,
    substitute,
    template_problems,
)

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("argument", "problem"),
    [
        ("{level:d}", "format spec"),
        ("{level:>10}", "format spec"),
        ("{people!r}", "format spec or conversion"),
        ("{people[0]}", "unknown placeholder {people[0]}"),
        ("{message.__class__}", "unknown placeholder"),
        ("{}", "unknown placeholder {}"),
        ("{0}", "unknown placeholder {0}"),
        ("{message", "bad placeholder syntax"),
    ],
)
def test_only_bare_placeholders_are_accepted(argument, problem):
    (found,) = template_problems(argument)
    assert problem in found
    with pytest.raises(TemplateError):
        substitute(("prog", argument), {"level": 1, "people": "Ada", "message": "m"})


def test_substitution_is_plain_text_inside_each_argument():
    argv = substitute(
        ("prog", "irdesk: {incident}", "{{literal}}", "{message}"),
        {"incident": "INC-0001", "message": "$(reboot); `id` {people}"},
    )
    assert argv == ("prog", "irdesk: INC-0001", "{literal}", "$(reboot); `id` {people}")


def test_a_value_that_would_read_as_an_option_is_refused():
    with pytest.raises(TemplateError, match="would start with '-'"):
        substitute(("prog", "{people}"), {"people": "--exec=/tmp/x, Ada"})
    # the template's own options stay options; a value inside an argument is harmless
    assert substitute(("prog", "--to={people}", "x{people}"), {"people": "-x"}) == (
        "prog",
        "--to=-x",
        "x-x",
    )


def test_the_program_cannot_come_from_a_placeholder():
    with pytest.raises(TemplateError, match="argument 0"):
        substitute(("{person}",), {"person": "sh"})


def test_a_command_with_a_persons_details_runs_once_per_person():
    command = ("sms", "{phone}", "{person}: {message}")
    assert per_person(command) and not per_person(("notify-send", "{people}"))
    contacts = {
        "Ada": Contact("Ada", phone="+1 555 0100"),
        "Ben": Contact("Ben", email="ben@example.org"),
    }
    got = calls(command, {"message": "m", "role": "commander"}, ["Ada", "Ben", "Typed"], contacts)
    assert got[0].argv == ("sms", "+1 555 0100", "Ada: m") and got[0].person == "Ada"
    assert got[1].argv is None and got[1].error == "no phone for Ben in the roster"
    assert got[2].argv is None and "Typed is not in the roster" in got[2].error
    (nobody,) = calls(command, {"role": "commander"}, [], contacts)
    assert nobody.argv is None and "nobody to page for commander" in nobody.error


def test_a_role_page_reaches_the_holder_then_who_is_on_call_and_not_away():
    roster = Roster(
        (
            Person("Ada", ("lead",), on_call=True, away=(Away(TODAY, TODAY),)),
            Person("Ben", ("lead",), on_call=True),
            Person("Cy", ("lead",)),
        )
    )
    assert people_for("lead", roster, {"lead": "Dee"}, TODAY) == ("Dee", "Ben")
    # with every on-call holder away, the other holders are paged
    away = Roster(
        (Person("Ada", ("lead",), on_call=True, away=(Away(TODAY, TODAY),)),) + roster.people[2:]
    )
    assert people_for("lead", away, {}, TODAY) == ("Cy",)
    assert page_target("Ben", roster, ["lead"], {}, TODAY) == (None, ("Ben",))
    assert page_target("ben", roster, ["lead"], {}, TODAY) == (None, ("Ben",))
    assert page_target("Dee", roster, ["lead"], {"commander": "Dee"}, TODAY) == (None, ("Dee",))
    with pytest.raises(ActionError, match="no role or person 'Zed'"):
        page_target("Zed", roster, ["lead"], {}, TODAY)
    with pytest.raises(ActionError, match="nobody holds scribe"):
        page_target("scribe", roster, ["scribe"], {}, TODAY)


def test_a_typed_name_cannot_start_with_a_dash():
    assert check_name("Ada") == "Ada"
    with pytest.raises(ActionError):
        check_name(" --help")
