"""``irdesk.domain`` does no I/O: no module of it imports the file, process, network or
database machinery, nor the layers above it (checked in the source, and in a fresh
interpreter for what importing it pulls in)."""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import irdesk.domain

IO_MODULES = {
    "os", "io", "pathlib", "glob", "shutil", "gzip", "bz2", "lzma", "mmap", "socket",
    "subprocess", "sqlite3", "tempfile", "urllib", "http", "zoneinfo", "yaml", "platformdirs",
}  # fmt: skip
UPPER_LAYERS = ("irdesk.services", "irdesk.store", "irdesk.cli", "irdesk.tui", "irdesk.formats")


def domain_files() -> list[Path]:
    return sorted(Path(irdesk.domain.__file__).parent.glob("*.py"))


def test_domain_modules_import_nothing_that_does_io():
    assert len(domain_files()) >= 5
    for path in domain_files():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in IO_MODULES, f"{path.name} imports {name}"
                assert not name.startswith(UPPER_LAYERS), f"{path.name} imports {name}"
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "open":
                raise AssertionError(f"{path.name}:{node.lineno} calls open()")


def test_importing_the_domain_pulls_in_no_upper_layer():
    modules = [f"irdesk.domain.{m.name}" for m in pkgutil.iter_modules(irdesk.domain.__path__)]
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('irdesk'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout)
    assert not [m for m in loaded if m.startswith(UPPER_LAYERS)], loaded
