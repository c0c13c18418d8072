"""`main`: settings that do not parse are one line on stderr and exit 2, whatever part of pydantic-settings
refuses them."""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from kgplatform.cli import base, main
from kgplatform.settings import get_settings


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str]:
    import uvicorn

    # `kgplatform api` reads the settings first; it must never get as far as serving here.
    monkeypatch.setattr(uvicorn, "run", lambda *_, **__: pytest.fail("the API was started"))
    monkeypatch.setattr(sys, "argv", ["kgplatform", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    return int(exited.value.code or 0), capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        ("KGP_SERVING", "{bad", "serving"),  # a group given whole as JSON, which is not JSON
        ("KGP_SERVING__QUEUES", "[planning", "serving.queues"),
        ("KGP_SERVING__QUEUES", "planning,ondemnd", "serving.queues"),
        ("KGP_API_PORT", "eighty", "api_port"),
    ],
)
def test_settings_that_do_not_parse_are_one_line_and_exit_2(
    name: str,
    value: str,
    named: str,
    fresh_settings: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A group variable that is not JSON raised pydantic-settings' SettingsError, which `main` did not
    catch: a traceback and exit 1, "the work ran and failed" (a review, s29)."""
    monkeypatch.setenv(name, value)
    code, err = run_main(monkeypatch, capsys, "api")
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith("kgplatform: invalid settings (") and named in err, err


def test_torchs_deprecation_notice_on_import_is_not_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    """torch-geometric's import warned that `torch.jit.script` is deprecated: two lines on stderr before
    `transfer activate`'s one-line error. Warnings of other modules still show."""

    def command() -> None:
        warnings.warn_explicit(
            "`torch.jit.script` is deprecated.", FutureWarning, "base.py", 65, "torch_geometric.nn.pool"
        )
        warnings.warn_explicit("ours", FutureWarning, "x.py", 1, "kgplatform.transfer.x")

    monkeypatch.setattr(base, "app", command)
    monkeypatch.setattr(sys, "argv", ["kgplatform"])
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("default")  # as a plain `kgplatform` run has them (pytest makes them errors)
        main()
    assert [str(w.message) for w in shown] == ["ours"]


def test_the_api_logs_the_platforms_info_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """`kgplatform api` left the platform's loggers unconfigured: a roster replaced, a class deleted or a
    learner erased (each naming the key, README's word in place of an audit trail) were INFO lines that went
    nowhere. The config uvicorn is given carries them at INFO through one of its handlers, and keeps
    uvicorn's own (read, not applied: applying it here would change logging for the other tests)."""
    import uvicorn

    from kgplatform.cli.serve import api

    given: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *_, **kwargs: given.update(kwargs))
    monkeypatch.setattr("kgplatform.cli.serve.refuse_unservable", lambda *_: None)
    api(None, None)
    config = given["log_config"]
    platform = config["loggers"]["kgplatform"]
    assert platform["level"] == "INFO" and not platform["propagate"]
    assert platform["handlers"] and set(platform["handlers"]) <= set(config["handlers"])
    assert {"uvicorn", "uvicorn.error", "uvicorn.access"} <= set(config["loggers"])


@pytest.mark.parametrize("command", ["export-learner", "erase-learner"])
@pytest.mark.parametrize(
    ("learner_id", "named"),
    [("jane doe", "whitespace"), ("school/42", "'/'"), ("ann ", "whitespace"), ("a\x07b", "control")],
)
def test_an_id_no_learner_can_have_is_a_usage_error_naming_the_rule(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
    learner_id: str,
    named: str,
) -> None:
    """Exit 2 naming the rule, before Neo4j is asked: "no such learner" (exit 4) sent an operator looking
    for a learner that could never exist."""
    for module in ("kgplatform.cli.learner_data", "kgplatform.cli.mastery"):
        monkeypatch.setattr(f"{module}.graph_session", lambda **_: pytest.fail("Neo4j was asked"))
    extra = ["--yes"] if command == "erase-learner" else []
    code, err = run_main(monkeypatch, capsys, command, learner_id, *extra)
    assert code == 2, err
    assert "not a learner id" in err and named in err, err


def test_the_exit_codes_help_says_what_status_exits_3_for_and_that_an_empty_ingest_stores_nothing() -> None:
    """`services status` exits 3 for a service that listens but does not answer too (since 5 December 2026):
    `kgplatform --help` and `services status --help` still said "not running" only. Exit 6 read "nothing
    read", where the file was read and found empty: nothing is stored (a review, 6 December 2026)."""
    from kgplatform.cli.services import services_status

    codes = dict(re.findall(r"(\d+) ([^;]+)", base.EXIT_CODES_HELP.split("Exit codes: ", 1)[1]))
    assert "does not answer" in codes["3"]
    assert "nothing stored" in codes["6"] and "nothing read" not in codes["6"]
    assert "does not answer" in " ".join((services_status.__doc__ or "").split())
