"""One Settings object for the whole platform, read from environment variables and `.env`.

Nothing else in the code base reads `os.environ`: every component receives what it needs from here.
Nested groups map to variables such as ``KGP_NEO4J__URI`` or ``KGP_REDIS__URL``.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import unquote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from workers.queues import queue_list, unknown_queues

PROJECT_ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class Neo4jSettings(BaseModel):
    """Where the graph lives. A `neo4j://` URI routes through a cluster or Aura."""

    uri: str = "bolt://127.0.0.1:7687"
    user: str = "neo4j"
    password: SecretStr = SecretStr("kgplatform-dev")
    database: str = "neo4j"
    # Bounded like every other duration: the driver took -1 or nan and failed each connection with a
    # ValueError (a traceback in the CLI, a 500 in the API), never naming the setting (a review, s29).
    connection_timeout_s: float = Field(5.0, gt=0, allow_inf_nan=False)
    # How long the driver waits for a usable connection: a free one in the pool, or a new one's Bolt
    # handshake and login (the driver's own default, 60 s). `connection_timeout_s` bounds only the TCP
    # connect, which a stalled server (a frozen process, a TCP proxy whose backend is gone) still accepts.
    # 10 s, not the driver's 60: each of a transaction's retries waits it again, so an operator's command
    # against a stalled Neo4j (`jobs show` of a finished job) answered after 2 minutes (a review,
    # 6 December 2026). A healthy server's handshake and login take milliseconds.
    connection_acquisition_timeout_s: float = Field(10.0, gt=0, allow_inf_nan=False)
    max_transaction_retry_time_s: float = Field(15.0, ge=0, allow_inf_nan=False)
    # The longest an API request's transaction may run, waiting for locks included (Neo4j waits for a
    # lock without limit by default, so an edit behind a large import would hold its worker until the
    # import ends); past it the request is a 503 that changed nothing. Batch jobs and imports run unbounded.
    transaction_timeout_s: float = Field(30.0, gt=0)
    notifications_min_severity: Literal["OFF", "WARNING", "INFORMATION"] = "OFF"

    @field_validator("uri")
    @classmethod
    def _known_scheme(cls, uri: str) -> str:
        scheme = urlsplit(uri).scheme
        allowed = {"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"}
        if scheme not in allowed:
            raise ValueError(f"scheme {scheme!r} is not one of {sorted(allowed)}")
        # The driver refuses such a URI at every connection, quoting it whole, and every message naming
        # Neo4j's address printed it too: a password put there was shown by each command (a review,
        # 8 December 2026). Refused here, once, without it.
        if urlsplit(uri).username is not None:
            raise ValueError(
                f"{without_password(uri)!r} holds a user name: the Neo4j driver takes none in the URI; set "
                "KGP_NEO4J__USER and KGP_NEO4J__PASSWORD instead"
            )
        return _with_valid_port(uri)

    @property
    def host(self) -> str:
        return urlsplit(self.uri).hostname or ""

    @property
    def port(self) -> int:
        return urlsplit(self.uri).port or 7687

    @property
    def is_local(self) -> bool:
        return self.host in LOOPBACK_HOSTS


def _with_valid_port(url: str) -> str:
    """`url` unchanged, or a ValueError naming its port when that is not a number in 0..65535. The URL
    is named without its password: the refusal is printed by every command and logged by the workers."""
    try:
        _ = urlsplit(url).port  # urllib checks the range only when the port is read
    except ValueError as error:
        raise ValueError(f"{without_password(url)!r}: {error} (a port is a number from 0 to 65535)") from None
    return url


def without_password(url: str) -> str:
    """`url` as printed (status tables, errors): the password, if it holds one, as ***. Works on a URL whose
    port is out of range too, which `urlsplit(...).port` refuses to read."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]  # the host and port as written (IPv6 brackets kept)
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


class RedisSettings(BaseModel):
    url: str = "redis://127.0.0.1:6379/0"

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, url: str) -> str:
        # Checked here, as the Neo4j URI is: a URL without a scheme or with a port out of range ended in a
        # redis-py traceback in whichever command first connected (a review, 1 December).
        scheme = urlsplit(url).scheme
        allowed = {"redis", "rediss", "unix"}
        if scheme not in allowed:
            raise ValueError(
                f"scheme {scheme!r} is not one of {sorted(allowed)} (e.g. redis://127.0.0.1:6379/0)"
            )
        return _with_valid_port(url)

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 6379

    @property
    def is_local(self) -> bool:
        return self.host in LOOPBACK_HOSTS

    @property
    def username(self) -> str | None:
        return unquote(name) if (name := urlsplit(self.url).username) else None

    @property
    def password(self) -> str | None:
        """The URL's password, decoded as redis-py decodes it (None when it holds none)."""
        secret = urlsplit(self.url).password
        return unquote(secret) if secret is not None else None

    @property
    def shown(self) -> str:
        """The address as printed (status tables, errors): the password, if the URL holds one, as ***."""
        return without_password(self.url)


