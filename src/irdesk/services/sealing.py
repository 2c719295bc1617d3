"""Sealing a journal with SSH keys, the way git signs commits.

``seal`` signs an incident's head (its last entry's seq and hash) with ``ssh-keygen -Y
sign`` in the ``irdesk`` namespace, using a private key file or, given a public key, the
private half held by ssh-agent; the seal is appended to the incident's chain. ``check``
verifies every seal against an allowed-signers file (``ssh-keygen -Y verify`` format:
``principal key-type base64-key`` per line) and reports seals whose head is no longer in
the chain. Without a key nothing breaks: there are simply no seals, and verify says so.

:func:`seal_on_close` is what closing an incident or a drill does where the config's
``seal:`` section names a key (``on_close: true``): it seals the closed head without
asking for a passphrase (use a key without one, or ssh-agent) and, with
``allowed_signers``, checks the new seal at once. Closing never fails because of it: a
seal that could not be made or does not verify is a defect (``seal/on-close``, in the
desk chain, shown on home and by ``irdesk defects``), closed by the next one that works.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from irdesk.domain.config import SealSettings
from irdesk.domain.defects import Found
from irdesk.domain.entry import Entry
from irdesk.services import defects, process
from irdesk.store import Journal, JournalError
from irdesk.store import seals as seal_format
from irdesk.store.seals import Seal

SSH_KEYGEN = "ssh-keygen"
AREA = "seal"  # the defects of sealing on close
ON_CLOSE = f"{AREA}/on-close"
SIGN_TIMEOUT = 30.0  # a passphrase typed at the terminal, or an agent asking for a touch
VERIFY_TIMEOUT = 15.0


class SealError(JournalError):
    """A seal could not be made (no key, a key that does not sign, no ssh-keygen)."""


def fingerprint(key: Path) -> str:
    """The key's SHA256 fingerprint (``SHA256:…``), public or private key file."""
    done = process.run([SSH_KEYGEN, "-l", "-f", str(key)], timeout=VERIFY_TIMEOUT)
    if not done.ok:
        raise SealError(f"cannot read SSH key {key}: {_why(done)}")
    fields = done.output.split()
    return fields[1] if len(fields) > 1 else fields[0]


def sign(message: bytes, key: Path, *, interactive: bool = False) -> str:
    """The armored SSH signature of ``message`` (namespace ``irdesk``).

    ``interactive`` lets ssh-keygen ask for a passphrase at the terminal; otherwise a key
    that needs one fails at once (an agent key never does)."""
    if not key.exists():
        raise SealError(f"no SSH key at {key}")
    done = process.run(
        [SSH_KEYGEN, "-Y", "sign", "-q", "-f", str(key), "-n", seal_format.NAMESPACE],
        input=message,
        timeout=SIGN_TIMEOUT if interactive else VERIFY_TIMEOUT,
        interactive=interactive,
    )
    signature = done.stdout.decode("ascii", "replace")
    if not done.ok or "BEGIN SSH SIGNATURE" not in signature:
        raise SealError(f"ssh-keygen could not sign with {key}: {_why(done)}")
    return signature


def seal(
    journal: Journal,
    incident_id: str,
    *,
    key: Path,
    principal: str,
    actor: str,
    interactive: bool = False,
) -> Entry:
    """Sign the incident's current head and append the seal to its chain. A chain that
    already ends with this key's seal is left as it is (that seal is returned)."""
    if not principal.strip():
        raise SealError("a seal needs a principal: the name your key has in allowed signers")
    head = journal.incident(incident_id).head
    print_ = fingerprint(key)
    last = journal.get_entry(incident_id, head.seq)
    if (
        last is not None
        and last.kind == seal_format.KIND
        and last.payload.get("fingerprint") == print_
        and last.payload.get("seq") == head.seq - 1
    ):
        return last  # the chain ends with this key's seal of everything before it
    signature = sign(seal_format.message(incident_id, head), key, interactive=interactive)
    return journal.append(
        incident_id,
        seal_format.KIND,
        seal_format.payload(
            incident_id,
            head,
            signature=signature,
            principal=principal.strip(),
            fingerprint=print_,
        ),
        actor=actor,
        uid=f"{incident_id}/seal/{head.seq}/{print_}",
    )


