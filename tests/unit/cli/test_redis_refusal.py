"""A command whose Redis refuses the credentials says so and which setting to fix, in the words `worker`,
`beat` and `services status` use: it read "Redis at ... failed: HELLO must be called with the client already
authenticated, ..." (`kgplatform nightly` at a remote Redis that wants a password; a review, 6 December
2026)."""

from __future__ import annotations

import sys

import pytest
import redis

from kgplatform.cli import base
from kgplatform.services.processes import free_port
from kgplatform.settings import get_settings


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("redis://{host}/0", "refused the credentials (KGP_REDIS__URL gives no password): "),
        ("redis://:pw@{host}/0", "refused the credentials: "),
    ],
)
def test_a_refused_login_names_the_setting(
    url: str, said: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    address = url.format(host=f"redis.example.invalid:{free_port()}")
    monkeypatch.setenv("KGP_REDIS__URL", address)

    def refused() -> None:
        raise redis.AuthenticationError("Authentication required.")

    monkeypatch.setattr(base, "app", refused)
    monkeypatch.setattr(sys, "argv", ["kgplatform", "nightly"])
    get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit) as exited:
            base.main()
    finally:
        get_settings.cache_clear()
    assert exited.value.code == 2
    shown = address.replace(":pw@", ":***@")
    assert capsys.readouterr().err == (
        f"kgplatform: Redis at {shown} {said}Authentication required. (set KGP_REDIS__URL, "
        "redis://user:password@host:port/db)\n"
    )
