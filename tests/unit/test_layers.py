"""The layers are enforced, not described: import-linter's contracts (pyproject.toml) run
with the suite, so an import that breaks a layer fails a test.

cli | tui → services → report → store | formats → domain → errors | text | paths, with
irdesk.main on top (the one module that knows both front ends); the domain imports no UI,
database, process or file module; only the TUI imports Textual and Rich.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def lint_imports(*args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("lint-imports")
    command = str(script) if script.exists() else shutil.which("lint-imports")
    assert command, "import-linter is not installed (it is in the test extras)"
    return subprocess.run(
        [command, "--no-cache", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_import_contract_is_kept():
    done = lint_imports()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_the_check_itself_sees_a_broken_layer(tmp_path: Path):
    # Guard against a check that can never fail: services do import the store.
    config = tmp_path / "broken.toml"
    config.write_text(
        "[tool.importlinter]\n"
        'root_package = "irdesk"\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "upside down"\n'
        'type = "layers"\n'
        'layers = ["irdesk.store", "irdesk.services"]\n'
    )
    done = lint_imports("--config", str(config))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "BROKEN" in done.stdout


def test_the_domain_never_calls_open():
    """import-linter sees imports; a call of the open() builtin needs none."""
    import ast

    import irdesk.domain

    files = sorted(Path(irdesk.domain.__file__).parent.glob("*.py"))
    assert len(files) >= 5
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "open":
                raise AssertionError(f"{path.name}:{node.lineno} calls open()")