# A size as Neo4j's settings take it (512m, 2g, 1024MiB, 4000000; the units Neo4j 5.26's ByteUnit lists,
# so not 2T, 1Kb or 1024kib): checked here, where Neo4j's own refusal came back as a Java stack trace from
# the first tool that read its configuration. The heap also goes to -Xms/-Xmx, in Java's form
# (`neo4j_local.jvm_size`).
NEO4J_SIZE = r"^[1-9][0-9]*([KMGT]i?B|[kmg][bB]|[KMGkmg]|B)?$"


class LocalServicesSettings(BaseModel):
    """How `kgplatform services up` runs Neo4j and Redis on this machine (ignored for remote URIs)."""

    neo4j_version: str = "5.26.30"
    # Sized for a 2-core / 24 GiB machine that also runs workers and model training.
    neo4j_heap: str = Field("4g", pattern=NEO4J_SIZE)
    neo4j_pagecache: str = Field("4g", pattern=NEO4J_SIZE)
    start_timeout_s: float = Field(120.0, gt=0, allow_inf_nan=False)
    # Neo4j's `server.bolt.connection_keep_alive`: while a query runs, the server sends a no-op after each
    # such silence, and it tells the driver to give up on a connection silent for two of them. At Neo4j's
    # 1 minute, a request waiting on a stalled server (a frozen process, a long GC pause) waited 2 minutes
    # before its retry or its 503 (a review, 6 December 2026).
    neo4j_bolt_keep_alive_s: int = Field(2, ge=1, le=3600)
    state_dir: Path = PROJECT_ROOT / ".services"
    cache_dir: Path = PROJECT_ROOT / ".cache"

    @field_validator("state_dir", "cache_dir")
    @classmethod
    def _absolute(cls, folder: Path) -> Path:
        # Made absolute against the directory the command runs in: Maven resolved a relative output folder
        # against its pom's, and Neo4j resolves relative data paths against its home, so the jars and the
        # databases landed in nested copies of the path (a review, 1 December).
        return folder.expanduser().absolute()


