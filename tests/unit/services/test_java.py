"""Which Java starts Neo4j: JAVA_HOME's, Debian's OpenJDK 17 whatever its architecture, the one on PATH."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgplatform.services import neo4j_local


def fake_java(folder: Path, version: str) -> Path:
    """A `java` that reports `version` as `java -version` does (on stderr)."""
    java = folder / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(f"#!/bin/sh\necho 'openjdk version \"{version}\" 2024-01-16' >&2\n")
    java.chmod(0o755)
    return java


def test_debian_openjdk_17_is_found_on_any_architecture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    fake_java(tmp_path / "java-11-openjdk-arm64", "11.0.21")
    arm = fake_java(tmp_path / "java-17-openjdk-arm64", "17.0.9")
    assert neo4j_local.find_java(tmp_path) == str(arm)


def test_java_home_comes_first_when_neo4j_supports_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_java(tmp_path / "jvm" / "java-17-openjdk-amd64", "17.0.9")
    home = tmp_path / "jdk-21"
    java21 = fake_java(home, "21.0.2")
    monkeypatch.setenv("JAVA_HOME", str(home))
    assert neo4j_local.find_java(tmp_path / "jvm") == str(java21)
    old = tmp_path / "jdk-11"
    fake_java(old, "11.0.21")
    monkeypatch.setenv("JAVA_HOME", str(old))  # too old for Neo4j 5.26: Debian's 17 instead
    assert neo4j_local.find_java(tmp_path / "jvm") == str(
        tmp_path / "jvm" / "java-17-openjdk-amd64" / "bin" / "java"
    )


def test_after_installing_the_package_its_java_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no usable Java, the package is installed and its java found by the folder pattern (the old
    code looked for the amd64 folder by name and failed on arm64 after a successful install)."""
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    installed: list[str] = []

    def install(package: str, needed_for: str) -> None:
        installed.append(package)
        fake_java(tmp_path / "java-17-openjdk-arm64", "17.0.9")

    monkeypatch.setattr(neo4j_local, "install_debian_package", install)
    assert neo4j_local.find_java(tmp_path) == str(tmp_path / "java-17-openjdk-arm64" / "bin" / "java")
    assert installed == ["openjdk-17-jre-headless"]


def test_a_java_tools_error_is_its_message_not_its_stack_trace() -> None:
    stderr = (
        "java.lang.IllegalArgumentException: Error evaluating value for setting "
        "'server.memory.heap.initial_size'. 'zzz' is not a valid size\n"
        "\tat org.neo4j.configuration.Config.evaluateSetting(Config.java:869)\n"
        "\tat org.neo4j.configuration.Config.<init>(Config.java:674)\n" + "\tat picocli.CommandLine.x\n" * 30
    )
    assert neo4j_local.java_error(stderr) == (
        "Error evaluating value for setting 'server.memory.heap.initial_size'. 'zzz' is not a valid size"
    )
    assert neo4j_local.java_error("Cannot write to the data folder\n") == "Cannot write to the data folder"
    assert neo4j_local.java_error("") == "no error output"


def test_a_failed_loads_error_is_not_its_progress() -> None:
    stderr = (
        "Files: 1/69, data:  0.0%\n" * 3
        + "Done: 69 files, 3.842MiB processed in 0.336 seconds.\n"
        + "Failed to load database 'neo4j': Unable to load database: ZstdIOException: Truncated source\n"
        + "Load failed for databases: 'neo4j'\n"
    )
    assert neo4j_local.java_error(stderr) == (
        "Failed to load database 'neo4j': Unable to load database: ZstdIOException: Truncated source"
    )
