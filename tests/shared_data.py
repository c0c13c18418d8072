"""Tests on the shared public datasets (../shared/data) skip where those are absent, with a message saying
where they were looked for, so the suite runs anywhere. CI has them: there `REQUIRE_SHARED_DATA=1` (set by
.ci/run) turns such a skip into a failure, so a wrong path cannot make CI silently drop the only checks on
real graphs and logs."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

REQUIRE_DATA = "REQUIRE_SHARED_DATA"


def skip_without_data(reason: str) -> NoReturn:
    if os.environ.get(REQUIRE_DATA) == "1":
        pytest.fail(f"{reason} ({REQUIRE_DATA}=1: the shared datasets are required here)", pytrace=False)
    pytest.skip(reason)
