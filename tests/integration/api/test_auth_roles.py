"""Each role against the real app: 401 for missing, wrong or revoked keys, 403 for the wrong role."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kgplatform.auth import service as auth
from kgplatform.auth.models import Role
from kgplatform.errors import Unauthorized
from tests.integration.api.harness import Api

PROBLEM = "application/problem+json"
NEW_CONCEPT = {"id": "a", "name": "A"}
NOW = datetime.now(UTC).isoformat()


def test_missing_key_is_401_problem_json(api: Api) -> None:
    response = api.client.get("/curricula")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["field"] == "X-API-Key" and "missing" in response.json()["detail"]
    assert response.headers["www-authenticate"] == 'ApiKey header="X-API-Key"', (
        "a 401 says how to authenticate"
    )


@pytest.mark.parametrize("secret", ["wrong", "kgp_not-a-real-key", "kgp_" + "x" * 300])
def test_wrong_key_is_401(api: Api, secret: str) -> None:
    response = api.client.get("/curricula", headers={"X-API-Key": secret})
    assert response.status_code == 401 and response.headers["content-type"] == PROBLEM
    assert "www-authenticate" in response.headers


def test_service_key_cannot_edit_the_curriculum_403_naming_roles(api: Api) -> None:
    api.curriculum("maths")
    response = api.call("POST", "/curricula/maths/concepts", role=Role.SERVICE, json=NEW_CONCEPT)
    assert response.status_code == 403 and response.headers["content-type"] == PROBLEM
    assert response.json()["required_roles"] == ["admin", "designer"]
    assert api.call("GET", "/concepts/a").status_code == 404


@pytest.mark.parametrize("role", [Role.DESIGNER, Role.ADMIN])
def test_designer_and_admin_edit(api: Api, role: Role) -> None:
    assert api.call("POST", "/curricula", role=role, json={"id": "maths", "name": "M"}).status_code == 201
    assert api.call("POST", "/curricula/maths/concepts", role=role, json=NEW_CONCEPT).status_code == 201
    entry = api.call("GET", "/concepts/a/audit", role=role).json()["items"][0]
    assert entry["actor"] == api.actors[role] and entry["actor"].startswith(f"{role.value}-tester (key ")


def test_two_keys_with_one_name_stay_apart_in_the_audit_trail(api: Api) -> None:
    api.curriculum("maths")
    old, new = (auth.issue_key(api.graph, role=Role.DESIGNER, name="alice", actor="tests") for _ in range(2))
    for key, name in ((old, "A1"), (new, "A2")):
        body = {"id": f"c-{key.id}", "name": name}
        response = api.client.post("/curricula/maths/concepts", json=body, headers={"X-API-Key": key.secret})
        assert response.status_code == 201
    actors = {
        api.call("GET", f"/concepts/c-{key.id}/audit").json()["items"][0]["actor"] for key in (old, new)
    }
    assert actors == {f"alice (key {old.id})", f"alice (key {new.id})"}


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_the_curriculum(api: Api, role: Role) -> None:
    api.curriculum("maths", "a")
    assert api.call("GET", "/concepts/a", role=role).status_code == 200
    assert api.call("GET", "/curricula/maths", role=role).status_code == 200


def test_service_key_cannot_read_the_audit_trail(api: Api) -> None:
    api.curriculum("maths", "a")
    assert api.call("GET", "/concepts/a/audit", role=Role.SERVICE).status_code == 403


@pytest.mark.parametrize("role", [Role.DESIGNER, Role.SERVICE])
def test_only_admin_manages_keys(api: Api, role: Role) -> None:
    assert api.call("GET", "/api-keys", role=role).status_code == 403
    assert api.call("POST", "/api-keys", role=role, json={"name": "x", "role": "admin"}).status_code == 403


@pytest.mark.parametrize("role", list(Role))
def test_every_key_reads_its_own_id_name_and_role_and_no_secret(api: Api, role: Role) -> None:
    """The web page asks at sign-in which role its key holds, to open on the views that role may use."""
    response = api.call("GET", "/api-keys/me", role=role)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "key_id": api.actors[role].split("(key ")[1].rstrip(")"),
        "name": f"{role.value}-tester",
        "role": role.value,
        "classes": [],  # unscoped: every key but a teacher's scoped to classes
        "class_names": {},
        "classes_without_roster": [],
    }


def test_the_key_itself_needs_a_valid_key(api: Api) -> None:
    assert api.client.get("/api-keys/me").status_code == 401
    revoked = auth.issue_key(api.graph, role=Role.TEACHER, name="gone", actor="tests")
    auth.revoke_key(api.graph, revoked.id, actor="tests")
    response = api.client.get("/api-keys/me", headers={"X-API-Key": revoked.secret})
    assert response.status_code == 401 and response.headers["content-type"] == PROBLEM


def test_admin_issues_a_key_that_works_and_revokes_it_at_once(api: Api) -> None:
    api.curriculum("maths")
    issued = api.call("POST", "/api-keys", role=Role.ADMIN, json={"name": "bob", "role": "designer"})
    assert issued.status_code == 201
    secret, key_id = issued.json()["secret"], issued.json()["id"]
    assert secret.startswith("kgp_") and len(secret) >= 40
    bob = {"X-API-Key": secret}
    assert api.client.post("/curricula/maths/concepts", headers=bob, json=NEW_CONCEPT).status_code == 201
    listed = api.call("GET", "/api-keys", role=Role.ADMIN).json()
    assert all("secret" not in k and "key_hash" not in k for k in listed)
    assert api.call("DELETE", f"/api-keys/{key_id}", role=Role.ADMIN).json()["revoked"] is True
    # Cached a moment ago, yet refused now: revoking through the API evicts the key from this process.
    assert api.client.get("/concepts/a", headers=bob).status_code == 401
    unknown = api.call("DELETE", "/api-keys/nope", role=Role.ADMIN)
    assert unknown.status_code == 404 and unknown.json()["field"] == "key_id"  # the path parameter


def test_a_key_revoked_elsewhere_stops_within_the_cache_ttl(api: Api) -> None:
    """The CLI revokes from another process, whose revocation cannot evict this process's cache:
    the key keeps working for at most the TTL, then is refused."""
    issued = auth.issue_key(api.graph, role=Role.DESIGNER, name="carol", actor="tests")
    # The cache's own clock, moved by hand: with the wall clock and a 0.3 s TTL, the entry counted from
    # before the first lookup and also had to outlive the revocation's Neo4j write, which a loaded CI
    # machine can take longer than that over (then "still cached" failed: a flake, not a finding).
    now = [1000.0]
    authenticator = auth.KeyAuthenticator(
        lambda key_hash: auth.store.find_live_key(api.graph, key_hash), ttl_s=0.3, clock=lambda: now[0]
    )
    assert authenticator.authenticate(issued.secret).name == "carol"
    auth.revoke_key(api.graph, issued.id, actor="tests")  # no authenticator given: as the CLI does
    now[0] += 0.29
    assert authenticator.authenticate(issued.secret).name == "carol"  # still cached: the documented bound
    now[0] += 0.02
    with pytest.raises(Unauthorized):
        authenticator.authenticate(issued.secret)


def test_a_revoked_key_presented_is_told_from_an_unknown_one(api: Api) -> None:
    """One read tells them apart, so that the API can log a revoked key's use by name (a review, 5 December
    2026)."""
    issued = auth.issue_key(api.graph, role=Role.SERVICE, name="lms-old", actor="tests")
    auth.revoke_key(api.graph, issued.id, actor="tests")
    seen: list[str] = []
    assert (
        auth.store.find_live_key(api.graph, auth.hash_secret(issued.secret), lambda k: seen.append(k.name))
        is None
    )
    assert auth.store.find_live_key(api.graph, auth.hash_secret(auth.generate_secret()), seen.append) is None
    assert seen == ["lms-old"]


def test_only_the_hash_is_stored(api: Api) -> None:
    issued = auth.issue_key(api.graph, role=Role.SERVICE, name="svc", actor="tests")
    assert api.graph.read("auth/find_api_key", key_hash=issued.secret) == []
    assert auth.store.find_live_key(api.graph, auth.hash_secret(issued.secret)) is not None


def test_a_teacher_key_reads_a_learner_and_changes_nothing(api: Api) -> None:
    """What the web page's learner view reads, a teacher's key reads; answers, goals, interests, erasure and
    the curriculum stay a service's or a designer's, and a refused write changes nothing."""
    api.curriculum("maths", "a", "b")
    assert api.edge("a", "b").status_code == 201
    task = {"id": "t-a", "title": "A", "kind": "exercise", "concepts": ["a"]}
    assert api.call("POST", "/curricula/maths/tasks", json=task).status_code == 201
    answer = {"event_id": "e1", "learner_id": "l1", "task_id": "t-a", "correct": True, "answered_at": NOW}
    assert api.call("POST", "/answers", role=Role.SERVICE, json={"answers": [answer]}).status_code == 200
    assert (
        api.call("PUT", "/learners/l1/goals", role=Role.SERVICE, json={"concept_ids": ["b"]}).status_code
        == 200
    )
    reads = ["mastery", "goals", "interests", "report", "report.png", "next-tasks"]
    for what in reads:
        response = api.call("GET", f"/learners/l1/{what}", role=Role.TEACHER)
        assert response.status_code == 200, (what, response.text)
    assert api.call("GET", "/ui-support/transfer-edges?concept=a", role=Role.TEACHER).status_code == 200
    before = learner_state(api, "l1")
    second = {**answer, "event_id": "e2"}
    writes = [
        ("POST", "/answers", {"answers": [second]}),
        ("PUT", "/learners/l1/goals", {"concept_ids": ["a"]}),
        ("PUT", "/learners/l1/interests", {"tags": ["music"]}),
        ("DELETE", "/learners/l1", None),
        ("POST", "/curricula/maths/concepts", NEW_CONCEPT | {"id": "c"}),
        ("GET", "/concepts/a/audit", None),
        ("GET", "/jobs", None),
        ("GET", "/api-keys", None),
    ]
    for method, path, body in writes:
        response = api.call(method, path, role=Role.TEACHER, json=body)
        assert response.status_code == 403, (method, path, response.text)
        assert "teacher" not in response.json()["required_roles"], (method, path)
    assert learner_state(api, "l1") == before
    assert api.call("GET", "/concepts/c").status_code == 404


def learner_state(api: Api, learner_id: str) -> dict[str, object]:
    """What a write could change of a learner: answers per concept, goals, interests (mastery's `p_now` moves
    with the clock)."""
    mastery = api.call("GET", f"/learners/{learner_id}/mastery", role=Role.SERVICE).json()["concepts"]
    return {
        "attempts": {row["concept_id"]: row["attempts"] for row in mastery},
        "goals": api.call("GET", f"/learners/{learner_id}/goals", role=Role.SERVICE).json()["goals"],
        "interests": api.call("GET", f"/learners/{learner_id}/interests", role=Role.SERVICE).json()[
            "interests"
        ],
    }


def test_a_teacher_key_naming_a_curriculum_does_not_choose_the_learners(api: Api) -> None:
    """The learner view names the curriculum picked on the page for a learner with neither goals nor answers:
    the placement plan it got there was kept, and the learner's own service was then served that curriculum
    (a teacher's read deciding it). A teacher's key is served the plan; only a service's choice is kept."""
    for cid in ("px", "py"):
        api.curriculum(cid, f"{cid}-a")
        task = {"id": f"{cid}-t", "title": "T", "kind": "exercise", "concepts": [f"{cid}-a"]}
        assert api.call("POST", f"/curricula/{cid}/tasks", json=task).status_code == 201
    assert (
        api.call("PUT", "/learners/new/interests", role=Role.SERVICE, json={"tags": ["m"]}).status_code == 200
    )
    seen = api.call("GET", "/learners/new/next-tasks?curriculum_id=py", role=Role.TEACHER)
    assert (seen.status_code, seen.json()["curriculum_id"], seen.json()["placement"]) == (200, "py", True)
    plain = api.call("GET", "/learners/new/next-tasks", role=Role.SERVICE)
    assert (plain.status_code, plain.json()["field"]) == (422, "curriculum_id"), "still none chosen"
    chosen = api.call("GET", "/learners/new/next-tasks?curriculum_id=px", role=Role.SERVICE)
    assert (chosen.status_code, chosen.json()["curriculum_id"]) == (200, "px")
    assert (
        api.call("GET", "/learners/new/next-tasks?curriculum_id=py", role=Role.TEACHER).json()[
            "curriculum_id"
        ]
        == "py"
    )
    again = api.call("GET", "/learners/new/next-tasks", role=Role.SERVICE)
    assert (again.status_code, again.json()["curriculum_id"]) == (200, "px"), "the service's choice stands"
    # The curriculum chosen is the one a teacher's plain read is served too.
    assert api.call("GET", "/learners/new/next-tasks", role=Role.TEACHER).json()["curriculum_id"] == "px"
