"""Signed seals: an incident's head signed with an SSH key, checked later against allowed
signers, with real ``ssh-keygen`` (and ``ssh-agent``) on throwaway keys."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from irdesk.cli import main
from irdesk.services import sealing
from irdesk.store import Journal
from irdesk.store.chain import entry_hash

try:
    from helpers_seal import allowed, make_key
    from helpers_store import attacker, cover_tracks, journal_with_notes
except ImportError:  # tests/ as a package
    from tests.helpers_seal import allowed, make_key
    from tests.helpers_store import attacker, cover_tracks, journal_with_notes

pytestmark = pytest.mark.skipif(
    shutil.which("ssh-keygen") is None, reason="needs ssh-keygen (openssh-client)"
)


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    path = tmp_path / "j.db"
    journal_with_notes(path, 5, incidents=2)
    return path


@pytest.fixture
def ada(tmp_path: Path) -> Path:
    return make_key(tmp_path, "ada")


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), prog_name="irdesk", env=env)


def test_a_seal_is_kept_in_the_chain_and_verifies(journal_path: Path, ada: Path, tmp_path: Path):
    with Journal.open(journal_path) as journal:
        head = journal.incident("INC-0001").head
        entry = sealing.seal(journal, "INC-0001", key=ada, principal="ada@example.org", actor="ada")
        assert entry.seq == head.seq + 1 and entry.kind == "journal.sealed"
        assert entry.payload["head"] == head.label("INC-0001")
        assert entry.payload["signature"].startswith("-----BEGIN SSH SIGNATURE-----")
        # sealing again changes nothing: the chain already ends with this key's seal
        assert (
            sealing.seal(journal, "INC-0001", key=ada, principal="ada@example.org", actor="ada")
            == entry
        )
        signers = allowed(tmp_path, {"ada@example.org": ada})
        check = sealing.check(journal, None, signers)
        assert (check.ok, check.seals, check.good) == (
            True,
            1,
            [
                f"{head.label('INC-0001')} sealed by ada@example.org "
                f"({entry.payload['fingerprint']}) at entry {entry.seq}"
            ],
        )


def test_without_a_key_nothing_breaks_and_verify_says_so(journal_path: Path):
    result = run("verify", "--journal", str(journal_path))
    assert result.exit_code == 0
    assert "seals: none (sealing needs a signing key: irdesk seal --key FILE)" in result.stdout
    failed = run("seal", "--journal", str(journal_path), env={"IRDESK_SIGNING_KEY": ""})
    assert failed.exit_code == 2
    assert failed.stderr == "irdesk: no signing key: give --key FILE or set IRDESK_SIGNING_KEY\n"


def test_a_rewritten_chain_fails_its_seal(journal_path: Path, ada: Path, tmp_path: Path):
    """The 'done when': a sealed incident whose chain is rewritten (an entry edited and
    every later hash recomputed, record and triggers put back) fails verify."""
    sealed = run(
        "seal",
        "INC-0001",
        "--journal",
        str(journal_path),
        "--key",
        str(ada),
        "--principal",
        "ada@example.org",
    )
    assert sealed.exit_code == 0, sealed.output
    assert sealed.stdout.startswith("sealed INC-0001@6:")
    signers = allowed(tmp_path, {"ada@example.org": ada})
    ok = run("verify", "--journal", str(journal_path), "--allowed-signers", str(signers))
    assert ok.exit_code == 0, ok.output
    assert "seals: 1 good" in ok.stdout

    conn = attacker(journal_path)
    rows = conn.execute(
        "SELECT incident_id, seq, uid, kind, actor, role, occurred_at, recorded_at, "
        "backdate_reason, corrects, payload, prev_hash, hash FROM entries "
        "WHERE incident_id = 'INC-0001' ORDER BY seq"
    ).fetchall()
    prev = None
    for r in rows:
        payload = '{"text":"nothing happened"}' if r[1] == 3 else r[10]
        link = r[11] if prev is None else prev
        h = entry_hash(*r[:10], payload, link)
        conn.execute(
            "UPDATE entries SET payload = ?, prev_hash = ?, hash = ? "
            "WHERE incident_id = ? AND seq = ?",
            (payload, link, h, r[0], r[1]),
        )
        prev = h
    conn.execute("UPDATE incidents SET head_hash = ? WHERE id = 'INC-0001'", (prev,))
    cover_tracks(conn)
    conn.close()
    result = run(
        "verify",
        "--journal",
        str(journal_path),
        "--allowed-signers",
        str(signers),
        "--format",
        "json",
    )
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is True  # the chain itself is whole: only the seal tells
    [bad] = data["seals"]["bad"]
    assert bad.startswith("INC-0001 seal at entry 7 signed INC-0001@6:")
    assert bad.endswith(
        "which is no longer in the chain: the chain was rewritten after it was sealed"
    )


def test_a_forged_seal_does_not_verify(journal_path: Path, ada: Path, tmp_path: Path):
    """Mallory rewrites the chain and seals it again with her own key, under Ada's name."""
    mallory = make_key(tmp_path, "mallory")
    with Journal.open(journal_path) as journal:
        sealing.seal(journal, "INC-0001", key=mallory, principal="ada@example.org", actor="ada")
        signers = allowed(tmp_path, {"ada@example.org": ada})
        check = sealing.check(journal, "INC-0001", signers)
    [bad] = check.bad
    assert "the signature does not verify for ada@example.org" in bad
    assert check.summary() == "seals: 1 of 1 BAD"


