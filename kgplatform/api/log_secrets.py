"""Keeps API key secrets out of the API's log. The API reads a key from the X-API-Key header only, and no
header is logged; but a client that sends its key in the query string (`?api_key=kgp_...`, a convention of
other APIs) is refused with a 401, and uvicorn's access log wrote the request line, key included, for anyone
who reads the log (a review, 8 December 2026). The filter, on every handler of `kgplatform api`'s logging,
writes each secret as `kgp_***`, wherever in a line it stands."""

from __future__ import annotations

import logging
import re

# The shape of every secret `auth.service.generate_secret` makes (`kgp_` and 43 url-safe base64 characters),
# not part of a longer word (so a metric name such as kgp_http_requests_total is left alone).
SECRET_IN_TEXT = re.compile(r"(?<![A-Za-z0-9_-])kgp_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")
HIDDEN = "kgp_***"


def without_secrets(text: str) -> str:
    return SECRET_IN_TEXT.sub(HIDDEN, text)


class HideKeySecrets(logging.Filter):
    """Rewrites a record's message and its string arguments without the secrets they hold (the access log
    passes the request's path and query as an argument). Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = without_secrets(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(without_secrets(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: without_secrets(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True
