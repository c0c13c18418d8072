"""Fitted parameters saved as versioned JSON and loaded back as the current ones."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
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


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda text: text[: len(text) // 2], id="cut-short"),
        pytest.param(lambda text: text.replace('"p_slip": 0.1', '"p_slip": 0.7', 1), id="slip-out-of-bounds"),
        pytest.param(lambda text: text.replace('"p_guess": 0.2', '"p_guess": NaN', 1), id="nan"),
        pytest.param(lambda text: text.replace('"concepts"', '"kinds"', 1), id="no-concepts"),
    ],
)
def test_a_damaged_parameter_file_is_a_503_naming_it_never_a_422_of_the_request(
    settings: Settings, damage: Callable[[str], str]
) -> None:
    """Before, a cut-short file was a 500 and an out-of-bounds value a 422 naming `p_slip` for every
    POST /answers: a service reads a 422 as its own bad row and drops the answers instead of retrying."""
    path = params_store.save(settings, TracerParams.default(["a", "b"], model_version="bkt-1"))
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(params_store.ParamsUnreadable) as raised:
        params_store.load_current(settings)
    assert raised.value.status_code == 503 and path.name in str(raised.value)
    assert raised.value.details["retry_after_s"] == 5  # the API's Retry-After
    with pytest.raises(params_store.ParamsUnreadable):
        CurrentParams(settings)()


def test_a_process_keeps_its_parameters_when_the_file_is_damaged_and_takes_the_repaired_one(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """A refit copied to a worker's folder part-way (or edited by hand) must not stop ingestion where
    good parameters were loaded: they stay in force, the damage is logged once, the repair is taken."""
    params_store.save(settings, TracerParams.default(["a"], model_version="bkt-1"))
    current = CurrentParams(settings)
    assert current().model_version == "bkt-1"
    path = params_store.save(settings, TracerParams.default(["a"], model_version="bkt-2"))
    good = path.read_text(encoding="utf-8")
    path.write_text(good[:40], encoding="utf-8")
    pointer = params_store.tracer_dir(settings) / params_store.CURRENT
    os.utime(pointer, (1, 1))  # a new stamp whatever the clock's resolution
    with caplog.at_level(logging.ERROR, logger="kgplatform.mastery.service"):
        assert current().model_version == "bkt-1"
        assert current().model_version == "bkt-1"
    said = [r.getMessage() for r in caplog.records if path.name in r.getMessage()]
    assert len(said) == 1 and "bkt-1" in said[0]
    path.write_text(good, encoding="utf-8")
    os.utime(pointer, (2, 2))
    assert current().model_version == "bkt-2"
