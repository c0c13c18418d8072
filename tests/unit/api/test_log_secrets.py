"""`kgplatform.api.log_secrets.HideKeySecrets` on log records as uvicorn and the project's loggers make them:
a secret is hidden wherever it stands (message, positional or named arguments); text that only looks like
one (a metric name, a longer or shorter token) is left alone; no record is dropped."""

from __future__ import annotations

import logging

from kgplatform.api.log_secrets import HIDDEN, HideKeySecrets

SECRET = "kgp_" + "Ab9-_" * 8 + "xyz"  # the shape `auth.service.generate_secret` makes: 43 after kgp_


def record(msg: str, args: object = ()) -> logging.LogRecord:
    return logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, msg, args, None)  # type: ignore[arg-type]


def test_a_secret_is_hidden_in_the_message_and_in_positional_or_named_arguments() -> None:
    assert len(SECRET) == 4 + 43
    in_message = record(f"key {SECRET} refused")
    access = ("127.0.0.1:5", "GET", f"/a?api_key={SECRET}&b=1", "1.1", 401)  # uvicorn's access line
    in_tuple = record('%s - "%s %s HTTP/%s" %d', access)
    in_dict = record("key %(key)s from %(who)s", {"key": SECRET, "who": "tests"})

    assert all(HideKeySecrets().filter(r) for r in (in_message, in_tuple, in_dict))  # none dropped
    assert in_message.getMessage() == f"key {HIDDEN} refused"
    assert in_tuple.getMessage() == f'127.0.0.1:5 - "GET /a?api_key={HIDDEN}&b=1 HTTP/1.1" 401'
    assert in_dict.getMessage() == f"key {HIDDEN} from tests"


def test_text_only_like_a_secret_is_left_as_it_is() -> None:
    """Not 43 characters after kgp_, or part of a longer word: a metric's name, an id that contains one."""
    lines = [
        "kgp_http_requests_total 3.0",
        SECRET[:-1],  # one short
        SECRET + "a",  # one long
        "x" + SECRET,  # inside a longer word
    ]
    for line in lines:
        logged = record("%s", (line,))
        assert HideKeySecrets().filter(logged)
        assert logged.getMessage() == line
