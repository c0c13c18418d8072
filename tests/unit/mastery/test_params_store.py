"""Fitted parameters saved as versioned JSON and loaded back as the current ones."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from kgplatform.errors import ValidationFailed
from kgplatform.mastery import params_store
from kgplatform.mastery.bkt import TracerParams
from kgplatform.mastery.service import CurrentParams
from kgplatform.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(paths={"models_dir": tmp_path / "models"})  # type: ignore[arg-type]


def test_nothing_fitted_yet_loads_none(settings: Settings) -> None:
    assert params_store.load_current(settings) is None


def test_latest_save_becomes_current(settings: Settings) -> None:
    first = TracerParams.default(["a", "b"], model_version="bkt-1")
    second = first.replace(p_learn=np.array([0.3, 0.05]), model_version="bkt-2")
    params_store.save(settings, first)
    path = params_store.save(settings, second, {"data": "synthetic"})
    current = params_store.load_current(settings)
    assert current is not None and current.model_version == "bkt-2"
    np.testing.assert_array_equal(current.p_learn, [0.3, 0.05])
    assert params_store.read_metadata(path) == {"data": "synthetic"}
    assert params_store.load(path.with_name("bkt-1.json")).model_version == "bkt-1"


def test_a_foreign_file_is_refused(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"format": "something-else", "concepts": []}')
    with pytest.raises(ValidationFailed):
        params_store.load(path)


def test_current_params_say_once_when_nothing_was_fitted(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """A worker without the shared models folder plans with the defaults: it must say so (once)."""
    current = CurrentParams(settings)
    with caplog.at_level(logging.WARNING, logger="kgplatform.mastery.service"):
        assert current().model_version == "bkt-default"
        current()
    said = [r.getMessage() for r in caplog.records if "no fitted tracer parameters" in r.getMessage()]
    assert len(said) == 1 and str(params_store.tracer_dir(settings)) in said[0]
    params_store.save(settings, TracerParams.default(["a"], model_version="bkt-1"))
    assert current().model_version == "bkt-1"
