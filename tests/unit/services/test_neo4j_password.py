"""The local Neo4j's initial password is set without putting it on a command line: `ps` shows every
process's arguments to every user of the machine, and `neo4j-admin dbms set-initial-password <password>`
showed it for the seconds the tool ran (a review, 8 December 2026). Run with the real neo4j-admin."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from kgplatform.services import neo4j_local
from kgplatform.settings import LocalServicesSettings, Neo4jSettings, Settings, get_settings

# A space would split an unquoted argument, a quote and a backslash end or escape a quoted one, a leading #
# starts a comment, and é is two bytes in UTF-8, one in Latin-1.
PASSWORD = '#pa ss"wo\\rd-é'

# Stands in for java only to write down its arguments, one a line, then runs the real one with them.
RECORDING_JAVA = """#!/bin/sh
printf '%s\\n' "$@" > "{record}"
exec "{java}" "$@"
"""


def neo4j_login_matches(auth_ini: Path, user: str, password: str) -> bool:
    """Whether `auth_ini` (what `set-initial-password` writes, `user:SHA-256,hash,salt,iterations:`) lets
    `user` in with `password`: Neo4j hashes the salt and the password's UTF-8 bytes with SHA-256, then the
    digest again, `iterations` times in all."""
    name, credential, _ = auth_ini.read_text().strip().split(":", 2)
    algorithm, stored, salt, iterations = credential.split(",")
    assert algorithm == "SHA-256", auth_ini.read_text()
    digest = hashlib.sha256(bytes.fromhex(salt) + password.encode("utf-8")).digest()
    for _ in range(int(iterations) - 1):
        digest = hashlib.sha256(digest).digest()
    return name == user and digest.hex() == stored.lower()


def test_the_initial_password_is_on_no_command_line_and_is_set_whatever_the_locale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_java = neo4j_local.debian_java17() or shutil.which("java")
    jars = neo4j_local.layout_for(get_settings()).lib_dir  # downloaded by `kgplatform services up`
    if real_java is None or not any(jars.glob("neo4j-*.jar")):
        pytest.skip(f"needs Java 17 and Neo4j's jars in {jars} (`kgplatform services up` fetches them)")
    record = tmp_path / "arguments"
    java = tmp_path / "java"
    java.write_text(RECORDING_JAVA.format(record=record, java=real_java))
    java.chmod(0o755)
    settings = Settings(
        _env_file=None,
        neo4j=Neo4jSettings(password=PASSWORD),
        services=LocalServicesSettings(state_dir=tmp_path / "state"),
    )
    layout = neo4j_local.Neo4jLayout(lib_dir=jars, home=tmp_path / "state" / "neo4j")
    neo4j_local.write_config(settings, layout)
    monkeypatch.setenv("LC_ALL", "C")  # Java then reads text as ASCII unless told otherwise
    monkeypatch.setenv("LANG", "C")

    neo4j_local.set_initial_password(settings, layout, str(java))

    arguments = record.read_text()
    assert "pa ss" not in arguments and "wo\\rd" not in arguments, arguments
    assert neo4j_login_matches(layout.data_dir / "dbms" / "auth.ini", "neo4j", PASSWORD)
    assert not list(layout.home.glob(".set-password-*")), "the argument file must not outlive the tool"
