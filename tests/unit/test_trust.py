"""The roster and the config decide what runs unattended: a file someone else could have
written is refused, with one line saying why (tried as an attacker would)."""

from __future__ import annotations

import grp
import os
import pwd
import stat
from pathlib import Path

import pytest

from irdesk.formats.catalog import load_config, load_roster_or_none
from irdesk.formats.trust import Untrusted, read_trusted

ROSTER = """\
irdesk: roster/1
people:
  - name: Ada Moreno
    roles: [commander]
notify:
  command: [notify-send, "{message}"]
"""

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="giving a file away needs root")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir(mode=0o700)
    return folder


def _roster(home: Path, mode: int = 0o600) -> Path:
    path = home / "roster.yaml"
    path.write_text(ROSTER)
    path.chmod(mode)
    return path


def test_a_private_roster_loads(home):
    roster, result = load_roster_or_none(_roster(home))
    assert result is not None and result.ok and roster is not None
    assert roster.notify is not None


def test_a_roster_anyone_can_write_is_refused(home):
    roster, result = load_roster_or_none(_roster(home, 0o666))
    assert roster is None
    (problem,) = result.errors
    assert "can be written by anyone (mode 0666)" in problem.message
    assert "chmod go-w" in problem.message


@as_root
def test_a_roster_a_shared_group_can_write_is_refused(home):
    path = _roster(home, 0o620)
    os.chown(path, -1, 65534)  # a group other people are in
    roster, result = load_roster_or_none(path)
    assert roster is None
    assert "can be written by its group (mode 0620)" in result.errors[0].message


def _own_private_group() -> bool:
    me = pwd.getpwuid(os.geteuid())
    try:
        group = grp.getgrgid(me.pw_gid)
    except KeyError:
        return False
    return group.gr_name == me.pw_name and set(group.gr_mem) <= {me.pw_name}


@pytest.mark.skipif(not _own_private_group(), reason="needs a user private group")
def test_group_write_in_the_users_private_group_is_allowed(home):
    # Debian and Ubuntu give each user a group of their own, and a umask of 002.
    path = _roster(home, 0o664)
    os.chown(path, -1, pwd.getpwuid(os.geteuid()).pw_gid)
    home.chmod(0o775)
    roster, _ = load_roster_or_none(path)
    assert roster is not None


def test_a_roster_in_a_folder_anyone_can_write_is_refused(home):
    path = _roster(home)
    home.chmod(0o777)  # anyone could rename ours away and put theirs in its place
    roster, result = load_roster_or_none(path)
    assert roster is None
    assert "which anyone can write (mode 0777)" in result.errors[0].message


def test_a_sticky_shared_folder_is_allowed_for_a_file_of_ours(home):
    path = _roster(home)
    home.chmod(0o1777)  # like /tmp: others cannot rename or remove what is ours
    roster, _ = load_roster_or_none(path)
    assert roster is not None


def test_a_link_into_a_folder_others_can_write_is_refused(home, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    target = _roster(shared)
    shared.chmod(0o777)
    link = home / "roster.yaml"
    link.symlink_to(target)
    roster, result = load_roster_or_none(link)
    assert roster is None
    assert "which anyone can write" in result.errors[0].message


@as_root
def test_a_roster_owned_by_another_user_is_refused_even_for_root(home):
    path = _roster(home)
    os.chown(path, 65534, 65534)  # nobody: root would otherwise run nobody's command
    roster, result = load_roster_or_none(path)
    assert roster is None
    assert "is owned by" in result.errors[0].message and "uid 65534" in result.errors[0].message


@as_root
def test_a_folder_owned_by_another_user_is_refused(home):
    path = _roster(home)
    os.chown(home, 65534, 65534)
    with pytest.raises(Untrusted, match="which belongs to"):
        read_trusted(path, "roster", 1 << 20)


def test_a_named_pipe_is_refused_without_blocking(home):
    fifo = home / "roster.yaml"
    os.mkfifo(fifo, 0o600)
    with pytest.raises(Untrusted, match="not a regular file"):
        read_trusted(fifo, "roster", 1 << 20)


def test_the_config_is_held_to_the_same_rule(home):
    path = home / "config.yaml"
    path.write_text("irdesk: config/1\nwatch: {interval: 5s}\n")
    path.chmod(0o600)
    config, result = load_config(path)
    assert result.ok and config.watch.interval.total_seconds() == 5
    path.chmod(stat.S_IMODE(path.stat().st_mode) | 0o002)
    config, result = load_config(path)
    assert not result.ok and config.watch.interval.total_seconds() == 15  # the defaults
    assert "can be written by anyone" in result.errors[0].message
