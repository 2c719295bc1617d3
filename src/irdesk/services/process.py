"""Running another program, the careful way: argv only, bounded time and output.

irdesk runs programs with nobody looking (a notify command from the watcher, ``ssh-keygen``
to seal a journal). Each one runs from an argv list (no shell), in a process group of its
own and without a controlling terminal (so it cannot prompt, and a timeout kills everything
it started, grandchildren included), with its output read as it comes and only the last
``output_limit`` bytes kept (a program that floods its output costs a bounded buffer, not
the desk's memory). Nothing here raises for the program's failure: :class:`Outcome` says
what happened, for a person.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass

#: what is kept of a program's output (stdout and stderr together, the end of it)
OUTPUT_LIMIT = 64 * 1024
#: after a timeout: SIGTERM to the group, then SIGKILL after this many seconds
KILL_GRACE = 1.0


@dataclass(frozen=True)
class Outcome:
    argv: tuple[str, ...]
    returncode: int | None  # None: it never ran, or was killed at the timeout
    error: str | None  # why it failed, for people; None when it ran and exited 0
    stdout: bytes = b""  # the end of stdout (at most output_limit bytes)
    output: str = ""  # the end of stdout and stderr together, decoded for people
    truncated: bool = False  # more was printed than was kept

    @property
    def ok(self) -> bool:
        return self.error is None


def run(
    argv: list[str],
    *,
    timeout: float,
    input: bytes = b"",
    output_limit: int = OUTPUT_LIMIT,
    env: Mapping[str, str] | None = None,
    interactive: bool = False,
) -> Outcome:
    """Run ``argv`` with ``input`` on its stdin; never raises for the program's sake.

    ``interactive`` keeps the terminal (a passphrase prompt on ``/dev/tty`` may appear):
    only for a command a person started and is watching.
    """
    args = tuple(argv)
    try:
        proc = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=not interactive,
            env=dict(env) if env is not None else None,
            close_fds=True,
        )
    except FileNotFoundError:
        return Outcome(args, None, f"command not found: {args[0]}")
    except PermissionError:
        return Outcome(args, None, f"permission denied running {args[0]}")
    except OSError as exc:
        return Outcome(args, None, f"could not run {args[0]}: {exc.strerror or exc}")
    out, both, truncated, timed_out = _communicate(proc, input, timeout, output_limit)
    if not interactive:
        _kill_group(proc, signal.SIGKILL)  # nothing it started outlives it
    text = both.decode("utf-8", "replace")
    if timed_out:
        return Outcome(args, None, f"timed out after {timeout:g}s (killed)", out, text, truncated)
    if proc.returncode != 0:
        return Outcome(
            args, proc.returncode, f"exited with status {proc.returncode}", out, text, truncated
        )
    return Outcome(args, 0, None, out, text, truncated)


def _communicate(
    proc: subprocess.Popen[bytes], data: bytes, timeout: float, limit: int
) -> tuple[bytes, bytes, bool, bool]:
    """Feed stdin, read stdout/stderr as they come, keep the last ``limit`` bytes of each
    (stdout alone, and both together); kill the group at the deadline."""
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    deadline = time.monotonic() + timeout
    out = bytearray()
    both = bytearray()
    truncated = False
    timed_out = False
    sel = selectors.DefaultSelector()
    pending = memoryview(data)
    if pending:
        os.set_blocking(proc.stdin.fileno(), False)
        sel.register(proc.stdin, selectors.EVENT_WRITE)
    else:
        proc.stdin.close()
    sel.register(proc.stdout, selectors.EVENT_READ)
    sel.register(proc.stderr, selectors.EVENT_READ)
    exited = False
    try:
        while sel.get_map():
            if not exited and proc.poll() is not None:
                # It is done; what it left running may hold the pipes open: read what is
                # already there, then stop (the group is killed afterwards).
                exited = True
                deadline = min(deadline, time.monotonic() + 0.2)
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = not exited
                break
            for key, _ in sel.select(min(left, 0.5)):
                if key.fileobj is proc.stdin:
                    try:
                        sent = os.write(proc.stdin.fileno(), pending[:65536])
                    except (BrokenPipeError, OSError):
                        sent = len(pending)
                    pending = pending[sent:]
                    if not pending:
                        sel.unregister(proc.stdin)
                        proc.stdin.close()
                    continue
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    sel.unregister(key.fileobj)
                    continue
                if key.fileobj is proc.stdout:
                    out += chunk
                    if len(out) > limit:
                        del out[: len(out) - limit]
                both += chunk
                if len(both) > limit:
                    del both[: len(both) - limit]
                    truncated = True
        if not timed_out:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                timed_out = True
    finally:
        sel.close()
        if timed_out:
            _kill_group(proc, signal.SIGTERM)
            try:
                proc.wait(timeout=KILL_GRACE)
            except subprocess.TimeoutExpired:
                _kill_group(proc, signal.SIGKILL)
                proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if not stream.closed:
                stream.close()
    return bytes(out), bytes(both), truncated, timed_out


def _kill_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
    if proc.poll() is None and sig == signal.SIGKILL:
        proc.kill()
