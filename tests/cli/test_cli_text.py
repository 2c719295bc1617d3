"""The command line shows journal text literally: no control character or bidi override
reaches the terminal from ``irdesk list`` or ``irdesk verify`` (as from the report).

A title comes from whoever declared the incident; an incident id from whoever could
write to the journal file. Both go through irdesk.text, the sanitiser every output uses.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers_store import attacker, journal_with_notes

from irdesk.cli import main

HOSTILE = "bell\x07 csi\x9b2J esc\x1b[31m rtl\u202egnp.exe iso\u2066x\u2069"
SHOWN = "bell\\x07 csi\\x9b2J esc␛[31m rtl\\u202egnp.exe iso\\u2066x\\u2069"
RAW = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


def run(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="irdesk")


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    path = tmp_path / "journal.db"
    declared = run("declare", "account-compromise", "--title", HOSTILE, "--journal", str(path))
    assert declared.exit_code == 0, declared.output
    return path


def test_list_shows_a_hostile_title_literally(journal: Path):
    result = run("list", "--journal", str(journal))
    assert result.exit_code == 0, result.output
    assert not RAW.search(result.output), repr(result.output)
    [line] = result.output.splitlines()
    assert line.startswith("INC-0001   open")
    assert line.endswith(SHOWN)


def test_list_as_json_shows_a_hostile_title_literally(journal: Path):
    result = run("list", "--journal", str(journal), "--format", "json")
    assert result.exit_code == 0, result.output
    assert not RAW.search(result.output), repr(result.output)
    [record] = json.loads(result.output)
    assert record["title"] == SHOWN


def test_list_of_an_empty_journal(tmp_path: Path):
    result = run("list", "--journal", str(tmp_path / "none.db"))
    assert (result.exit_code, result.output) == (0, "no incidents\n")


@pytest.fixture
def crafted(tmp_path: Path) -> Path:
    """A journal whose first incident was renamed, with a raw sqlite3 connection, to an id
    full of terminal commands."""
    path = tmp_path / "j.db"
    [first, _second] = journal_with_notes(path, 2, incidents=2)
    conn = attacker(path)
    for table, column in (("incidents", "id"), ("entries", "incident_id")):
        conn.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (HOSTILE, first))
    conn.close()
    return path


def test_verify_shows_a_crafted_incident_id_literally(crafted: Path):
    result = run("verify", "--journal", str(crafted))
    assert result.exit_code == 1, result.output
    assert not RAW.search(result.output), repr(result.output)
    assert SHOWN in result.output


def test_verify_of_one_crafted_incident_shows_its_id_literally(crafted: Path, tmp_path: Path):
    copy = tmp_path / "copy.db"
    shutil.copy(crafted, copy)
    result = run("verify", "--journal", str(copy), HOSTILE)
    assert not RAW.search(result.output), repr(result.output)
    assert SHOWN in result.output


def test_a_piped_note_with_bytes_that_are_not_utf8_keeps_them_and_says_so(journal: Path):
    """`printf 'piped \\xff bytes' | irdesk log` stored 'piped \ufffd bytes': the byte was
    lost and nobody was told. It is kept as \\xff, and stderr says so."""
    from irdesk.store import Journal

    incident = "INC-0001"
    result = CliRunner().invoke(
        main,
        ["log", "--journal", str(journal), "--incident", incident],
        input=b"piped \xff bytes\n",
        prog_name="irdesk",
    )
    assert result.exit_code == 0, result.stderr
    assert "not UTF-8" in result.stderr
    with Journal.open(journal, readonly=True) as j:
        note = list(j.entries(incident))[-1]
    assert note.payload["text"] == "piped \\xff bytes"