def test_a_key_in_ssh_agent_signs_from_its_public_half(journal_path: Path, tmp_path: Path):
    key = make_key(tmp_path, "agent-key", passphrase="correct horse")
    agent = subprocess.run(["ssh-agent", "-s"], capture_output=True, text=True, check=True)
    env = dict(os.environ)
    for part in agent.stdout.replace("\n", ";").split(";"):
        if "=" in part and part.strip().startswith("SSH_"):
            name, value = part.strip().split("=", 1)
            env[name] = value
    try:
        askpass = tmp_path / "askpass"
        askpass.write_text("#!/bin/sh\necho 'correct horse'\n")
        askpass.chmod(0o700)
        subprocess.run(
            ["ssh-add", str(key)],
            env={**env, "SSH_ASKPASS": str(askpass), "SSH_ASKPASS_REQUIRE": "force"},
            check=True,
            capture_output=True,
            stdin=subprocess.DEVNULL,
        )
        old = dict(os.environ)
        os.environ.update(env)
        try:
            with Journal.open(journal_path) as journal:
                entry = sealing.seal(
                    journal,
                    "INC-0002",
                    key=Path(f"{key}.pub"),
                    principal="lin@example.org",
                    actor="lin",
                )
                signers = allowed(tmp_path, {"lin@example.org": key})
                assert sealing.check(journal, "INC-0002", signers).good
        finally:
            os.environ.clear()
            os.environ.update(old)
        assert entry.payload["principal"] == "lin@example.org"
    finally:
        subprocess.run(["ssh-agent", "-k"], env=env, capture_output=True)


def test_a_key_that_needs_a_passphrase_fails_unattended(journal_path: Path, tmp_path: Path):
    key = make_key(tmp_path, "locked", passphrase="secret")
    with Journal.open(journal_path) as journal:
        with pytest.raises(sealing.SealError, match="ssh-keygen could not sign with"):
            sealing.seal(journal, "INC-0001", key=key, principal="x", actor="x")
        assert journal.seals() == []


def test_seal_without_an_id_seals_every_incident(journal_path: Path, ada: Path):
    result = run("seal", "--journal", str(journal_path), "--key", str(ada), "--as", "ada")
    assert result.exit_code == 0, result.output
    assert [line.split()[1].split("@")[0] for line in result.stdout.splitlines()] == [
        "INC-0001",
        "INC-0002",
    ]
    again = run("seal", "--journal", str(journal_path), "--key", str(ada), "--as", "ada")
    assert again.stdout.splitlines() == [
        line.replace("sealed ", "").split(" as ")[0] + " already sealed by ada"
        for line in result.stdout.splitlines()
    ]
    missing = run("seal", "INC-0404", "--journal", str(journal_path), "--key", str(ada))
    assert missing.exit_code == 2 and "no incident INC-0404" in missing.stderr
