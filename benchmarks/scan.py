"""Scan benchmark: the bundled SSH, sudo, su and account rules over 1M syslog lines.

    python benchmarks/scan.py                    # 1M lines; memory also at 4M
    python benchmarks/scan.py --lines 200000 --big 0 --naive

Generates an auth log under /tmp (mostly the noise of a busy server: cron sessions, key
logins, logind, sudo commands, sshd disconnects; now and then a burst of failed
passwords, invalid users or a refused sudo), scans it the way ``irdesk scan --dry-run``
does (rotation, checkpoints, windows, findings; warm page cache, best of --runs), and in
the same run times ``LC_ALL=C grep -cE`` over the same file with the same rules' patterns
(translated to POSIX ERE). Peak memory (max RSS) is measured in a fresh process per size,
so a 4x longer log shows whether memory stays flat. ``--naive`` also times the plain
reference (every line decoded and tried by every rule). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from irdesk.domain.logline import LineContext, to_us
from irdesk.domain.scanning import Target, scan_lines
from irdesk.formats.rules import default_files, load_rules
from irdesk.services.scan import MemoryRecorder, scan

try:
    from re import _constants as C
    from re import _parser as P
except ImportError:  # pragma: no cover
    sys.exit("Python 3.11 or later is needed")

DATA = Path("/tmp/irdesk-bench")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
TARGET = 1_000_000  # lines per second, issue #14


# --------------------------------------------------------------------------- the log


def generate(path: Path, lines: int, seed: int = 14) -> None:
    """A deterministic auth log of ``lines`` lines ending just before NOW."""
    rnd = random.Random(seed)
    start = NOW - timedelta(seconds=lines // 20)  # about 20 lines a second
    users = ["root", "deploy", "alice", "bob", "backup", "git", "www-data", "ansible"]
    hosts = [f"198.51.100.{n}" for n in range(1, 60)] + [f"192.0.2.{n}" for n in range(1, 40)]
    noise = [
        "CRON[{pid}]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
        "CRON[{pid}]: pam_unix(cron:session): session closed for user root",
        "sshd[{pid}]: Accepted publickey for {user} from {host} port {port} ssh2: ED25519 "
        "SHA256:9sJc2v0LQm4xYpTq8R2aZkW0e5fH1uN7bVd3iO6gXyE",
        "sshd[{pid}]: pam_unix(sshd:session): session opened for user {user}(uid=1000) by (uid=0)",
        "sshd[{pid}]: Received disconnect from {host} port {port}:11: disconnected by user",
        "sshd[{pid}]: Disconnected from user {user} {host} port {port}",
        "sshd[{pid}]: pam_unix(sshd:session): session closed for user {user}",
        "systemd-logind[612]: New session {pid} of user {user}.",
        "systemd-logind[612]: Session {pid} logged out. Waiting for processes to exit.",
        "systemd-logind[612]: Removed session {pid}.",
        "sudo:   {user} : TTY=pts/0 ; PWD=/home/{user} ; USER=root ; COMMAND=/usr/bin/systemctl "
        "status nginx",
        "sudo: pam_unix(sudo:session): session opened for user root(uid=0) by {user}(uid=1000)",
        "sshd[{pid}]: Connection closed by {host} port {port} [preauth]",
        "sshd[{pid}]: error: kex_exchange_identification: Connection closed by remote host",
        "polkitd[700]: Registered Authentication Agent for unix-process:{pid}:1234 (system bus "
        "name :1.{port})",
    ]
    bursts = [
        ["sshd[{pid}]: Failed password for {user} from {attacker} port {port} ssh2"] * 7,
        ["sshd[{pid}]: Invalid user {word} from {attacker} port {port}"] * 6,
        [
            "sshd[{pid}]: Failed password for root from {attacker} port {port} ssh2",
            "sshd[{pid}]: message repeated 4 times: [ Failed password for root from {attacker} "
            "port {port} ssh2]",
        ],
        [
            "sudo:  {user} : user NOT in sudoers ; TTY=pts/1 ; PWD=/tmp ; USER=root ; "
            "COMMAND=/bin/sh"
        ],
        ["su[{pid}]: FAILED SU (to root) {user} on pts/2"] * 3,
    ]
    words = ["admin", "test", "oracle", "ubuntu", "pi", "postgres", "ftp", "guest", "user"]
    path.parent.mkdir(parents=True, exist_ok=True)
    out = []
    written = 0
    with path.open("w") as handle:
        while written < lines:
            if rnd.random() < 0.002:
                template = rnd.choice(bursts)
                attacker = f"203.0.113.{rnd.randrange(1, 255)}"
            else:
                template = [rnd.choice(noise)]
                attacker = ""
            for text in template:
                when = start + timedelta(seconds=written / 20)
                line = text.format(
                    pid=rnd.randrange(1000, 60000),
                    user=rnd.choice(users),
                    host=rnd.choice(hosts),
                    port=rnd.randrange(1024, 65535),
                    attacker=attacker,
                    word=rnd.choice(words),
                )
                out.append(f"{when:%b %e %H:%M:%S} web1 {line}\n")
                written += 1
            if len(out) >= 50_000:
                handle.write("".join(out))
                out.clear()
        handle.write("".join(out))
    stamp = (NOW - timedelta(seconds=1)).timestamp()
    os.utime(path, (stamp, stamp))


def ensure(lines: int) -> Path:
    path = DATA / f"auth-{lines}.log"
    if not path.exists():
        started = time.perf_counter()
        generate(path, lines)
        took = time.perf_counter() - started
        size = path.stat().st_size / 1e6
        print(f"generated {path} ({lines:,} lines, {size:.0f} MB) in {took:.1f} s")
    return path


# --------------------------------------------------------------------------- the rules


def auth_rules():
    ruleset = load_rules(default_files())
    rules = [
        r
        for r in ruleset.rules.values()
        if all(ruleset.sources[s].format == "syslog" for s in r.requires)
        and r.requires == ("auth",)
    ]
    return ruleset, rules


def run_scan(path: Path, rules, sources) -> tuple[float, object]:  # noqa: ANN001
    started = time.perf_counter()
    report = scan(rules, sources, MemoryRecorder(), now=NOW, paths={"auth": [str(path)]})
    return time.perf_counter() - started, report


# --------------------------------------------------------------------------- grep


def to_ere(pattern: str) -> str:
    """A Python regex as a POSIX extended regex with the same lines matching (GNU grep).

    Raises ValueError for what ERE cannot say (lookarounds, backreferences).
    """
    return _seq(list(P.parse(pattern).data))


_SPECIAL = set(".[]()*+?{}|^$\\")


def _seq(items: list) -> str:
    return "".join(_item(op, av) for op, av in items)


def _item(op, av) -> str:  # noqa: ANN001, C901
    if op is C.LITERAL:
        char = chr(av)
        return "\\" + char if char in _SPECIAL else char
    if op is C.NOT_LITERAL:
        return _bracket([(C.LITERAL, av)], negate=True)
    if op is C.ANY:
        return "."
    if op is C.IN:
        negate = bool(av) and av[0][0] is C.NEGATE
        return _bracket(av[1:] if negate else av, negate)
    if op is C.SUBPATTERN:
        return "(" + _seq(list(av[3])) + ")"
    if op is C.ATOMIC_GROUP:
        return "(" + _seq(list(av)) + ")"
    if op is C.BRANCH:
        return "(" + "|".join(_seq(list(b)) for b in av[1]) + ")"
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
        low, high, sub = av
        body = _seq(list(sub))
        if len(sub) != 1 or sub[0][0] in (C.SUBPATTERN, C.BRANCH):
            body = f"({body})"
        if (low, high) == (0, C.MAXREPEAT):
            return body + "*"
        if (low, high) == (1, C.MAXREPEAT):
            return body + "+"
        if (low, high) == (0, 1):
            return body + "?"
        return body + (f"{{{low},}}" if high is C.MAXREPEAT else f"{{{low},{high}}}")
    if op is C.AT:
        return {C.AT_BEGINNING: "^", C.AT_END: "$", C.AT_BOUNDARY: "\\b"}[av]
    raise ValueError(f"{op} has no POSIX ERE equivalent")


_CLASSES = {
    C.CATEGORY_DIGIT: "[:digit:]",
    C.CATEGORY_SPACE: "[:space:]",
    C.CATEGORY_WORD: "[:alnum:]_",
}
_NOT_CLASSES = {C.CATEGORY_NOT_DIGIT: "[:digit:]", C.CATEGORY_NOT_SPACE: "[:space:]"}


def _bracket(items, negate: bool) -> str:  # noqa: ANN001
    chars, ranges, classes = set(), [], []
    for op, av in items:
        if op is C.LITERAL:
            chars.add(chr(av))
        elif op is C.RANGE:
            ranges.append(f"{chr(av[0])}-{chr(av[1])}")
        elif op is C.CATEGORY and av in _CLASSES:
            classes.append(_CLASSES[av])
        elif op is C.CATEGORY and av in _NOT_CLASSES and len(items) == 1:
            return f"[{'' if negate else '^'}{_NOT_CLASSES[av]}]"
        else:
            raise ValueError(f"character class item {op} {av}")
    body = ("]" if "]" in chars else "") + "".join(sorted(c for c in chars if c not in "]^-"))
    body += "".join(ranges) + "".join(classes) + ("^" if "^" in chars else "")
    body += "-" if "-" in chars else ""
    return f"[{'^' if negate else ''}{body}]"


def _warm(path: Path) -> None:
    """Read the file once so both contenders find it in the page cache."""
    with path.open("rb") as handle:
        while handle.read(16 * 1024 * 1024):
            pass


def run_grep(path: Path, patterns: list[str]) -> tuple[float, int]:
    command = ["grep", "-cE"]
    for pattern in patterns:
        command += ["-e", pattern]
    started = time.perf_counter()
    done = subprocess.run(
        [*command, str(path)],
        capture_output=True,
        text=True,
        env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    took = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"grep failed: {done.stderr.strip()}")
    return took, int(done.stdout.strip() or 0)


# --------------------------------------------------------------------------- memory


def child(path: Path, only_load: bool) -> None:
    """Run in a fresh process: scan (or only load the rules) and print the peak RSS."""
    ruleset, rules = auth_rules()
    lines = 0
    if not only_load:
        _, report = run_scan(path, rules, ruleset.sources)
        lines = report.lines
    print(json.dumps({"rss_mb": _peak_mb(), "lines": lines}))


def _peak_mb() -> float:
    """This process's peak RSS. Linux's ru_maxrss survives execve (a child would report
    its parent's peak), so read VmHWM, which belongs to this address space."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_rss(path: Path, only_load: bool = False) -> dict:
    args = [sys.executable, __file__, "--child", str(path)] + (["--only-load"] if only_load else [])
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


# --------------------------------------------------------------------------- main


def table(header: list[str], rows: list[list[str]]) -> None:
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--big", type=int, default=4_000_000, help="lines for the memory check")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--naive", action="store_true", help="also time the plain reference")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--only-load", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--clean", action="store_true", help=f"delete {DATA} afterwards")
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.only_load)
        return

    path = ensure(args.lines)
    ruleset, rules = auth_rules()
    patterns = []
    for rule in rules:
        try:
            patterns.append(to_ere(rule.match))
        except ValueError as exc:
            print(f"  (grep cannot take {rule.id}: {exc})")
    _warm(path)

    scans = [run_scan(path, rules, ruleset.sources) for _ in range(args.runs)]
    ours, report = min(scans, key=lambda s: s[0])
    grep_s, grep_count = min(run_grep(path, patterns) for _ in range(args.runs))
    rate = report.lines / ours
    missed = "" if rate >= TARGET else ": missed"
    print(f"\n{report.lines:,} syslog lines, {len(rules)} bundled rules, best of {args.runs}")
    table(
        ["measure", "figure", "target"],
        [
            ["irdesk scan, one process", f"{ours:.2f} s: **{rate / 1e6:.2f}M lines/s**",
             f"≥ 1M lines/s{missed}"],
            [f"LC_ALL=C grep -cE, the same {len(patterns)} patterns, same file",
             f"{grep_s:.2f} s: {report.lines / grep_s / 1e6:.1f}M lines/s", ""],
            ["ratio irdesk / grep", f"**{ours / grep_s:.1f}x**", ""],
        ],
    )  # fmt: skip
    print(f"{len(report.findings):,} findings; grep counted {grep_count:,} matching lines")

    if args.naive:
        targets = [Target(i, r) for i, r in enumerate(rules)]
        mtime = to_us(datetime.fromtimestamp(path.stat().st_mtime, UTC))
        context = LineContext(None, mtime, to_us(NOW))
        started = time.perf_counter()
        with path.open("rb") as handle:  # in slices of whole lines, as a scan would
            rest = b""
            while chunk := handle.read(8 * 1024 * 1024):
                data = rest + chunk
                end = data.rfind(b"\n") + 1
                scan_lines(data[:end], targets, "syslog", source="auth", context=context)
                rest = data[end:]
        naive = time.perf_counter() - started
        speed = report.lines / naive / 1e6
        print(f"plain reference (every line decoded, tried by every rule): {speed:.2f}M lines/s")

    print("\npeak memory (max RSS of a fresh process)")
    base = peak_rss(path, only_load=True)["rss_mb"]
    rows = []
    for lines in [args.lines] + ([args.big] if args.big else []):
        target = ensure(lines)
        measured = peak_rss(target)
        size = target.stat().st_size / 1e6
        rows.append([f"{measured['lines']:,}", f"{size:.0f} MB", f"{measured['rss_mb']:.0f} MB"])
    table(["lines", "file", "max RSS"], rows)
    print(f"(Python, irdesk and the rules alone: {base:.0f} MB)")
    if args.clean:
        shutil.rmtree(DATA, ignore_errors=True)


if __name__ == "__main__":
    main()
