from pathlib import Path

import pytest

from kgplatform.graph.migrations import MigrationError, discover_migrations

FIXTURE = Path(__file__).parent / "fixtures" / "migrations" / "V0001__two_indexes.cypher"


def test_project_migrations_have_unique_increasing_numbers_and_statements() -> None:
    # Numbers may have gaps (areas reserve theirs); the runner applies any version not yet recorded.
    migrations = discover_migrations()
    versions = [m.version for m in migrations]
    assert versions == sorted(set(versions)) and versions[0] == 1
    assert all(m.statements for m in migrations)


def test_every_schema_statement_is_idempotent() -> None:
    # Migrations may be re-run by a process that lost the lock race, so each must be IF NOT EXISTS.
    for migration in discover_migrations():
        for statement in migration.statements:
            assert "IF NOT EXISTS" in statement, f"V{migration.version:04d}: {statement}"


def test_checksum_changes_when_a_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "V0001__first.cypher"
    path.write_text(FIXTURE.read_text())
    before = discover_migrations(tmp_path)[0].checksum
    path.write_text(FIXTURE.read_text().replace("n.x", "n.z"))
    assert discover_migrations(tmp_path)[0].checksum != before


def test_badly_named_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "0001_constraints.cypher").write_text(FIXTURE.read_text())
    with pytest.raises(MigrationError, match="V0001__what_it_does"):
        discover_migrations(tmp_path)


def test_duplicate_versions_are_refused(tmp_path: Path) -> None:
    for name in ("V0001__a.cypher", "V0001__b.cypher"):
        (tmp_path / name).write_text(FIXTURE.read_text())
    with pytest.raises(MigrationError, match="share a version"):
        discover_migrations(tmp_path)