@dataclass
class SealCheck:
    """What verify found about the seals."""

    seals: int = 0
    good: list[str] = field(default_factory=list)  # one line per good seal
    bad: list[str] = field(default_factory=list)  # one line per seal that fails
    checked_signatures: bool = False  # False: no allowed-signers file was given

    @property
    def ok(self) -> bool:
        return not self.bad

    def summary(self) -> str:
        if not self.seals:
            return "seals: none (sealing needs a signing key: irdesk seal --key FILE)"
        if not self.checked_signatures:
            return (
                f"seals: {self.seals} present; signatures not checked "
                "(give --allowed-signers FILE)"
                + (f"; {len(self.bad)} no longer match the chain" if self.bad else "")
            )
        if self.bad:
            return f"seals: {len(self.bad)} of {self.seals} BAD"
        return f"seals: {self.seals} good"


def check(journal: Journal, incident_id: str | None, allowed_signers: Path | None) -> SealCheck:
    """Every seal's head must still be in its chain; with an allowed-signers file, every
    signature must verify for its principal."""
    found = journal.seals(incident_id)
    result = SealCheck(seals=len(found), checked_signatures=allowed_signers is not None)
    if allowed_signers is not None and not allowed_signers.is_file():
        raise SealError(f"no allowed-signers file at {allowed_signers}")
    for seal_, seq, iid in found:
        if seal_ is None:
            result.bad.append(f"{iid} entry {seq} is a seal that cannot be read")
            continue
        if journal.hash_at(iid, seal_.head.seq) != seal_.head.hash:
            result.bad.append(
                f"{iid} seal at entry {seq} signed {seal_.label}, which is no longer in the "
                "chain: the chain was rewritten after it was sealed"
            )
            continue
        if allowed_signers is None:
            continue
        why = verify_signature(seal_, allowed_signers)
        if why is None:
            result.good.append(
                f"{seal_.label} sealed by {seal_.principal} ({seal_.fingerprint}) at entry {seq}"
            )
        else:
            result.bad.append(f"{iid} seal at entry {seq} ({seal_.label}): {why}")
    return result


def verify_signature(seal_: Seal, allowed_signers: Path) -> str | None:
    """None if the seal's signature is good for its principal, else why not."""
    handle, sig_path = tempfile.mkstemp(prefix="irdesk-seal-", suffix=".sig")
    try:
        with os.fdopen(handle, "w", encoding="ascii") as out:
            out.write(seal_.signature)
        done = process.run(
            [
                SSH_KEYGEN,
                "-Y",
                "verify",
                "-f",
                str(allowed_signers),
                "-I",
                seal_.principal,
                "-n",
                seal_format.NAMESPACE,
                "-s",
                sig_path,
            ],
            input=seal_.message,
            timeout=VERIFY_TIMEOUT,
        )
    finally:
        os.unlink(sig_path)
    if done.ok:
        return None
    return f"the signature does not verify for {seal_.principal}: {_why(done)}"


def seal_on_close(
    journal: Journal, incident_id: str, settings: SealSettings, *, actor: str
) -> Entry | None:
    """Seal a just-closed incident's head as ``settings`` say (see the module's docstring);
    None, with a defect opened, when that could not be done."""
    try:
        entry = seal(
            journal,
            incident_id,
            key=Path(settings.key).expanduser(),
            principal=settings.principal,
            actor=actor,
        )
        problem = ""
        if settings.allowed_signers:
            checked = check(journal, incident_id, Path(settings.allowed_signers).expanduser())
            problem = "; ".join(checked.bad)
    except JournalError as error:
        entry, problem = None, error.message
    found = []
    if problem:
        text = f"{incident_id} was closed but its seal {'is bad' if entry else 'is missing'}"
        found.append(Found(ON_CLOSE, AREA, text, problem))
    try:
        defects.record(journal, AREA, found, actor=actor)
    except JournalError:
        pass  # the journal is busy: the next close records it
    return entry if not problem else None


def _why(done: process.Outcome) -> str:
    detail = " ".join(done.output.split())[-300:]
    return f"{done.error}: {detail}" if detail else str(done.error)
