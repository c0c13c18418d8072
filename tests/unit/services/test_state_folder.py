"""The services' state folder holds the databases and Neo4j's auth file: it is private however it was made."""

from __future__ import annotations

from pathlib import Path

from kgplatform.services.manager import state_lock
from kgplatform.settings import LocalServicesSettings, Settings


def test_a_state_folder_that_already_exists_is_made_private(tmp_path: Path) -> None:
    """`mkdir(mode=0o700, exist_ok=True)` left a folder made before (CONTRIBUTING's `.services/me` makes
    `.services` at 0755) readable by every user of the machine."""
    folder = tmp_path / ".services"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    with state_lock(Settings(services=LocalServicesSettings(state_dir=folder))):
        pass
    assert oct(folder.stat().st_mode & 0o777) == "0o700"


def test_down_with_remote_addresses_names_the_local_servers_it_stops_not_the_remote_ones(
    tmp_path: Path,
) -> None:
    """`services down` in a shell pointed at Aura stops this folder's local servers; the rows read
    'neo4j  neo4j+s://xxxx.databases.neo4j.io  stopped'."""
    from kgplatform.services.manager import down

    remote = Settings.model_validate(
        {
            "neo4j": {"uri": "neo4j+s://xxxx.databases.neo4j.io"},
            "redis": {"url": "redis://redis.internal:6379/0"},
            "services": {"state_dir": str(tmp_path)},
        }
    )
    rows = down(remote)
    assert [row.name for row in rows] == ["redis", "neo4j"]
    for row in rows:
        assert "internal" not in row.address and "databases.neo4j.io" not in row.address
        assert str(tmp_path) in row.address
