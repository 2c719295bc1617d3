"""The user's keymap, <home>/keymap.yaml: binding id → keys.

Read without a terminal first (every problem with file:line:column; any error and the file
is ignored), then in the app: a remapped key works on its screen and the old key is gone,
the help screen and the palette show the keys in effect, and a bad file is reported while
the desk opens with its own keys.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import palette_titles, paste, rows, run, screen_text, settle, text_of, toasts

from irdesk.domain.incident import K
from irdesk.domain.problems import Severity
from irdesk.tui.commands import ScreenCommands
from irdesk.tui.keymap import binding_classes, key_problem, known_bindings, load_keymap
from irdesk.tui.modals.prompts import NotePrompt
from irdesk.tui.screens.help import HelpScreen
from irdesk.tui.screens.runner import RunnerScreen


@pytest.fixture(scope="module")
def classes():
    return binding_classes()


@pytest.fixture(scope="module")
def known(classes):
    return known_bindings(classes)


def keymap_file(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "keymap.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def read(tmp_path: Path, text: str, known, classes=()):  # noqa: ANN001, ANN201
    return load_keymap(keymap_file(tmp_path, text), known, classes)


# --------------------------------------------------------------------------- reading


def test_keys_as_text_lists_digits_and_symbols(tmp_path, known, classes):
    keymap = read(
        tmp_path,
        "irdesk: keymap/1\n"
        "runner.note: ctrl+n\n"
        "runner.done: [d, f9]\n"
        "runner.skip: 'shift+s,ctrl+k'\n"
        "runner.tick_1: 0\n"
        "app.help: '?'\n"
        "drill.clock: ctrl+t\n",
        known,
        classes,
    )
    assert keymap.problems == ()
    assert keymap.keys == {
        "runner.note": "ctrl+n",
        "runner.done": "d,f9",
        "runner.skip": "shift+s,ctrl+k",
        "runner.tick_1": "0",
        "app.help": "question_mark",
        "drill.clock": "ctrl+t",
    }


def test_no_file_empty_file_or_only_comments_is_no_keymap(tmp_path, known):
    assert load_keymap(tmp_path / "missing.yaml", known).keys == {}
    for text in ("", "\n\n", "# runner.note: ctrl+n\n"):
        keymap = read(tmp_path, text, known)
        assert (keymap.keys, keymap.problems) == ({}, ())


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("runner.note: ctrl+n\nrunner.nte: x\n", ":2:1:", "did you mean 'runner.note'?"),
        ("note: x\n", ":1:1:", "not a binding id 'note'"),
        ("runner.note: crtl+n\n", ":1:14:", "unknown modifier 'crtl'"),
        ("runner.note: ctrl+nn\n", ":1:14:", "unknown key 'ctrl+nn'"),
        ("runner.note: [ctrl+n\n", ":2:1:", "not valid YAML"),
        ("runner.note: ctrl+n\nrunner.note: f2\n", ":2:1:", "duplicate key 'runner.note'"),
        ("runner.note: yes\n", ":1:14:", "quote y, n, on, off, yes, no"),
        ("runner.note: {a: b}\n", ":1:14:", "expected a key (ctrl+n) or a list of keys"),
        ("runner.note: ''\n", ":1:14:", "give at least one key"),
        ("- runner.note\n", ":1:1:", "expected binding ids and their keys"),
        ("irdesk: roster/1\n", ":1:9:", "expected 'irdesk: keymap/1'"),
    ],
)
def test_a_bad_file_is_ignored_with_file_line_and_column(tmp_path, known, text, where, message):
    keymap = read(tmp_path, text, known)
    assert keymap.keys == {}, "any error: none of the file is used"
    [first, *_] = keymap.errors
    assert f"keymap.yaml{where} error:" in str(first)
    assert message in str(first)


def test_a_key_taken_from_another_binding_is_applied_and_reported(tmp_path, known, classes):
    keymap = read(tmp_path, "runner.note: d\n", known, classes)
    assert keymap.keys == {"runner.note": "d"}
    [warning] = keymap.problems
    assert warning.severity is Severity.WARNING
    assert str(warning) == (
        f"{tmp_path / 'keymap.yaml'}:1:14: warning: runner.note: d was the key of Done "
        "(runner.done); it is now runner.note's, so give runner.done another key"
    )
    swapped = read(tmp_path, "runner.note: d\nrunner.done: n\n", known, classes)
    assert swapped.problems == ()  # a swap takes nothing from anybody
    both = read(tmp_path, "runner.note: f2\nrunner.done: f2\n", known, classes)
    assert [str(p).split("warning: ")[1] for p in both.warnings] == [
        "runner.note: f2 is given to both runner.note and runner.done; only one of them can have it"
    ]


def test_key_names_textual_knows(tmp_path):
    for key in ("a", "N", "1", "ctrl+n", "f5", "space", "escape", "pagedown", "plus"):
        assert key_problem(key) is None, key
    for key in ("question_mark", "greater_than_sign", "alt+shift+up"):
        assert key_problem(key) is None, key
    assert key_problem("ctrl+") is not None
    assert key_problem("super duper") is not None
    assert "did you mean 'pagedown'" in key_problem("pagedwn")


# --------------------------------------------------------------------------- the app


async def test_a_remapped_key_works_and_the_old_one_no_longer_does(
    declare, make_app, journal, irdesk_home
):
    keymap_file(irdesk_home, "runner.note: ctrl+n\n")
    iid = declare().incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        assert app.keymap.keys == {"runner.note": "ctrl+n"}
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, RunnerScreen), "n is no longer the note key"
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, NotePrompt)
        await paste(pilot, "remapped")
        await pilot.press("enter")
        await settle(pilot)
        assert [e.payload for e in rows(journal, iid, K.NOTE)] == [{"text": "remapped"}]

        # The footer, the help screen and the palette show the key in effect.
        assert "^n Note" in screen_text(app)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        lines = [line.strip() for line in text_of(app.screen.query_one("#help-text")).split("\n")]
        assert "^n           Note   [runner.note]  (your keymap)" in lines
        assert "d            Done   [runner.done]" in lines
        await pilot.press("escape")
        await settle(pilot)
        hits = {str(hit.text): hit.help async for hit in ScreenCommands(app.screen).discover()}
        assert hits["Add a note"] == "Write a note to the timeline (key: ^n)"
        assert "Add a note" in await palette_titles(app)


async def test_a_bad_keymap_is_reported_and_the_desk_keeps_its_keys(
    declare, make_app, journal, irdesk_home
):
    path = keymap_file(irdesk_home, "runner.note: ctrl+n\nrunner.nte: x\n")
    iid = declare().incident_id
    app = make_app(iid)
    async with run(app) as pilot:
        await settle(pilot)
        assert app.keymap.keys == {}
        shown = toasts(app)
        assert "keymap not used: the desk keeps its own keys" in shown
        assert f"{path}:2:1: error: runner.nte: unknown binding id 'runner.nte'" in shown
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NotePrompt), "n is the note key, as without a keymap"
        await pilot.press("escape", "question_mark")
        await settle(pilot)
        assert "Your keymap is not used:" in screen_text(app)


@pytest.mark.parametrize(
    ("doc", "start"),
    [("README.md", "**Your own keys.**"), ("docs/formats.md", "## Keymap")],
)
def test_the_keymaps_in_the_docs_are_keymaps(repo, tmp_path, known, classes, doc, start):
    """The examples people copy from the README and docs/formats.md load as they are."""
    text = (repo / doc).read_text(encoding="utf-8").split(start, 1)[1]
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    keymap = read(tmp_path, example, known, classes)
    assert keymap.problems == () and keymap.keys, keymap.problems
