"""A team's own playbook with an error is never silently replaced by the bundled one with
the same id (issue 12): declare, run and drill refuse with the file's problem and say how
to run the bundled one explicitly (``bundled:ID``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_cli import irdesk, one_line_failure

from irdesk import paths
from irdesk.formats.catalog import Catalog, NotFound


@pytest.fixture
def broken(irdesk_home: Path) -> Path:
    folder = paths.user_playbooks_dir()
    folder.mkdir(parents=True, exist_ok=True)
    text = (paths.bundled_playbooks_dir() / "ransomware.yaml").read_text(encoding="utf-8")
    mine = folder / "ransomware.yaml"
    mine.write_text(text.replace("phase: detection", "phase: detecton", 1), encoding="utf-8")
    return mine


@pytest.fixture
def unreadable(irdesk_home: Path) -> Path:
    folder = paths.user_playbooks_dir()
    folder.mkdir(parents=True, exist_ok=True)
    mine = folder / "account-compromise.yaml"
    mine.write_text("irdesk: playbook/1\nid: [\n", encoding="utf-8")
    return mine


@pytest.mark.parametrize("command", ["declare", "run"])
def test_declare_and_run_refuse_a_broken_own_playbook(broken, tmp_path, command):
    journal = str(tmp_path / "j.db")
    result = irdesk(command, "ransomware", "--title", "t", "--journal", journal)
    one_line_failure(result, "your playbook 'ransomware' has errors, so it is not used: ")
    assert f"{broken}:" in result.stderr and "unknown phase 'detecton'" in result.stderr
    assert "to run the bundled one instead, name it bundled:ransomware" in result.stderr
    assert irdesk("list", "--journal", journal).stdout == "no incidents\n"


def test_a_file_yaml_cannot_read_is_known_by_its_name(unreadable, tmp_path):
    result = irdesk("declare", "account-compromise", "--title", "t")
    one_line_failure(result, "your playbook 'account-compromise' has errors")
    assert "not valid YAML" in result.stderr


def test_the_bundled_one_runs_when_named_explicitly(broken, tmp_path):
    journal = str(tmp_path / "j.db")
    result = irdesk("declare", "bundled:ransomware", "--title", "t", "--journal", journal)
    assert (result.exit_code, result.stdout) == (0, "INC-0001\n"), result.stderr
    listed = irdesk("list", "--journal", journal).stdout
    assert " ransomware " in listed
    one_line_failure(irdesk("declare", "bundled:nope", "--title", "t"), "no bundled playbook")


def test_a_drill_on_it_refuses_with_the_playbooks_problem(broken, tmp_path):
    result = irdesk("drill", "ttx-friday-ransomware", "--journal", str(tmp_path / "j.db"))
    one_line_failure(result, "scenario 'ttx-friday-ransomware' runs playbook 'ransomware', ")
    assert "unknown phase 'detecton'" in result.stderr


def test_the_catalog_leaves_the_id_out_rather_than_run_the_bundled_one(broken):
    catalog = Catalog.load()
    assert "ransomware" not in catalog.playbooks
    assert catalog.bundled["ransomware"].source.path.parent == paths.bundled_playbooks_dir()
    with pytest.raises(NotFound, match="has errors, so it is not used"):
        catalog.playbook("ransomware")
    assert any(not r.ok and r.path == broken for r in catalog.invalid)
