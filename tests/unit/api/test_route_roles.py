"""Every route of the app, with the roles its key must hold: a route added without a line here fails, as
does a route whose role check drifts (a service key editing the curriculum, a designer key erasing a
learner, a teacher key writing anything). The roles are read from the routes' own dependencies
(`deps.require_roles`), without a server."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute

from kgplatform.api.app import create_app
from kgplatform.api.deps import authenticate
from kgplatform.api.limits import bulk_body_roles
from kgplatform.api.route_list import flat_routes

PUBLIC = "no key"
ANY_KEY = "any key"  # a route that authenticates but checks no role: none should, but GET /api-keys/me
D, S, T, A = "designer", "service", "teacher", "admin"
# (method, path) -> the roles that pass (admin passes every check), or PUBLIC.
EXPECTED: dict[tuple[str, str], frozenset[str] | str] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,  # counts and latencies per route template: no ids, no text of users
    ("GET", "/ui"): PUBLIC,  # the redirect to the page; the page holds no data of its own
    ("POST", "/api-keys"): frozenset({A}),
    ("GET", "/api-keys"): frozenset({A}),
    # The one exception to ANY_KEY: a key's own id, name and role, which its holder may know whatever the
    # role (the web page reads it to show only the views the role may use). No secret, no other key.
    ("GET", "/api-keys/me"): ANY_KEY,
    ("DELETE", "/api-keys/{key_id}"): frozenset({A}),
    ("PATCH", "/api-keys/{key_id}"): frozenset({A}),  # a teacher key's classes
    ("GET", "/api-keys/audit"): frozenset({A}),  # who created, changed and revoked which key
    ("POST", "/curricula/{curriculum_id:id}/concepts"): frozenset({D, A}),
    ("GET", "/curricula/{curriculum_id:id}/concepts"): frozenset({D, S, T, A}),
    ("GET", "/concepts/{concept_id:id}/neighbourhood"): frozenset({D, S, T, A}),
    ("GET", "/concepts/{concept_id:id}/audit"): frozenset({D, A}),
    ("GET", "/concepts/{concept_id:id}"): frozenset({D, S, T, A}),
    ("PATCH", "/concepts/{concept_id:id}"): frozenset({D, A}),
    ("PUT", "/concepts/{concept_id:id}"): frozenset({D, A}),
    ("DELETE", "/concepts/{concept_id:id}"): frozenset({D, A}),
    ("POST", "/curricula/{curriculum_id:id}/tasks"): frozenset({D, A}),
    ("GET", "/curricula/{curriculum_id:id}/tasks"): frozenset({D, S, T, A}),
    ("GET", "/tasks/{task_id:id}/audit"): frozenset({D, A}),
    ("GET", "/tasks/{task_id:id}"): frozenset({D, S, T, A}),
    ("PATCH", "/tasks/{task_id:id}"): frozenset({D, A}),
    ("PUT", "/tasks/{task_id:id}"): frozenset({D, A}),
    ("DELETE", "/tasks/{task_id:id}"): frozenset({D, A}),
    ("POST", "/prerequisites"): frozenset({D, A}),
    ("GET", "/prerequisites"): frozenset({D, S, T, A}),
    ("PATCH", "/prerequisites"): frozenset({D, A}),
    ("DELETE", "/prerequisites"): frozenset({D, A}),
    ("POST", "/curricula/{curriculum_id:id}/import"): frozenset({D, A}),
    ("GET", "/curricula/{curriculum_id:id}/export"): frozenset({D, S, T, A}),
    ("POST", "/curricula"): frozenset({D, A}),
    ("GET", "/curricula"): frozenset({D, S, T, A}),
    ("GET", "/curricula/{curriculum_id:id}/audit"): frozenset({D, A}),
    ("GET", "/curricula/{curriculum_id:id}"): frozenset({D, S, T, A}),
    ("POST", "/answers"): frozenset({S, A}),
    ("GET", "/learners"): frozenset({S, T, A}),
    ("GET", "/learners/{learner_id}/mastery"): frozenset({S, T, A}),
    ("GET", "/learners/{learner_id}/goals"): frozenset({S, T, A}),
    ("GET", "/learners/{learner_id}/interests"): frozenset({S, T, A}),
    ("PUT", "/learners/{learner_id}/goals"): frozenset({S, A}),
    ("PUT", "/learners/{learner_id}/interests"): frozenset({S, A}),
    ("DELETE", "/learners/{learner_id}"): frozenset({S, A}),
    # The stored answers as posted: for the service reconciling what it sent and for access requests; a
    # teacher reads what the learner view shows, derived from them, not the raw event log.
    ("GET", "/learners/{learner_id}/answers"): frozenset({S, A}),
    # The whole record, Redis's part included: for the school answering a data-access request.
    ("GET", "/learners/{learner_id}/export"): frozenset({A}),
    ("GET", "/learners/{learner_id}/report"): frozenset({S, T, A}),
    ("GET", "/learners/{learner_id}/report.png"): frozenset({S, T, A}),
    ("GET", "/learners/{learner_id}/next-tasks"): frozenset({S, T, A}),
    # Rosters and class names are the learning platform's (a service key) to send; a teacher reads the
    # classes and rosters of its own key's classes (another class is the unknown class's 404).
    ("GET", "/classes"): frozenset({S, T, A}),
    ("GET", "/classes/{class_id}/learners"): frozenset({S, T, A}),
    ("PUT", "/classes/{class_id}/learners"): frozenset({S, A}),
    ("PUT", "/classes/{class_id}"): frozenset({S, A}),
    ("DELETE", "/classes/{class_id}"): frozenset({S, A}),
    # Who changed which roster: for the admin answering for the platform, as key changes are.
    ("GET", "/classes/{class_id}/audit"): frozenset({A}),
    ("POST", "/jobs/recompute"): frozenset({A}),
    ("GET", "/jobs"): frozenset({S, A}),
    ("GET", "/jobs/{job_id}"): frozenset({S, A}),
    ("POST", "/jobs/{job_id}/cancel"): frozenset({A}),
    ("POST", "/jobs/{job_id}/resume"): frozenset({A}),
    ("GET", "/ui-support/transfer-edges"): frozenset({D, S, T, A}),
}


def role_checks(dependant: Any) -> list[frozenset[str]]:
    """The roles of every `require_roles` check among the dependencies, at any depth (admin added, as
    `Principal.has_any_role` passes it everywhere)."""
    found = []
    for dependency in dependant.dependencies:
        for check in (dependency.call, getattr(dependency.call, "role_check", None)):
            roles = getattr(check, "roles", None)
            if roles is not None:
                found.append(frozenset({role.value for role in roles} | {A}))
        found += role_checks(dependency)
    return found


def authenticates(dependant: Any) -> bool:
    return any(
        d.call is authenticate or getattr(d.call, "authenticates", False) or authenticates(d)
        for d in dependant.dependencies
    )


def api_routes() -> dict[tuple[str, str], frozenset[str] | str]:
    routes: dict[tuple[str, str], frozenset[str] | str] = {}
    for route in flat_routes(create_app().routes):
        if not isinstance(getattr(route, "route", route), APIRoute):
            continue  # /openapi.json, /docs and the page's static files: no data behind them
        dependant = getattr(route, "route", route).dependant
        checks = role_checks(dependant)
        assert len(set(checks)) <= 1, f"{route.path}: two role checks that disagree: {checks}"
        access = checks[0] if checks else ANY_KEY if authenticates(dependant) else PUBLIC
        for method in route.methods:
            routes[(method, route.path)] = access
    return routes


def test_every_route_requires_the_roles_listed_here() -> None:
    found = api_routes()
    assert sorted(set(found) - set(EXPECTED)) == [], "a route without a line in EXPECTED: add one"
    assert sorted(set(EXPECTED) - set(found)) == [], "EXPECTED names a route the app no longer has"
    wrong = {route: (found[route], EXPECTED[route]) for route in EXPECTED if found[route] != EXPECTED[route]}
    assert wrong == {}, "(found, expected) per route"


@pytest.mark.parametrize(
    ("method", "path", "template"),
    [
        ("POST", "/answers", "/answers"),
        ("POST", "/curricula/maths/y7/import", "/curricula/{curriculum_id:id}/import"),
        ("PUT", "/classes/7B/learners", "/classes/{class_id}/learners"),
        ("GET", "/answers", None),
        ("GET", "/classes/7B/learners", None),
        ("PUT", "/classes/7B/other", None),
        ("POST", "/curricula", None),
    ],
)
def test_a_bulk_body_is_checked_for_the_roles_of_its_route(
    method: str, path: str, template: str | None
) -> None:
    """`BulkBodyKeyFirst` checks a large body's key before the route does: with the route's own roles."""
    roles = bulk_body_roles({"method": method, "path": path})
    if template is None:
        assert roles is None
        return
    assert roles is not None
    assert frozenset({role.value for role in roles} | {A}) == api_routes()[(method, template)]


def test_only_the_key_itself_is_read_with_any_key() -> None:
    """ANY_KEY is a route every role passes: it must stay the one that answers only about its own key."""
    assert sorted(route for route, roles in EXPECTED.items() if roles == ANY_KEY) == [("GET", "/api-keys/me")]


def test_a_teacher_key_reads_and_changes_nothing() -> None:
    """The teacher role exists so that the learner view needs no key that posts answers, sets goals or
    erases learners: every route a teacher's key passes is a GET, and it reads the learner view's data."""
    teacher_routes = {
        route for route, roles in EXPECTED.items() if isinstance(roles, frozenset) and T in roles
    }
    assert sorted(method for method, _ in teacher_routes if method != "GET") == []
    learner_view = {
        ("GET", f"/learners/{{learner_id}}/{what}")
        for what in ("mastery", "goals", "interests", "report", "report.png", "next-tasks")
    } | {
        ("GET", "/curricula"),
        ("GET", "/curricula/{curriculum_id:id}"),
        ("GET", "/ui-support/transfer-edges"),
    }
    assert sorted(learner_view - teacher_routes) == []
    # Nor what only an operator or the curriculum's editors read: keys, jobs, audit trails.
    assert (
        sorted(
            path for _, path in teacher_routes if "audit" in path or path.startswith(("/jobs", "/api-keys"))
        )
        == []
    )


def test_a_404_speaks_of_teacher_keys_only_where_a_teacher_key_is_let_in() -> None:
    """/answers, /export and the erasure refuse every teacher key with a 403: their 404 said "for a teacher
    key scoped to classes, none in its classes", which read as though such a key reached them. A class's
    roster, which a scoped teacher key reads for its own classes only, says so; its deletion does not."""
    document = create_app().openapi()
    teacher_routes = {route for route, roles in EXPECTED.items() if T in roles}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            about_one = path.startswith(("/learners/{learner_id}", "/classes/{class_id}"))
            if not about_one or "404" not in operation["responses"]:
                continue
            says_teacher = "teacher" in operation["responses"]["404"]["description"]
            assert says_teacher == ((method.upper(), path) in teacher_routes), (method, path)
