"""Fixtures shared by the services' unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgplatform.services.processes import free_port
from kgplatform.settings import LocalServicesSettings, Neo4jSettings, RedisSettings, Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Nothing listens on these ports and this state folder started nothing: both would read "not running".
    return Settings(
        _env_file=None,
        neo4j=Neo4jSettings(uri=f"bolt://127.0.0.1:{free_port()}"),
        redis=RedisSettings(url=f"redis://127.0.0.1:{free_port()}/0"),
        services=LocalServicesSettings(state_dir=tmp_path / "state"),
    )
