from __future__ import annotations

from collections.abc import Iterator

import pytest

from kgplatform.graph.driver import Graph
from kgplatform.settings import Settings
from tests.integration.api.harness import Api, running_api


@pytest.fixture
def api(settings: Settings, graph: Graph) -> Iterator[Api]:
    with running_api(settings, graph) as harness:
        yield harness
