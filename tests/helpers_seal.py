"""Helpers for the seal tests: throwaway SSH keys and an allowed-signers file for them."""

from __future__ import annotations

import subprocess
from pathlib import Path


def make_key(folder: Path, name: str, *, passphrase: str = "") -> Path:
    key = folder / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", name, "-f", str(key)],
        check=True,
    )
    return key


def allowed(folder: Path, principals: dict[str, Path]) -> Path:
    """An allowed-signers file: principal → its public key."""
    path = folder / "allowed_signers"
    lines = []
    for principal, key in principals.items():
        kind, blob, *_ = Path(f"{key}.pub").read_text().split()
        lines.append(f"{principal} {kind} {blob}\n")
    path.write_text("".join(lines))
    return path
