"""The FastAPI application: long-lived clients opened once in the lifespan, routes mounted."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.responses import RedirectResponse

from kgplatform import __version__
from kgplatform.api.allowed_methods import AllowedMethods
from kgplatform.api.content_type import RefuseContentCoding, require_json_body
from kgplatform.api.fast_path import NextTasksFastPath
from kgplatform.api.json_members import RefuseRepeatedMembers
from kgplatform.api.limits import BodySizeLimit, BulkBodyKeyFirst, RateLimit, make_limiter
from kgplatform.api.metrics import ApiMetrics, RequestMetrics
from kgplatform.api.metrics import router as metrics_router
from kgplatform.api.openapi import install_openapi
from kgplatform.api.outages import GuardedGraph
from kgplatform.api.plan_serving import NextTasksServing
from kgplatform.api.problems import install_problem_handlers
from kgplatform.api.query_check import refuse_unknown_query
from kgplatform.api.readiness import ReadinessProbe
from kgplatform.api.report_pictures import ReportPictures, release_freed_memory, warm_up_drawing
from kgplatform.api.response_compression import CompressLargeResponses
from kgplatform.api.route_list import build_routes_now
from kgplatform.api.routes import (
    answers,
    api_keys,
    classes,
    concepts,
    curricula,
    curriculum_io,
    health,
    jobs,
    learner_data,
    learners,
    plans,
    prerequisites,
    tasks,
    ui_support,
)
from kgplatform.api.ui_headers import PageFiles, UiSecurityHeaders
from kgplatform.auth.service import KeyAuthenticator
from kgplatform.graph.driver import open_driver
from kgplatform.graph.schema_check import SchemaWatch, log_schema_findings, read_schema_state
from kgplatform.jobs.on_demand import StampBacklog
from kgplatform.mastery.erasure import PendingErasures
from kgplatform.mastery.service import CurrentParams
from kgplatform.planning.eviction_policy import check_eviction_policy
from kgplatform.redis_client import open_redis
from kgplatform.settings import Neo4jSettings, Settings, get_settings

# The web page's static files (index.html, its ES modules, the vendored graph library).
UI_DIR = Path(__file__).parent / "ui"
# A failed transaction is retried this long at most, and only while Neo4j answers (api/neo4j_retry.py):
# a caller waits for a 503, not 15 s, and not at all once Neo4j is down.
API_TRANSACTION_RETRY_S = 3.0
# The API's driver gives up on a new connection after this long (the configured timeout, if shorter):
# a request finding Neo4j unreachable (a host that drops packets rather than refuses) is a 503 within
# about a second; a TCP connection to a live server takes milliseconds, even across a region.
API_CONNECTION_TIMEOUT_S = 1.0
# ... and on a usable connection after this long: the connect above is accepted by a server that is
# stalled, or by a TCP proxy in front of a dead one, and the driver then waited 60 s for the handshake,
# twice per request with the liveness check of the retry: a 503 after 120 s instead of about a second,
# every thread of the pool held meanwhile (a review, s34). A live server answers the handshake and the
# login in milliseconds; the API's threads (40) never wait for a pooled connection (100).
API_CONNECTION_ACQUISITION_TIMEOUT_S = 2.0
# A stop waits at most this long for the drawing warm-up thread (0.6 s on a quiet machine, 1-3 s loaded).
WARM_UP_WAIT_S = 10.0


def api_neo4j_settings(neo4j: Neo4jSettings) -> Neo4jSettings:
    """The API's driver settings: the configured ones, with its waits bounded (each the configured one, if
    shorter) so that a request finding Neo4j away is a quick 503."""
    return neo4j.model_copy(
        update={
            "max_transaction_retry_time_s": min(neo4j.max_transaction_retry_time_s, API_TRANSACTION_RETRY_S),
            "connection_timeout_s": min(neo4j.connection_timeout_s, API_CONNECTION_TIMEOUT_S),
            "connection_acquisition_timeout_s": min(
                neo4j.connection_acquisition_timeout_s, API_CONNECTION_ACQUISITION_TIMEOUT_S
            ),
        }
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # First, before any thread of ours starts: the build hides a warning in a way another thread's
        # `catch_warnings` undoes (route_list.build_routes_now).
        build_routes_now(app)
        # verify=False: the API starts (and reports not-ready) even while Neo4j is down,
        # and recovers by itself when it comes back.
        # GuardedGraph: an outage is a fast 503 (circuit breaker), not a wait per request.
        neo4j_settings = api_neo4j_settings(settings.neo4j)
        retry_s = neo4j_settings.max_transaction_retry_time_s
        app.state.graph = GuardedGraph(
            open_driver(neo4j_settings, verify=False), settings.neo4j.database, retry_s=retry_s
        )
        app.state.redis = open_redis(settings.redis.url)
        # Once per start, off the event loop (a Redis that does not answer costs the connect timeout).
        await asyncio.to_thread(check_eviction_policy, app.state.redis, "API")
        # Likewise the graph's schema: a process started before `kgplatform migrate` says so, and /readyz
        # stays 503 until it has run.
        await asyncio.to_thread(log_schema_findings, app.state.graph, "API")
        app.state.schema_watch = SchemaWatch(lambda: read_schema_state(app.state.graph))
        app.state.settings = settings
        # The report picture's matplotlib, off the first teacher's request.
        drawing_warm_up = warm_up_drawing()
        app.state.authenticator = KeyAuthenticator.for_graph(app.state.graph)
        app.state.tracer_params = CurrentParams(settings)
        app.state.stamp_backlog = StampBacklog()
        app.state.pending_erasures = PendingErasures()
        app.state.next_tasks = NextTasksServing(
            settings.redis.url,
            # A plan computed on a miss writes it (and waits on any lock on the learner or its tasks):
            # bounded like every request path, so a long import cannot hold the request without end.
            app.state.graph.with_transaction_timeout(settings.neo4j.transaction_timeout_s),
            app.state.redis,
            app.state.tracer_params,
            metrics,
            settings.serving.change_poll_s,
            app.state.stamp_backlog,
            app.state.pending_erasures,
        )
        await app.state.next_tasks.start_watching()
        stamp_retry = asyncio.create_task(jobs.retry_answer_stamps(app))
        try:
            yield
        finally:
            stamp_retry.cancel()
            await app.state.next_tasks.close()
            app.state.graph.close()
            app.state.redis.close()
            # Not outliving the app: an app stopped within a second of its start (a test's) left the thread
            # inside matplotlib's import and its `catch_warnings`, which then raced the next app's route
            # build as it raced the first request's (route_list.build_routes_now).
            await asyncio.to_thread(drawing_warm_up.join, WARM_UP_WAIT_S)

    app = FastAPI(
        title="kgplatform",
        version=__version__,
        lifespan=lifespan,
        # JSON routes answer 415 for a body sent as a form or plain text (`content_type`); any route 422 for
        # a query parameter it does not take (`query_check`).
        dependencies=[Depends(require_json_body), Depends(refuse_unknown_query)],
        # No redirect from /answers/ to /answers: Starlette builds its Location from the Host header and
        # the scheme it sees (http behind a TLS proxy), and clients re-send the body and the X-API-Key
        # there in clear (a review, 1 December). Such a path is a 404 like any unknown one.
        redirect_slashes=False,
        # No ReDoc: a second key-less page that loads third-party script (jsDelivr, Google Fonts) next to
        # /docs, and nothing /docs does not show.
        redoc_url=None,
    )
    install_problem_handlers(app)
    # Pure ASGI middleware, outermost last: metrics time everything, then compression, the page's headers,
    # size, rate, the key before a bulk body, fast path, methods.
    limiter_redis = open_redis(settings.redis.url, connect_timeout_s=1, reply_timeout_s=1)
    limiter = make_limiter(settings.serving, limiter_redis)
    # Innermost: a JSON body repeating a member in one object is a 422 naming it (`json_members`); before
    # it a compressed body is a 415 (the API does not decode one); before that, 405 with every method the
    # path takes, before routing tries one route of it.
    app.add_middleware(RefuseRepeatedMembers)
    app.add_middleware(RefuseContentCoding)
    app.add_middleware(AllowedMethods)
    app.add_middleware(NextTasksFastPath)  # cache hits skip routing and dependencies
    app.add_middleware(
        BulkBodyKeyFirst,
        max_small_bytes=min(settings.serving.max_small_body_bytes, settings.serving.max_body_bytes),
    )
    if limiter is not None:
        app.add_middleware(RateLimit, limiter=limiter)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.serving.max_body_bytes,
        max_small_bytes=settings.serving.max_small_body_bytes,
        max_answers_bytes=settings.serving.max_answers_body_bytes,
    )
    app.add_middleware(UiSecurityHeaders)  # CSP and friends on the web page (/ui) only
    # Large answers gzip-compressed for a client that accepts it (their ETag weakened); small ones as they
    # are. Inside the metrics, which then time the compressing too.
    app.add_middleware(CompressLargeResponses)
    metrics = ApiMetrics(limiter_redis, settings.serving.queues)
    app.state.metrics = metrics
    app.state.report_pictures = ReportPictures(
        max_bytes=settings.serving.report_png_cache_bytes,
        renders=settings.serving.report_png_renders,
        wait_s=settings.serving.report_png_wait_s,
        release_memory=release_freed_memory if settings.serving.report_png_release_memory else None,
    )
    # /readyz: the clients the lifespan opens, pinged at most once a second whoever asks.
    app.state.readiness = ReadinessProbe(lambda: health.backend_checks(app.state))
    app.add_middleware(RequestMetrics, metrics=metrics)
    app.include_router(health.router)
    app.include_router(metrics_router)
    app.include_router(api_keys.router)
    # Concepts and tasks first: their /curricula/{id}/concepts|tasks routes must be tried before
    # curricula's bare /curricula/{id:id}, which would otherwise match them (ids may contain '/').
    app.include_router(concepts.router)
    app.include_router(tasks.router)
    app.include_router(prerequisites.router)
    app.include_router(curriculum_io.router)
    app.include_router(curricula.router)
    # Services: answers in, learner mastery, goals, interests and feedback out.
    app.include_router(answers.router)
    app.include_router(learners.router)
    app.include_router(learner_data.router)
    app.include_router(classes.router)
    app.include_router(plans.router)
    # Operators and services: plan recomputation batches (start: admin; progress: service or admin).
    app.include_router(jobs.router)
    app.include_router(ui_support.router)
    # The designers' and teachers' web page; it calls the routes above with the key it is given. /ui itself
    # goes to /ui/ by a relative Location (the page's modules resolve against the folder).
    app.add_api_route(
        "/ui", lambda: RedirectResponse("/ui/", status_code=308), methods=["GET"], include_in_schema=False
    )
    app.mount("/ui", PageFiles(UI_DIR), name="ui")
    install_openapi(app)
    return app
