"""The platform's error hierarchy.

Each class carries the HTTP status the API maps it to, so one handler renders every error as
RFC 9457 problem details, and the CLI prints the same message as one line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class KgpError(Exception):
    """Base class: a message meant for a person, plus structured details."""

    status_code: int = 500
    title: str = "Internal error"

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details


class ValidationFailed(KgpError):
    status_code = 422
    title = "Validation failed"


class NotFound(KgpError):
    status_code = 404
    title = "Not found"


class Conflict(KgpError):
    status_code = 409
    title = "Conflict"


class UnsupportedMediaType(KgpError):
    status_code = 415
    title = "Unsupported media type"


class PreconditionFailed(KgpError):
    status_code = 412
    title = "Precondition failed"


class PreconditionRequired(KgpError):
    status_code = 428
    title = "Precondition required"


class Unauthorized(KgpError):
    status_code = 401
    title = "Unauthorized"


class Forbidden(KgpError):
    status_code = 403
    title = "Forbidden"


class ServiceUnavailable(KgpError):
    """A backing service (Neo4j, Redis) cannot be reached or refused our credentials."""

    status_code = 503
    title = "Service unavailable"


class DatabaseFailed(ServiceUnavailable):
    """Neo4j's database failed (a "database panic": a full disk, for one) and refuses every transaction until
    Neo4j is restarted; Neo4j's error is its cause. A `ServiceUnavailable`, so the workers retry it with their
    backoff (`workers.tasks.TRANSIENT_ERRORS`) instead of blaming the learners or chunk at hand."""


class ServiceSetupFailed(KgpError):
    """A local service could not be installed or started by `kgplatform services up`."""

    title = "Service setup failed"


def caused_by(
    error: BaseException, kinds: type[BaseException] | tuple[type[BaseException], ...]
) -> BaseException | None:
    """The first error of `kinds` in `error`'s chain (itself, then its cause or else its context), or None:
    libraries wrap the error that matters (Celery's SchedulingError, kombu's OperationalError)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, kinds):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def raising_what_is_behind(
    call: Callable[[], T],
    wrappers: type[BaseException] | tuple[type[BaseException], ...],
    behind: Callable[[BaseException], BaseException | None],
) -> T:
    """`call()`, raising in place of an error of `wrappers` the error `behind` finds in it (a library's
    wrapper around the error callers choose by); a wrapper it finds nothing behind is raised as it is."""
    try:
        return call()
    except wrappers as error:
        found = behind(error)
        if found is None:
            raise
    # Raised outside the handler: inside it the wrapper would become the context of the error it wraps, a
    # loop that `caused_by` would walk for ever.
    raise found
