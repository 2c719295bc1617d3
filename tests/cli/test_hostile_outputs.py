"""Every command-line output path shows hostile text inert (issue 12, terminal injection).

One journal holds a hostile title, note, actor, reason, role holder, finding and an
incident id renamed by someone who could write the file; every command that prints any of
it must leave no control character, bidi override or text-hiding invisible character in
its output, and no hostile value may start a line of its own (a crafted id once redrew
verify's TAMPERED line as "chains intact").
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from helpers_cli import irdesk
from helpers_findings import NOW, burst, journal_at, record, rules_file, ruleset, write_log
from helpers_store import attacker

from irdesk.text import visible

#: C0 (a carriage return too), CSI as one byte, DEL, bidi, zero-width, and a forged line
EVIL = "x\x1b[2J\x9b31m\x7f\u202eevil\u2066i\u2069\u200bzw\u200dj\u2060\rFORGED\nFORGED"
# a person's name cannot hold control characters (refused when given); the rest of EVIL can
EVIL_NAME = "x\u202eevil\u2066i\u2069\u200bzw\u200dj\u2060 [b]FORGED[/b]"
EVIL_ID = "INC-0001\x1b[2K\rok: 2 incidents, chains intact\nFORGED"
RAW = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]"
)


@pytest.fixture(scope="module")
def journal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    path = folder / "j.db"
    log = write_log(folder / "auth.log", *burst(NOW - timedelta(minutes=5)))
    with journal_at(path) as j:
        record(j, ruleset(rules_file(folder, log)))
    j_ = str(path)

    def ok(*args: str) -> str:
        result = irdesk(*args, "--journal", j_)
        assert result.exit_code == 0, result.stderr
        return result.stdout.strip()

    for _ in range(2):
        iid = ok(
            "declare", "ransomware", "--title", EVIL, "--commander", EVIL_NAME, "--as", EVIL_NAME
        )
    ok("log", "--incident", iid, EVIL, "--as", EVIL_NAME)
    ok("severity", "SEV1", "--incident", iid, "--reason", EVIL, "--as", EVIL_NAME)
    ok("assign", "scribe", EVIL_NAME, "--incident", iid, "--reason", EVIL)
    ok("improvements", "add", iid, "--what", EVIL, "--owner", EVIL)
    ok("ack", "FND-0001", "--note", EVIL, "--as", EVIL_NAME)
    conn = attacker(path)  # rename INC-0001, as someone who can write the file could
    for table, column in (("incidents", "id"), ("entries", "incident_id")):
        conn.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (EVIL_ID, "INC-0001"))
    conn.close()
    return path


OUTPUTS = [
    ["list"],
    ["list", "--format", "json"],
    ["verify"],
    ["verify", EVIL_ID],
    ["findings"],
    ["findings", "FND-0001"],
    ["findings", "--format", "json"],
    ["improvements"],
    ["improvements", "--format", "json"],
    ["report", "INC-0002"],
    ["report", "INC-0002", "--format", "json"],
    ["report", EVIL_ID],
    ["status", "containing", "--incident", "INC-0002", "--as", EVIL],
    ["milestone", "contained", "--incident", "INC-0002", "--as", EVIL],
    ["assign", "commander", "Ravi", "--reason", EVIL, "--incident", "INC-0002"],
    ["ack", "INC-0002", "--as", EVIL],
    ["log", "--incident", EVIL_ID, "a note"],
    ["status", "open", "--incident", EVIL],
    ["severity", EVIL, "--incident", "INC-0002"],
    ["assign", EVIL, "x", "--incident", "INC-0002"],
    ["ack", EVIL],
    ["declare", EVIL, "--title", "t"],
]


@pytest.mark.parametrize("args", OUTPUTS, ids=lambda a: " ".join(visible(x)[:20] for x in a))
def test_every_output_path_shows_hostile_text_inert(journal: Path, args: list[str]) -> None:
    result = irdesk(*args, "--journal", str(journal))
    assert "Traceback" not in result.output
    for stream in (result.stdout, result.stderr):
        assert not RAW.search(stream), repr(stream)
        lines = stream.splitlines()
        assert not any(line.lstrip().startswith(("FORGED", "ok: 2 incidents")) for line in lines)
    assert result.stdout or result.stderr
