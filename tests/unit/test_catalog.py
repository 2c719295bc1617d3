"""The catalog: bundled and user folders, overrides, scenario resolution, lookups."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from irdesk import paths
from irdesk.domain.problems import Severity
from irdesk.formats.catalog import (
    Catalog,
    NotFound,
    default_sources,
    expand,
    load_roster_or_none,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TODAY = date(2026, 6, 1)
PLAYBOOK = (FIXTURES / "playbook-valid.yaml").read_text()
SCENARIO = (FIXTURES / "scenario-valid.yaml").read_text()


def write_playbook(
    folder: Path,
    ident: str,
    *,
    title: str = "Fixture",
    name: str | None = None,
    extra_step: str | None = None,
) -> Path:
    """A copy of the valid fixture playbook with another id and title (and maybe a step)."""
    text = PLAYBOOK.replace("id: fixture-phish", f"id: {ident}").replace(
        "title: Phishing leading to account compromise", f"title: {title}"
    )
    if extra_step:
        text += f"  - id: {extra_step}\n    title: Extra\n    phase: recovery\n"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{ident}.yaml")
    path.write_text(text)
    return path


def write_scenario(
    folder: Path, ident: str, playbook: str, *, name: str | None = None, expect_step: str = "triage"
) -> Path:
    text = (
        SCENARIO.replace("id: fixture-ttx", f"id: {ident}")
        .replace("playbook: fixture-phish", f"playbook: {playbook}")
        .replace("event: step:triage:done", f"event: step:{expect_step}:done")
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{ident}.yaml")
    path.write_text(text)
    return path


def result_for(catalog: Catalog, path: Path):
    (result,) = [r for r in catalog.results if r.path == path]
    return result


# --------------------------------------------------------------------------- overrides


def test_user_playbook_overrides_bundled_with_a_note(tmp_path: Path):
    bundled = write_playbook(tmp_path / "bundled", "phish", title="Bundled")
    mine = write_playbook(tmp_path / "user", "phish", title="Mine")
    catalog = Catalog.load([(tmp_path / "bundled", True), (tmp_path / "user", False)], today=TODAY)
    assert catalog.playbooks["phish"].title == "Mine"
    assert result_for(catalog, bundled).problems == []
    (note,) = result_for(catalog, mine).problems
    assert note.severity is Severity.NOTE and note.key_path == "id"
    assert f"overrides the bundled playbook 'phish' ({bundled})" in note.message
    assert result_for(catalog, mine).ok and catalog.invalid == []


def test_bundled_playbook_listed_after_the_user_one_still_loses(tmp_path: Path):
    write_playbook(tmp_path / "user", "phish", title="Mine")
    write_playbook(tmp_path / "bundled", "phish", title="Bundled")
    catalog = Catalog.load([(tmp_path / "user", False), (tmp_path / "bundled", True)], today=TODAY)
    # Sources are loaded in the order given; the defaults put bundled content first.
    assert catalog.playbooks["phish"].title == "Mine"


def test_two_user_playbooks_with_one_id_are_an_error_and_the_first_wins(tmp_path: Path):
    first = write_playbook(tmp_path / "user", "phish", title="First", name="a.yaml")
    second = write_playbook(tmp_path / "user", "phish", title="Second", name="b.yaml")
    catalog = Catalog.load([(tmp_path / "user", False)], today=TODAY)
    assert catalog.playbooks["phish"].title == "First"
    (error,) = result_for(catalog, second).problems
    assert error.severity is Severity.ERROR
    assert f"duplicate playbook id 'phish': {first} has it too; only the first is used" in (
        error.message
    )
    assert [r.path for r in catalog.invalid] == [second]


def test_user_scenario_overrides_bundled_scenario(tmp_path: Path):
    write_playbook(tmp_path / "bundled", "fixture-phish")
    write_scenario(tmp_path / "bundled" / "scenarios", "drill", "fixture-phish")
    mine = write_scenario(tmp_path / "user", "drill", "fixture-phish", expect_step="lessons")
    catalog = Catalog.load([(tmp_path / "bundled", True), (tmp_path / "user", False)], today=TODAY)
    assert str(catalog.scenarios["drill"].inject("first-report").expect[0].event) == (
        "step:lessons:done"
    )
    (note,) = result_for(catalog, mine).problems
    assert note.severity is Severity.NOTE
    assert "overrides the bundled scenario 'drill'" in note.message


def test_duplicate_scenario_ids_keep_the_first(tmp_path: Path):
    write_playbook(tmp_path / "user", "fixture-phish")
    write_scenario(tmp_path / "user", "drill", "fixture-phish", name="a.yaml")
    second = write_scenario(tmp_path / "user", "drill", "fixture-phish", name="b.yaml")
    catalog = Catalog.load([(tmp_path / "user", False)], today=TODAY)
    assert "duplicate scenario id 'drill'" in result_for(catalog, second).problems[0].message
    assert catalog.scenarios["drill"] is not None
    assert catalog.scenario("drill").id == "drill"


def test_default_sources_follow_irdesk_home(irdesk_home: Path):
    sources = default_sources()
    assert (irdesk_home / "playbooks", False) in sources
    assert (irdesk_home / "scenarios", False) in sources
    assert (paths.bundled_playbooks_dir(), True) in sources
    assert [bundled for _, bundled in sources] == [True, True, False, False]


def test_default_catalog_user_playbook_overrides_a_bundled_one(irdesk_home: Path):
    bundled = sorted(paths.bundled_playbooks_dir().glob("*.yaml"))
    if not bundled:
        pytest.skip("no bundled playbooks yet")
    original = Catalog.load()
    ident = sorted(original.playbooks)[0]
    source = original.playbooks[ident].source.path
    user = irdesk_home / "playbooks" / "mine.yaml"
    user.parent.mkdir(parents=True)
    user.write_text(source.read_text().replace("\ntitle: ", "\ntitle: My own ", 1))
    catalog = Catalog.load()
    assert catalog.playbooks[ident].title.startswith("My own ")
    assert catalog.playbooks[ident].source.path == user
    notes = [p.message for p in result_for(catalog, user).problems]
    assert notes == [f"overrides the bundled playbook {ident!r} ({source})"]


def test_missing_user_folders_are_not_a_problem(irdesk_home: Path):
    assert not irdesk_home.exists()
    catalog = Catalog.load()
    assert all(r.path.is_relative_to(paths.bundled_dir()) for r in catalog.results)
    assert not any(r.path.is_relative_to(irdesk_home) for r in catalog.results)


# --------------------------------------------------------------------------- scenario resolution


def test_scenario_finds_its_playbook_in_its_own_folder_first(tmp_path: Path):
    # The catalog knows a 'fixture-phish' without the step 'extra'; the one beside the
    # scenario has it. The scenario expects step:extra:done, so it is valid only if it
    # resolved the playbook in its own folder.
    write_playbook(tmp_path / "playbooks", "fixture-phish", title="Catalog's")
    write_playbook(
        tmp_path / "drills", "fixture-phish", title="Beside", name="pb.yaml", extra_step="extra"
    )
    scenario = write_scenario(tmp_path / "drills", "drill", "fixture-phish", expect_step="extra")
    catalog = Catalog.load([(tmp_path / "playbooks", False)], today=TODAY)
    assert catalog.playbooks["fixture-phish"].title == "Catalog's"

    found = catalog.scenario(str(scenario))
    assert found.id == "drill" and found.source.path == scenario
    assert catalog.playbook_for(found).title == "Beside"


def test_scenario_falls_back_to_the_catalog_for_its_playbook(tmp_path: Path):
    write_playbook(tmp_path / "playbooks", "fixture-phish", extra_step="extra")
    scenario = write_scenario(tmp_path / "drills", "drill", "fixture-phish", expect_step="extra")
    catalog = Catalog.load(
        [(tmp_path / "playbooks", False), (tmp_path / "drills", False)], today=TODAY
    )
    assert result_for(catalog, scenario).ok
    assert catalog.scenario("drill").playbook == "fixture-phish"
    assert catalog.playbook_for(catalog.scenario("drill")) is catalog.playbooks["fixture-phish"]


def test_scenario_steps_are_checked_against_the_resolved_playbook(tmp_path: Path):
    write_playbook(tmp_path / "playbooks", "fixture-phish")
    scenario = write_scenario(tmp_path / "drills", "drill", "fixture-phish", expect_step="extra")
    catalog = Catalog.load(
        [(tmp_path / "playbooks", False), (tmp_path / "drills", False)], today=TODAY
    )
    (error,) = result_for(catalog, scenario).errors
    assert (error.line, error.column) == (20, 16)
    assert error.key_path == "injects[0].expect[0].event"
    assert error.message == "playbook 'fixture-phish' has no step 'extra'"
    assert "drill" not in catalog.scenarios


def test_scenario_with_unknown_playbook_in_catalog(tmp_path: Path):
    scenario = write_scenario(tmp_path / "drills", "drill", "nowhere")
    catalog = Catalog.load([(tmp_path / "drills", False)], today=TODAY)
    (error,) = result_for(catalog, scenario).errors
    assert error.key_path == "playbook" and (error.line, error.column) == (4, 11)
    assert "no playbook with id 'nowhere' found" in error.message


# --------------------------------------------------------------------------- lookups


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    write_playbook(tmp_path / "lib", "alpha")
    write_playbook(tmp_path / "lib", "bravo")
    write_playbook(tmp_path / "lib", "fixture-phish")
    write_scenario(tmp_path / "lib", "drill-one", "alpha")
    write_scenario(tmp_path / "lib", "drill-two", "bravo")
    return Catalog.load([(tmp_path / "lib", False)], today=TODAY)


def test_playbook_by_id_and_by_path(catalog: Catalog, tmp_path: Path):
    assert catalog.playbook("alpha") is catalog.playbooks["alpha"]
    other = write_playbook(tmp_path / "elsewhere", "charlie", title="By path")
    assert catalog.playbook(str(other)).title == "By path"
    assert "charlie" not in catalog.playbooks  # a lookup by path does not add it


def test_unknown_playbook_lists_known_ids(catalog: Catalog):
    with pytest.raises(NotFound) as caught:
        catalog.playbook("zulu")
    assert str(caught.value) == "no playbook 'zulu'; known playbooks: alpha, bravo, fixture-phish"
    with pytest.raises(NotFound, match="no playbook 'zulu'; known playbooks: none"):
        Catalog().playbook("zulu")


def test_playbook_by_path_that_is_broken_or_missing(catalog: Catalog, tmp_path: Path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(PLAYBOOK.replace("phase: detection", "phase: detecton"))
    with pytest.raises(NotFound) as caught:
        catalog.playbook(str(broken))
    assert f"{broken}:" in str(caught.value) and "unknown phase 'detecton'" in str(caught.value)
    with pytest.raises(NotFound, match="no such file"):
        catalog.playbook(str(tmp_path / "missing.yaml"))


def test_playbook_by_path_refuses_a_scenario(catalog: Catalog):
    with pytest.raises(NotFound, match="this is a scenario file; expected a playbook"):
        catalog.playbook(str(FIXTURES / "scenario-valid.yaml"))


def test_scenario_by_id_and_unknown_scenario(catalog: Catalog):
    assert catalog.scenario("drill-two").playbook == "bravo"
    with pytest.raises(NotFound) as caught:
        catalog.scenario("drill-three")
    assert str(caught.value) == ("no scenario 'drill-three'; known scenarios: drill-one, drill-two")
    with pytest.raises(NotFound, match="known scenarios: none"):
        Catalog().scenario("drill")


def test_scenario_by_path_beside_its_playbook():
    catalog = Catalog()
    scenario = catalog.scenario(str(FIXTURES / "scenario-valid.yaml"))
    assert scenario.id == "fixture-ttx"
    assert catalog.playbook_for(scenario).id == "fixture-phish"


def test_scenario_by_path_refuses_a_playbook(catalog: Catalog):
    with pytest.raises(NotFound, match="this is a playbook file; expected a scenario"):
        catalog.scenario(str(FIXTURES / "playbook-valid.yaml"))


# --------------------------------------------------------------------------- folders


def test_expand_lists_yaml_files_sorted_skipping_hidden(tmp_path: Path):
    for name in ["b.yaml", "a.yml", "c.txt", ".hidden.yaml", "sub/d.yaml", ".git/e.yaml"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x: 1\n")
    found = [p.relative_to(tmp_path).as_posix() for p in expand(tmp_path)]
    assert found == ["a.yml", "b.yaml", "sub/d.yaml"]
    assert list(expand(tmp_path / "b.yaml")) == [tmp_path / "b.yaml"]


def test_expand_missing_source(tmp_path: Path):
    catalog = Catalog()
    assert list(expand(tmp_path / "nope", catalog)) == []
    assert catalog.results == []  # a missing default folder is fine
    assert list(expand(tmp_path / "nope", catalog, must_exist=True)) == []
    (result,) = catalog.results
    assert [p.message for p in result.problems] == ["no such file or folder"]
    assert not result.ok


def test_unreadable_folder_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # CI runs as root, where chmod 000 does not stop listing: make scandir refuse instead,
    # which is what os.walk sees on a folder without read permission.
    write_playbook(tmp_path / "lib", "alpha")
    locked = tmp_path / "lib" / "locked"
    write_playbook(locked, "bravo")
    real_scandir = os.scandir

    def scandir(path="."):
        if Path(os.fsdecode(path)) == locked:
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    catalog = Catalog.load([(tmp_path / "lib", False)], today=TODAY)
    assert set(catalog.playbooks) == {"alpha"}
    (refused,) = catalog.invalid
    assert refused.path == locked
    assert [p.message for p in refused.problems] == [
        "permission denied: irdesk cannot list this folder"
    ]


def test_roster_or_none(irdesk_home: Path):
    assert load_roster_or_none() == (None, None)
    irdesk_home.mkdir()
    paths.roster_path().write_text((FIXTURES / "roster-valid.yaml").read_text())
    roster, result = load_roster_or_none()
    assert result.ok and [p.name for p in roster.people] == ["Ada Moreno", "Grace Li"]
    paths.roster_path().write_text("irdesk: roster/1\npeople: []\n")
    roster, result = load_roster_or_none()
    assert roster is None
    assert [p.message for p in result.errors] == ["expected at least 1 person, got 0"]


def test_bundled_example_roster_is_valid():
    path = paths.example_roster_path()
    if not path.exists():
        pytest.skip("no example roster yet")
    roster, result = load_roster_or_none(path)
    assert result.ok and roster.people
