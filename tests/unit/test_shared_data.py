"""The dataset skip: a skip anywhere, a failure where the datasets are required (CI)."""

from __future__ import annotations

import pytest

from tests.shared_data import REQUIRE_DATA, skip_without_data


def test_without_the_flag_a_missing_dataset_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_DATA, raising=False)
    with pytest.raises(pytest.skip.Exception, match="Junyi data not found"):
        skip_without_data("Junyi data not found under /nowhere")


def test_with_the_flag_a_missing_dataset_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REQUIRE_DATA, "1")
    with pytest.raises(pytest.fail.Exception, match="Junyi data not found under /nowhere .*required"):
        skip_without_data("Junyi data not found under /nowhere")
