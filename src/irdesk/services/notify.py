"""Escalation notifications: the roster's command, argv form, never a shell."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from irdesk.domain.models import NOTIFY_PLACEHOLDERS

TIMEOUT_SECONDS = 15.0


def build_argv(command: tuple[str, ...], values: Mapping[str, object]) -> list[str]:
    """Substitute placeholders inside each argument on its own (no shell ever sees it)."""
    safe = {name: str(values.get(name, "")) for name in NOTIFY_PLACEHOLDERS}
    return [arg.format_map(safe) for arg in command]


@dataclass(frozen=True)
class NotifyResult:
    argv: tuple[str, ...]
    returncode: int | None
    error: str | None  # why it failed, for people; None when it ran and exited 0
    output: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None

    def as_payload(self) -> dict[str, Any]:
        return {
            "argv": list(self.argv),
            "returncode": self.returncode,
            "error": self.error,
            "output": self.output,
        }


def run(argv: list[str], timeout: float = TIMEOUT_SECONDS) -> NotifyResult:
    """Run the notify command. Never raises: a failure is a result to journal."""
    try:
        done = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        return NotifyResult(tuple(argv), None, f"command not found: {argv[0]}")
    except PermissionError:
        return NotifyResult(tuple(argv), None, f"permission denied running {argv[0]}")
    except subprocess.TimeoutExpired:
        return NotifyResult(tuple(argv), None, f"timed out after {timeout:.0f}s")
    except OSError as exc:
        return NotifyResult(tuple(argv), None, f"could not run {argv[0]}: {exc.strerror or exc}")
    output = (done.stdout + done.stderr).decode("utf-8", "replace")[-500:]
    if done.returncode != 0:
        return NotifyResult(
            tuple(argv), done.returncode, f"exited with status {done.returncode}", output
        )
    return NotifyResult(tuple(argv), 0, None, output)
