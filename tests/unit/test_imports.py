"""The core (domain, formats, report) and the store never import the UI toolkit, and
nothing imports Jinja2 before an HTML report is written.

``irdesk validate`` in CI, the journal tools and the tests of the domain must not pay
for, or depend on, Textual and Rich. Checked in a fresh interpreter, because in this one
other tests may already have imported them (import-linter checks the imports statically,
see pyproject.toml; this checks what really gets imported).
"""

from __future__ import annotations

import importlib.util
import json
import pkgutil
import subprocess
import sys

import pytest

UI_PACKAGES = ("textual", "rich")


def ui_modules_after_importing(*modules: str) -> list[str]:
    return modules_after(modules, UI_PACKAGES)


def modules_after(modules: tuple[str, ...], packages: tuple[str, ...], then: str = "") -> list[str]:
    """The modules of ``packages`` loaded after importing ``modules`` (and running
    ``then``) in a fresh interpreter."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {list(modules)!r}:\n"
        "    importlib.import_module(name)\n"
        f"{then}\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {packages!r})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_check_itself_sees_ui_imports():
    # Guard against a check that can never fail: importing rich must be noticed.
    assert "rich" in ui_modules_after_importing("rich")


def test_core_imports_no_textual_or_rich():
    assert (
        ui_modules_after_importing(
            "irdesk.formats.loader", "irdesk.formats.catalog", "irdesk.domain.models"
        )
        == []
    )


def test_every_core_module_imports_no_textual_or_rich():
    import irdesk.domain
    import irdesk.formats
    import irdesk.report

    names = [
        f"{package.__name__}.{m.name}"
        for package in (irdesk.domain, irdesk.formats, irdesk.report)
        for m in pkgutil.iter_modules(package.__path__)
    ]
    assert "irdesk.formats.loader" in names and "irdesk.domain.fold" in names
    assert ui_modules_after_importing(*names) == []


def test_store_imports_no_textual_or_rich():
    if importlib.util.find_spec("irdesk.store") is None:
        pytest.skip("irdesk.store does not exist yet")
    import irdesk.store

    names = ["irdesk.store"] + [
        f"irdesk.store.{m.name}" for m in pkgutil.iter_modules(irdesk.store.__path__)
    ]
    assert ui_modules_after_importing(*names) == []


def test_the_desk_paints_home_before_loading_playbooks():
    """`irdesk` shows its first frame from the journal alone: the desk's module loads
    neither the playbook formats (YAML) nor the incident domain; they come on first use."""
    loaded = set(
        modules_after(("irdesk.services.desk", "irdesk.cli.incidents"), ("irdesk", "yaml"))
    )
    heavy = {"yaml", "irdesk.formats.loader", "irdesk.formats.catalog", "irdesk.domain.fold"}
    assert "irdesk.store" in loaded
    assert loaded & heavy == set()


def test_listing_improvements_loads_no_report_and_no_playbook():
    """`irdesk improvements` starts fast: the store and the review's fold, nothing else."""
    loaded = modules_after(
        ("irdesk.cli.improvements", "irdesk.services.improvements"), ("irdesk", "yaml")
    )
    assert "irdesk.store" in loaded and "irdesk.domain.review" in loaded
    assert {m for m in loaded if m.startswith(("irdesk.report", "irdesk.formats", "yaml"))} == set()


def test_jinja2_waits_for_the_first_html_report():
    # irdesk starts (and writes Markdown and JSON reports) without paying for Jinja2
    startup = ("irdesk.main", "irdesk.cli.report", "irdesk.report.render")
    assert modules_after(startup, ("jinja2", "markupsafe")) == []
    # the check can fail: loading the HTML template does import it
    loaded = modules_after(
        startup, ("jinja2",), then="from irdesk.report.render import html; html._template()"
    )
    assert "jinja2" in loaded
