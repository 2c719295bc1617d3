"""``irdesk scan`` in-process with click's CliRunner: output, exit codes, untrusted text."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from helpers_cli import one_line_failure

from irdesk.cli import main


def run(*args: str):
    return CliRunner().invoke(main, ["scan", *args], prog_name="irdesk", catch_exceptions=False)


def recent(seconds_ago: int) -> str:
    """A syslog time a little before now (the scan reads with today's clock)."""
    return (datetime.now(UTC) - timedelta(seconds=seconds_ago)).strftime("%b %e %H:%M:%S")


def auth_log(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "auth.log"
    path.write_text("".join(line + "\n" for line in lines))
    return path


def guessing(tmp_path: Path) -> Path:
    return auth_log(
        tmp_path,
        *(
            f"{recent(60 - i)} web1 sshd[77]: Failed password for root from 203.0.113.9 "
            "port 22 ssh2"
            for i in range(5)
        ),
    )


MY_RULES = """\
irdesk: rules/1
sources:
  - id: app
    paths: [{path}]
    format: syslog
    timezone: UTC
rules:
  - id: app-error
    title: "App error for {{who}}"
    source: threat-model
    reviewed: 2026-11-01
    requires: [app]
    match: 'app\\[\\d+\\]: error for (?P<who>.*)$'
"""


def my_rules(tmp_path: Path, log: Path) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text(MY_RULES.format(path=log))
    return path


# --------------------------------------------------------------------------- running


def test_without_dry_run_it_records_in_the_journal(tmp_path: Path):
    log = guessing(tmp_path)
    journal = tmp_path / "j.db"
    result = run("--source", f"auth={log}", "--journal", str(journal))
    assert result.exit_code == 1, result.output
    assert "finding FND-0001 ssh-password-guessing: SSH password guessing from" in result.stdout
    assert "defect web-access missing (new): no file matches" in result.stdout
    assert ": 1 new finding, " in result.stdout and "dry run" not in result.stdout
    again = run("--source", f"auth={log}", "--journal", str(journal), "--format", "json")
    report = json.loads(again.stdout)
    assert report["findings"] == [] and report["opened"] == [] and report["lines"] == 0
    assert again.exit_code == 1  # the defects are still open


def test_a_burst_is_printed_and_exits_one(tmp_path: Path):
    log = guessing(tmp_path)
    result = run("--dry-run", "--source", f"auth={log}")
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "finding ssh-password-guessing: SSH password guessing from 203.0.113.9\n" in out
    assert "  5 events, " in out and "in auth\n" in out
    # no id: a dry run records nothing, and `irdesk findings ID` takes only FND-NNNN
    assert "(id " not in out
    assert "  | ... and 2 more lines" in out
    assert "defect web-access missing: no file matches /var/log/nginx/access.log" in out
    assert "not checked web-error-burst: every source it needs is defective (web-access)" in out
    assert out.rstrip().endswith("(dry run: nothing recorded, no checkpoint kept)")


def test_json_output(tmp_path: Path):
    log = guessing(tmp_path)
    result = run("--dry-run", "--source", f"auth={log}", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert set(report) == {
        "findings",
        "defects",
        "opened",
        "closed",
        "unchecked",
        "lines",
        "seconds",
    }
    (finding,) = [f for f in report["findings"] if f["rule"] == "ssh-password-guessing"]
    assert finding["key"] == {"ip": "203.0.113.9"} and finding["count"] == 5
    assert finding["source"] == "auth" and len(finding["id"]) == 20
    assert datetime.fromisoformat(finding["first"]) < datetime.fromisoformat(finding["last"])
    assert {"source": "web-access", "problem": "missing"} in [
        {k: d[k] for k in ("source", "problem")} for d in report["defects"]
    ]
    assert report["lines"] == 5


def test_nothing_found_exits_zero(tmp_path: Path):
    log = auth_log(tmp_path, f"{recent(5)} web1 app[1]: all is well")
    result = run("--dry-run", "--rules", str(my_rules(tmp_path, log)))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("1 line from 1 file in ")
    assert ": 0 findings, 0 defects" in result.stdout


def test_your_rules_file_can_use_the_bundled_sources(tmp_path: Path):
    log = auth_log(tmp_path, f"{recent(5)} web1 app[1]: error for bob")
    rules = tmp_path / "uses-auth.yaml"
    rules.write_text(MY_RULES.format(path=log).replace("requires: [app]", "requires: [auth]"))
    result = run("--dry-run", "--rules", str(rules), "--source", f"auth={log}")
    assert result.exit_code == 1
    assert "finding app-error: App error for bob" in result.stdout


def test_since_reads_only_later_lines(tmp_path: Path):
    log = auth_log(
        tmp_path,
        f"{recent(7200)} web1 app[1]: error for old",
        f"{recent(10)} web1 app[1]: error for new",
    )
    result = run("--dry-run", "--rules", str(my_rules(tmp_path, log)), "--since", "1h ago")
    assert "App error for new" in result.stdout and "App error for old" not in result.stdout


# --------------------------------------------------------------------------- untrusted lines


def test_log_lines_reach_the_terminal_inert(tmp_path: Path):
    log = tmp_path / "auth.log"
    log.write_bytes(
        f"{recent(5)} web1 app[1]: error for \x1b[2J\x1b]0;pwned\x07 \u202eevil \xff".encode()
        + b"\xfe\n"
    )
    result = run("--dry-run", "--rules", str(my_rules(tmp_path, log)))
    assert result.exit_code == 1
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert "App error for ␛[2J␛]0;pwned\\x07 \\u202eevil ÿ\ufffd" in result.stdout
    as_json = run("--dry-run", "--rules", str(my_rules(tmp_path, log)), "--format", "json")
    assert "\x1b" not in as_json.stdout
    title = json.loads(as_json.stdout)["findings"][0]["title"]
    assert title.startswith("App error for \x1b[2J")  # JSON carries it escaped, exact


# --------------------------------------------------------------------------- refusals


def test_unknown_source_id_is_refused_with_a_hint(tmp_path: Path):
    one_line_failure(
        run("--dry-run", "--source", f"auht={tmp_path}"), "no source 'auht' is declared"
    )
    assert "did you mean 'auth'?" in run("--dry-run", "--source", "auht=/x").stderr
    one_line_failure(run("--dry-run", "--source", "auth"), "expected ID=PATH")


def test_a_bad_since_is_refused(tmp_path: Path):
    log = auth_log(tmp_path, "x")
    one_line_failure(
        run("--dry-run", "--rules", str(my_rules(tmp_path, log)), "--since", "last tuesday"),
        "--since: cannot read 'last tuesday' as a time",
    )


def test_broken_rules_stop_the_scan_with_their_positions(tmp_path: Path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(MY_RULES.format(path="/x").replace("(?P<who>.*)$", "(?P<who>.*$"))
    result = run("--dry-run", "--rules", str(broken))
    assert result.exit_code == 2 and result.stdout == ""
    first, last = result.stderr.splitlines()
    assert first.startswith(f"irdesk: {broken}:13:35: error: rules[0].match: not a valid")
    assert last == (
        "irdesk: 1 problem in the rules files; nothing was scanned (irdesk validate shows them all)"
    )


def test_a_missing_rules_path_is_refused(tmp_path: Path):
    one_line_failure(run("--dry-run", "--rules", str(tmp_path / "nope.yaml")), "no such file")


def test_your_rules_folder_replaces_bundled_sources(tmp_path: Path, irdesk_home: Path):
    log = guessing(tmp_path)
    folder = irdesk_home / "rules"
    folder.mkdir(parents=True)
    (folder / "auth.yaml").write_text(
        f"irdesk: rules/1\nsources:\n  - id: auth\n    paths: [{log}]\n    format: syslog\n"
    )
    result = run("--dry-run", "--format", "json")
    report = json.loads(result.stdout)
    assert [f["rule"] for f in report["findings"]] == ["ssh-password-guessing"]
    assert "auth" not in {d["source"] for d in report["defects"]}


def test_the_scan_never_touches_a_real_home(tmp_path: Path, irdesk_home: Path):
    log = guessing(tmp_path)
    run("--dry-run", "--source", f"auth={log}")
    assert not irdesk_home.exists() or not any(irdesk_home.iterdir())
    assert os.environ["IRDESK_HOME"] == str(irdesk_home)