class WorkerSettings(BaseModel):
    """Celery workers, the nightly batch and on-demand recomputation (see docs/workers.md, "Scaling out")."""

    # Learners per `kgp.plans.recompute_chunk` message: one chunk is the unit of redelivery.
    chunk_size: int = Field(2000, ge=1, le=100_000)
    # The longest a chunk may run (Celery's hard time limit); the broker's visibility timeout must
    # exceed it, or a slow chunk would be handed to a second worker while the first still runs it.
    max_chunk_s: float = Field(600.0, gt=0)
    # The transfer retrain's hard time limit (the GNN takes longer than a chunk); also under the
    # visibility timeout, for the same reason.
    max_retrain_s: float = Field(1800.0, gt=0)
    # A pool process whose resident memory passed this after a task is replaced by a fresh one (Celery's
    # worker_max_memory_per_child; 0: never). The retrain imports torch and trains in a pool process, which
    # then held about 890 MiB for the rest of the worker's life, against about 125 MiB for one that never
    # retrained; over nights each pool process came to hold its own copy (a soak, 3 December 2026).
    max_memory_per_child_mib: int = Field(512, ge=0)
    visibility_timeout_s: float = Field(3600.0, gt=0)
    # kombu's restore loop ticks every `unacked_restore_interval_s` but scans the broker only on every
    # `unacked_restore_throttle`-th tick: a killed worker's chunk runs again about visibility_timeout_s
    # + interval x throttle (`restore_sweep_s`, 100 s by default) after it was taken.
    unacked_restore_interval_s: float = Field(10.0, gt=0)
    unacked_restore_throttle: int = Field(10, ge=1)
    # Transient errors (Neo4j or Redis away) are retried with exponential backoff (2 s, 4 s, ... capped
    # at retry_backoff_max_s, with full jitter): with the defaults a task keeps trying for about 34 min
    # on average and 67 min at most, so a Neo4j restart does not fail a whole night's chunks. A retry
    # waits in a worker unacknowledged, so its delay must stay under the visibility timeout.
    retry_backoff_max_s: int = Field(600, ge=1)
    max_retries: int = Field(14, ge=0, le=100)
    # A message in a newer format than a worker knows (workers.message_format) is held this long by that
    # worker, then published again for a newer worker, at most `newer_format_bounces` times (10 min by
    # default); then its run fails and its job says why. It waits unacknowledged, as a retry does: capped
    # at retry_backoff_max_s, which is checked to fit under the visibility timeout (`bounce_delay_s`).
    newer_format_delay_s: float = Field(30.0, gt=0)
    newer_format_bounces: int = Field(20, ge=0, le=1000)
    # Nightly chain (retrain transfer, then recompute all), local time in `timezone`.
    nightly_hour: int = Field(2, ge=0, le=23)
    nightly_minute: int = Field(30, ge=0, le=59)
    # An IANA zone name; a misspelt one would break beat's crontab and every countdown Celery computes.
    timezone: str = "UTC"
    # A nightly entry not started within this many seconds is dropped (the next night runs).
    nightly_expiry_s: int = Field(3 * 3600, ge=60)
    # Beat tries an entry again this often while the broker refuses its send (a Redis restart at the nightly
    # time skipped the night), until the entry's expiry has passed (workers.beat_scheduler).
    beat_send_retry_s: float = Field(30.0, gt=0)
    # A second batch started while one holds the lock is refused; the lock expires after this long
    # even if its holder died without releasing it.
    batch_lock_ttl_s: int = Field(6 * 3600, ge=10)
    # On-demand: one recomputation per learner per window; it runs this long after the first answer.
    debounce_s: float = Field(2.0, gt=0, le=300)
    # Learners one on-demand drain (`kgp.plans.recompute_due`) plans at once, with the batch planner.
    ondemand_batch: int = Field(1000, ge=1, le=10_000)
    # Batch chunks (the nightly one included) first trace again, under the current tracer parameters,
    # transfer model and curriculum, those of their learners traced under others, then plan them
    # (`kgplatform.jobs.batch_retrace`; for at most half of max_chunk_s each). Off: plans are made from
    # mastery as stored, as before 6 December 2026; `kgplatform retrace` does it by hand.
    batch_retrace: bool = True
    # How long a batch's progress stays in Redis (its summary stays in Neo4j as a Job node).
    job_ttl_s: int = Field(14 * 86400, ge=60)
    # How long a batch's (:Job) summary stays in Neo4j after the batch ended: saving a summary deletes the
    # ones older than this, so a year of nightly batches and recomputes does not pile up without end (one
    # node a batch, ~1 KB, more with failures). 400 days: last year's same night can still be compared.
    job_summary_days: int = Field(400, ge=1)
    # Prometheus: the worker's main process serves /metrics on this port (0 = off); task metrics of the
    # pool's child processes are gathered through prometheus-client's multiprocess directory.
    metrics_port: int = Field(9808, ge=0, le=65535)
    metrics_dir: Path = PROJECT_ROOT / "var" / "prometheus"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r} (an IANA name such as 'Europe/Paris')") from None
        return name

    @model_validator(mode="after")
    def _visibility_exceeds_longest_task(self) -> WorkerSettings:
        if self.visibility_timeout_s <= self.max_chunk_s:
            raise ValueError(
                f"visibility_timeout_s ({self.visibility_timeout_s}) must exceed max_chunk_s "
                f"({self.max_chunk_s}): the broker would redeliver chunks that are still running"
            )
        # A retry waits out its countdown as an unacknowledged message (acks_late), and kombu dates it by
        # its delivery: the wait and the run together must stay under the visibility timeout, or the broker
        # hands the retry to a second worker while it runs (checked one at a time, 3,000 + 3,000 s passed
        # under 3,600; a review, 1 December).
        for name in ("max_chunk_s", "max_retrain_s"):
            if self.retry_backoff_max_s + getattr(self, name) >= self.visibility_timeout_s:
                raise ValueError(
                    f"retry_backoff_max_s + {name} ({self.retry_backoff_max_s} + {getattr(self, name):g}) "
                    f"must stay under visibility_timeout_s ({self.visibility_timeout_s:g}): a retry waits "
                    "unacknowledged, and the broker would hand it to a second worker while it runs"
                )
        # A killed worker's chunk comes back only after the visibility timeout and a restore sweep:
        # the batch's lock and its progress must outlive that, or a second batch could start beside it
        # and the progress hash expire mid-batch.
        redelivery = self.visibility_timeout_s + self.restore_sweep_s
        for name in ("batch_lock_ttl_s", "job_ttl_s"):
            if getattr(self, name) <= redelivery:
                raise ValueError(
                    f"{name} ({getattr(self, name)}) must exceed visibility_timeout_s + "
                    f"unacked_restore_interval_s x unacked_restore_throttle ({redelivery:g}): a chunk "
                    "redelivered after a crash must still find its batch"
                )
        return self

    @property
    def bounce_delay_s(self) -> float:
        """How long a message in a newer format waits before a worker takes it again."""
        return min(self.newer_format_delay_s, float(self.retry_backoff_max_s))

    @property
    def restore_sweep_s(self) -> float:
        """How often kombu actually scans for messages whose worker died (see the fields above)."""
        return self.unacked_restore_interval_s * self.unacked_restore_throttle

    @property
    def stall_after_s(self) -> float:
        """A batch with no activity for longer than this can no longer finish by itself: even a chunk
        whose worker died would have come back (visibility timeout, restore sweep) and run to its hard
        limit by then; a retry's wait (under the visibility timeout) is shorter still."""
        return self.visibility_timeout_s + self.max_chunk_s + self.restore_sweep_s


