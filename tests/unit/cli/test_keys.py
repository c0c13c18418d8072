"""`keys create`: a name the API would refuse is refused before the graph is touched, saying why."""

from __future__ import annotations

import sys

import pytest

from kgplatform.cli import main


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("ops\u202etoor", "--name: must not hold invisible formatting characters (U+202E)"),
        ("ops\x07", "--name: must not hold control characters (U+0007)"),
        ("x" * 201, "--name: String should have at most 200 characters"),
    ],
)
def test_a_refused_name_says_what_is_wrong_with_it(
    name: str, says: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The message was cut at 12 words, seven of them pydantic's preamble: "... must not hold invisible"
    without the code point, the useful part for a name pasted from elsewhere (a review, s29)."""
    monkeypatch.setattr("kgplatform.cli.keys.graph_session", lambda **_: pytest.fail("the graph was opened"))
    monkeypatch.setattr(sys, "argv", ["kgplatform", "keys", "create", "--role", "service", "--name", name])
    with pytest.raises(SystemExit) as exited:
        main()
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert err == f"kgplatform: invalid key request ({says})\n"