class PathSettings(BaseModel):
    data_dir: Path = PROJECT_ROOT / "var" / "data"
    models_dir: Path = PROJECT_ROOT / "var" / "models"
    # Public datasets that live beside the project root; never copied into it.
    shared_data_dir: Path = PROJECT_ROOT.parent / "shared" / "data"


class ServingSettings(BaseModel):
    """Limits of the HTTP API (request sizes, rate limits) and what its metrics watch."""

    # Bodies above this are refused with 413 before they are read: the bulk routes (POST /answers and a
    # curriculum import), whose bodies are the largest.
    max_body_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    # POST /answers' own bound (never above `max_body_bytes`): a batch holds at most 10,000 answers, and
    # one with three 200-character ids per row, pretty-printed, is 7.9 MB (a row of 786 bytes); 10 MiB
    # gives each row 1,048. Parsing JSON costs the API up to about 27 times its size in memory when a
    # body is made of tiny values: a service key's 32 MiB of `{},` took it from 157 MB to 1,069 MB, and
    # held its event loop 6.5 s, only to be refused as over 10,000 answers (a review, 3 December). A roster
    # PUT (/classes/{id}/learners: 5,000 ids of up to 200 characters, about 6 MB escaped) shares it.
    max_answers_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    # Every other route's bodies (one concept, task, edge, goal list, key...): 256 KiB is far more than
    # any of them needs, and FastAPI parses a body, and validates every member of it, before a route's key
    # check runs (a review, 1 December: 10 MB from anyone held the event loop for a second).
    max_small_body_bytes: int = Field(default=256 * 1024, ge=1024)
    # A request's line and headers together, over which `kgplatform api` answers 431 and closes the
    # connection (api/head_limit.py): uvicorn's parser kept headers of any size, a key-less client's 200 MB
    # of them included. 64 KiB is twice nginx's default bound (32 KiB) and far above what any client sends.
    max_head_bytes: int = Field(default=64 * 1024, ge=1024)
    # Token bucket per API key (per client address for key-less calls); 0 turns rate limiting off.
    rate_limit_per_s: float = Field(default=500.0, ge=0, allow_inf_nan=False)
    rate_limit_burst: int = Field(default=1000, ge=1)
    # "local": one bucket per API process (no network cost); "redis": one fixed window shared by all
    # processes (burst/rate s, at least 1 s, taking `rate` a second on average; one Redis round trip per
    # request; fails open while Redis is down).
    rate_limit_backend: Literal["local", "redis"] = "local"
    # Celery queues whose depth the API's /metrics reports; empty (also "" or ","): all of the workers'
    # queues, a safe reading for a report, whereas `kgplatform worker --queues` refuses an empty list (such
    # a worker never plans). Comma-separated (`planning,ondemand`, as `kgplatform worker --queues`) or a
    # JSON list.
    queues: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # How often each API process reads when curricula and the transfer model last changed, so that a
    # cached plan made before such a change is served marked stale (api/inputs_watch.py).
    change_poll_s: float = Field(default=2.0, gt=0, le=300)
    # Addresses of reverse proxies whose X-Forwarded-For/-Proto `kgplatform api` believes (comma-separated).
    # Empty: none, so the client address the rate limiter counts is the connection's own (uvicorn's
    # default trusted 127.0.0.1, which let any local process pick a new address per request). "*" trusts
    # every client's header, which lets each choose its rate-limit address: only behind a proxy that
    # alone can reach the API.
    forwarded_allow_ips: str = ""
    # The feedback report's PNG (api/report_pictures.py): the pictures drawn at once per API process (each
    # holds the GIL for most of a second on a large curriculum: more at once only made each slower and
    # starved the other routes' threads), how long a request waits for a free one before a 503 with
    # Retry-After, and the bytes of PNGs kept per process (a 150-bar picture is about 590 KiB, measured by
    # bench/bench_report_png.py; 0 keeps none).
    report_png_renders: int = Field(default=1, ge=1, le=64)
    report_png_wait_s: float = Field(default=20.0, gt=0, le=300, allow_inf_nan=False)
    report_png_cache_bytes: int = Field(default=64 * 1024 * 1024, ge=0)
    # After each picture drawn, hand the C allocator's free pages back to the system (glibc's malloc_trim,
    # a few ms): without it, each API thread that drew a picture kept up to the drawing's 80 MiB
    # (api/report_pictures.py). Off only to measure the difference (bench/bench_api_memory.py).
    report_png_release_memory: bool = True

    @field_validator("queues", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        # pydantic-settings reads a list from the environment as JSON only: the comma form, the natural
        # one to write, made every command and the API stop with a traceback (a review, s29).
        if isinstance(value, str):
            if value.strip().startswith("["):
                return json.loads(value)  # a JSONDecodeError is a ValueError: pydantic reports it
            return queue_list(value)
        return value

    @field_validator("queues")
    @classmethod
    def _known_queues(cls, names: list[str]) -> list[str]:
        # A misspelt queue would report a depth of 0 for ever.
        if (problem := unknown_queues(names)) is not None:
            raise ValueError(problem)
        return names


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="KGP_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
        # A refused value is not repeated in the error: pydantic's `input_value=` printed a Redis URL's
        # password, or the Neo4j one, wherever the error went (a worker's traceback, a supervisor's log).
        # The message still names the setting and says what is wrong.
        hide_input_in_errors=True,
    )

    neo4j: Neo4jSettings = Field(default_factory=Neo4jSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    services: LocalServicesSettings = Field(default_factory=LocalServicesSettings)
    paths: PathSettings = Field(default_factory=PathSettings)
    workers: WorkerSettings = Field(default_factory=WorkerSettings)
    serving: ServingSettings = Field(default_factory=ServingSettings)
    api_host: str = "127.0.0.1"
    api_port: int = Field(8000, ge=0, le=65535)


# KGP_ variables read by the project's scripts and tests, not by Settings.
SCRIPT_VARIABLES = frozenset(
    {
        "KGP_PYTHON",  # scripts/bootstrap.sh, scripts/pybkt-env.sh: the Python to build environments with
        "KGP_E2E_CHROMIUM",  # tests/e2e: the browser
        "KGP_TESTS_MAY_EMPTY_REMOTE",  # tests/wipe_guard.py: let the tests empty servers on other machines
        # tests/integration/api/model_machine.py: how long the model-based runs (test_*_model.py) hunt
        "KGP_MODEL_EXAMPLES",
        "KGP_MODEL_STEPS",
        "KGP_MODEL_SEED",
    }
)


def known_variables() -> set[str]:
    """Every environment variable `Settings` reads: KGP_<FIELD>, and KGP_<GROUP>__<FIELD> for each group's
    fields (a group can also be given whole, as JSON in KGP_<GROUP>); and the scripts' own."""
    names = set(SCRIPT_VARIABLES)
    for name, field in Settings.model_fields.items():
        names.add(f"KGP_{name}".upper())
        group = field.annotation
        if isinstance(group, type) and issubclass(group, BaseModel):
            names.update(f"KGP_{name}__{sub}".upper() for sub in group.model_fields)
    return names


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """A warning for each KGP_ variable that names no setting, with the closest one that does: pydantic-
    settings ignores them, so a misspelt `KGP_REDIS_URL` (one underscore) silently left Redis at its
    default address."""
    known = known_variables()
    warnings = []
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith("KGP_") or upper in known:
            continue
        close = difflib.get_close_matches(upper, known, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else ""
        warnings.append(f"{name} names no kgplatform setting and is ignored{hint}")
    return warnings


@lru_cache
def get_settings() -> Settings:
    settings = Settings()
    seen = dict(os.environ)
    env_file = Path(str(Settings.model_config["env_file"]))  # relative: the current directory's, as Settings
    if env_file.is_file():
        seen.update({k: v or "" for k, v in dotenv_values(env_file).items()})
    for warning in unknown_variables(seen):
        log.warning(warning)
    return settings
