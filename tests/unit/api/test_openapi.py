"""Every operation documents the platform's problem+json errors, and the body it takes, even where the
route reads its body itself."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError

from kgplatform.api.app import create_app
from kgplatform.api.limits import UNLIMITED_PATHS
from kgplatform.api.routes.answers import rows_of
from kgplatform.api.routes.plans import ERRORS as PLAN_ERRORS
from kgplatform.audit import cursor
from kgplatform.auth.models import KeyScopeIn
from kgplatform.auth.service import change_form
from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.curriculum.io import JSON_SECTIONS
from kgplatform.curriculum.models import ConceptPatch, TaskPatch
from kgplatform.curriculum.versions import (
    parse_if_match,
    parse_import_if_match,
    parse_prerequisite_if_match,
    parse_removal_if_match,
)
from kgplatform.errors import PreconditionRequired, ValidationFailed
from kgplatform.mastery.models import AnswerIn, InterestsIn, parse_answer_rows
from kgplatform.settings import Settings


def test_every_operation_documents_problem_errors() -> None:
    document = create_app().openapi()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            for status in ("413", "422", "429", "500", "503"):
                if (path, status) == ("/readyz", "503"):
                    continue  # the probe's own body, below
                if (path, status) in CANNOT_SEND:
                    continue
                content = responses[status]["content"]
                assert "application/problem+json" in content, (method, path, status)
            if operation.get("security"):
                assert "401" in responses, (method, path)
                # Every route with a key refuses some role but the one that answers any key about itself.
                assert ("403" in responses) == (path != "/api-keys/me"), (method, path)
    next_tasks = document["paths"]["/learners/{learner_id}/next-tasks"]["get"]["responses"]
    assert next_tasks["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/NextTasks")
    assert "Retry-After" in next_tasks["429"]["headers"]


DOCUMENT = create_app().openapi()
# The probes and /metrics are never rate-limited (`limits.UNLIMITED_PATHS`); /healthz reads no service, and
# /metrics logs a Redis failure and leaves the queue depth out.
CANNOT_SEND = {
    ("/healthz", "429"),
    ("/readyz", "429"),
    ("/metrics", "429"),
    ("/healthz", "503"),
    ("/metrics", "503"),
}


def test_no_429_where_the_rate_limit_never_applies() -> None:
    """The document listed 429 on the probes and /metrics, which the limiter lets through, and 503 on
    /healthz and /metrics, which answer whether Neo4j and Redis are up or not (a review of the docs)."""
    assert {path for path, status in CANNOT_SEND if status == "429"} == UNLIMITED_PATHS
    document = create_app().openapi()
    for path, status in CANNOT_SEND:
        assert status not in document["paths"][path]["get"]["responses"], (path, status)
    assert "429" in document["paths"]["/curricula"]["get"]["responses"]


def test_statuses_a_route_answers_are_documented_and_none_it_cannot() -> None:
    """A review (1 December) sent bodies as text/plain: 415 on every JSON route, documented only on
    POST /answers; PUT goals documented a 404 it never sends (the learner is created on first sight);
    /readyz's 503 is its own {status, checks} body, documented as problem details."""
    document = create_app().openapi()
    for path, method in [
        ("/learners/{learner_id}/goals", "put"),
        ("/learners/{learner_id}/interests", "put"),
        ("/api-keys", "post"),
        ("/jobs/recompute", "post"),
        ("/answers", "post"),
    ]:
        assert "415" in document["paths"][path][method]["responses"], (method, path)
    for route in ("goals", "interests"):
        assert "404" not in document["paths"][f"/learners/{{learner_id}}/{route}"]["put"]["responses"]
        assert "404" in document["paths"][f"/learners/{{learner_id}}/{route}"]["get"]["responses"]
    # The roster PUT creates its class; the other class routes name one that must exist.
    roster = document["paths"]["/classes/{class_id}/learners"]
    assert "404" not in roster["put"]["responses"]
    assert "404" in roster["get"]["responses"]
    assert "404" in document["paths"]["/classes/{class_id}"]["delete"]["responses"]
    ready = document["paths"]["/readyz"]["get"]["responses"]
    for status in ("200", "503"):
        assert ready[status]["content"]["application/json"]["schema"]["$ref"].endswith("/Readiness")


def test_the_428_describes_a_wildcard_if_match_too() -> None:
    """`If-Match: *` on an edit is a 428, which the document described as "If-Match is required" to a
    client that had sent one (a review, s30)."""
    responses = create_app().openapi()["paths"]["/concepts/{concept_id}"]["patch"]["responses"]
    assert "`*`" in responses["428"]["description"]


def test_a_routes_own_422_is_kept_and_fastapis_is_replaced() -> None:
    """Every 422 was replaced by the generic one, next-tasks' own included: the document's only mention
    that a learner with no curriculum is a 422 naming `curriculum_id` (a review, s30)."""
    document = create_app().openapi()
    own = document["paths"]["/learners/{learner_id}/next-tasks"]["get"]["responses"]["422"]
    assert own["description"] == PLAN_ERRORS[422]["description"]
    content = own["content"]["application/problem+json"]
    assert content["schema"]["$ref"].endswith("/Problem")
    assert content["example"]["field"] == "limit"
    generic = document["paths"]["/curricula"]["post"]["responses"]["422"]
    assert generic["description"].startswith("Invalid request")
    assert list(generic["content"]) == ["application/problem+json"]


@pytest.mark.parametrize(
    ("path", "method", "status", "headers"),
    [
        ("/concepts/{concept_id}", "get", "200", {"ETag"}),
        ("/concepts/{concept_id}", "patch", "200", {"ETag"}),
        ("/concepts/{concept_id}", "put", "200", {"ETag"}),
        ("/tasks/{task_id}", "get", "200", {"ETag"}),
        ("/tasks/{task_id}", "patch", "200", {"ETag"}),
        ("/tasks/{task_id}", "put", "200", {"ETag"}),
        ("/curricula/{curriculum_id}/concepts", "post", "201", {"ETag", "Location"}),
        ("/curricula/{curriculum_id}/tasks", "post", "201", {"ETag", "Location"}),
        ("/curricula", "post", "201", {"Location"}),
        ("/curricula/{curriculum_id}/export", "get", "200", {"ETag"}),
    ],
)
def test_the_etag_and_location_a_route_sets_are_documented(
    path: str, method: str, status: str, headers: set[str]
) -> None:
    """If-Match asks for "the ETag you read", yet no response declared one, so a generated client had no
    accessor for it, nor for a create's Location (a review, s30)."""
    response = DOCUMENT["paths"][path][method]["responses"][status]
    assert set(response["headers"]) == headers
    assert response["content"], "the body is still documented beside the headers"


def test_swagger_ui_is_the_only_page_over_the_document() -> None:
    """/redoc is off: a second key-less page loading third-party script, which the README's advice to
    block /docs at the proxy would miss."""
    # Redis where nothing listens, and no lifespan (no `with`): nothing is contacted.
    client = TestClient(create_app(Settings(redis={"url": "redis://127.0.0.1:1/0"})))
    assert client.get("/docs").status_code == 200
    assert client.get("/redoc").status_code == 404


DOCUMENT = create_app().openapi()


def body_schema(path: str, media_type: str = "application/json") -> dict[str, Any]:
    return DOCUMENT["paths"][path]["post"]["requestBody"]["content"][media_type]["schema"]


def validator(schema: dict[str, Any]) -> jsonschema_rs.Validator:
    """The schema with the document's components beside it, so that its `#/components/...` refs resolve."""
    return jsonschema_rs.Draft202012Validator(
        {**schema, "components": DOCUMENT["components"]}, validate_formats=True
    )


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def test_the_document_is_valid_openapi_3_1_and_every_ref_resolves() -> None:
    assert DOCUMENT["openapi"].startswith("3.1")
    schemathesis.openapi.from_dict(DOCUMENT).validate()  # raises on a document the 3.1 schema refuses
    schemas = DOCUMENT["components"]["schemas"]
    for ref in set(refs(DOCUMENT)):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas, ref
    for schema in schemas.values():
        assert jsonschema_rs.meta.is_valid(schema), schema


def test_every_json_request_body_names_its_models() -> None:
    """No JSON body is documented as just "an array or an object" (a client generator's `Any`)."""
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                assert list(refs(content["application/json"]["schema"])), (method, path)


ANSWER = {
    "event_id": "e-1",
    "learner_id": "l-1",
    "task_id": "t-1",
    "correct": True,
    "answered_at": "2026-01-05T08:00:00Z",
}


@pytest.mark.parametrize(
    ("body", "accepted"),
    [
        (ANSWER, True),
        ({**ANSWER, "correct": None, "score": 0.5, "duration_s": 3.0}, True),
        ([ANSWER, {**ANSWER, "event_id": "e-2"}], True),
        ({"answers": [ANSWER]}, True),
        ({k: v for k, v in ANSWER.items() if k != "answered_at"}, False),
        ({**ANSWER, "answered_at": "yesterday"}, False),
        ({**ANSWER, "correct": "yes"}, False),
        ({**ANSWER, "score": 1.5, "correct": None}, False),
        ({**ANSWER, "mood": "happy"}, False),
        ([], False),
        ({"answers": []}, False),
        ({"answers": [ANSWER], "source": "app"}, False),
        ([{**ANSWER, "learner_id": ""}], False),
        ([{**ANSWER, "learner_id": "jane doe"}], False),  # the id rule, stated by a pattern since 4 December
    ],
)
def test_the_answers_body_is_documented_as_the_route_reads_it(body: Any, accepted: bool) -> None:
    """The document accepts what the route stores and refuses what it rejects (the whole body, or the
    one row of it); the route's own per-row check is the reference."""
    schema = body_schema("/answers")
    assert {s.get("$ref") for s in schema["anyOf"]} >= {
        "#/components/schemas/AnswerIn",
        "#/components/schemas/AnswerBatch",
    }
    assert set(DOCUMENT["components"]["schemas"]["AnswerIn"]["required"]) == {
        "event_id",
        "learner_id",
        "task_id",
        "answered_at",
    }
    try:
        _, rejected = parse_answer_rows(rows_of(body))
    except ValidationFailed:
        rejected = ["the body"]
    assert (not rejected) == accepted, rejected
    assert validator(schema).is_valid(body) == accepted


def test_the_import_body_is_documented_from_the_row_models() -> None:
    schema = body_schema("/curricula/{curriculum_id}/import")
    assert schema == {"$ref": "#/components/schemas/ImportDocument"}
    document = DOCUMENT["components"]["schemas"]["ImportDocument"]
    assert set(document["properties"]) == {"based_on", "curriculum", *JSON_SECTIONS}
    assert document["properties"]["concepts"]["items"] == {"$ref": "#/components/schemas/ConceptIn"}
    check = validator(schema)
    exported = generate_curriculum(5, seed=1, curriculum_id="c-1").to_dict()
    assert check.is_valid(exported)
    assert check.is_valid({"concepts": exported["concepts"]})  # every member may be left out
    # What the HTTP export records of itself (`based_on`) is part of the document, and must be whole.
    based_on = {"curriculum_id": "c-1", "etag": '"curriculum@2026-12-03T06:00:00+00:00"'}
    assert check.is_valid({"based_on": based_on, **exported})
    assert not check.is_valid({"based_on": {"etag": based_on["etag"]}, **exported})
    assert check.is_valid({"curriculum": {"name": "Algebra"}})
    assert not check.is_valid({"concepts": [{"id": "c"}]})  # no name
    assert not check.is_valid({"lessons": []})  # an unknown section is a file error
    assert not check.is_valid({"curriculum": {"id": None}})
    # The files it also takes stay as declared.
    assert body_schema("/curricula/{curriculum_id}/import", "application/zip")["format"] == "binary"


def test_the_cancel_routes_409_says_the_job_has_ended() -> None:
    """It inherited the graph-editing 409 ("a cycle, a duplicate, ..., a batch already running"), the
    opposite of why a cancel is refused (a review, s33)."""
    conflict = DOCUMENT["paths"]["/jobs/{job_id}/cancel"]["post"]["responses"]["409"]
    assert "has ended" in conflict["description"] and "already running" not in conflict["description"]
    assert conflict["content"]["application/problem+json"]["schema"]["$ref"].endswith("/Problem")


def test_the_answers_503_says_a_split_batch_may_be_partly_stored() -> None:
    """The platform's 503 says nothing was changed; a batch split for its full replays can have stored its
    first transactions (`PartlyStored`, its body's `stored`), and the document must say to send it again."""
    unavailable = DOCUMENT["paths"]["/answers"]["post"]["responses"]["503"]
    assert "`stored`" in unavailable["description"] and "again" in unavailable["description"]
    assert "Retry-After" in unavailable["headers"]
    assert unavailable["content"]["application/problem+json"]["schema"]["$ref"].endswith("/Problem")


def test_every_401_documents_its_www_authenticate_header() -> None:
    """Every 401 is sent with `WWW-Authenticate` (RFC 9110); the document did not say so."""
    unauthorized = [
        (path, method, operation["responses"]["401"])
        for path, item in DOCUMENT["paths"].items()
        for method, operation in item.items()
        if "401" in operation["responses"]
    ]
    assert len(unauthorized) > 30
    for path, method, response in unauthorized:
        assert "WWW-Authenticate" in response.get("headers", {}), (path, method)


def test_a_compressed_body_is_in_the_415s_description() -> None:
    for path, method in (
        ("/answers", "post"),
        ("/curricula", "post"),
        ("/curricula/{curriculum_id}/import", "post"),
    ):
        assert (
            "content-encoding" in DOCUMENT["paths"][path][method]["responses"]["415"]["description"].lower()
        )


def test_the_interest_tags_constraint_is_in_the_document() -> None:
    """Tags holding control characters are refused (a review, s36): the document says so as it does for
    learner ids, a pattern refusing the control characters (for clients and fuzzers), the rest in words."""
    document = create_app().openapi()
    item = document["components"]["schemas"]["InterestsIn"]["properties"]["tags"]["items"]
    pattern = re.compile(item["pattern"])  # fullmatch: JSON Schema's "$" is the end, Python's before a "\n"
    assert pattern.fullmatch("Space travel") and pattern.fullmatch("数学") and pattern.fullmatch("")
    assert not any(pattern.fullmatch(tag) for tag in ("a\x00b", "music\n", "\tart", "x\x85"))
    assert "control" in item["description"] and "invisible" in item["description"]
    assert item["maxLength"] == 100


def test_the_curriculum_text_constraints_are_in_the_document() -> None:
    """Names, titles and tags refuse control and invisible formatting characters, descriptions all but line
    breaks and tabs (a review, s36): the document says so as for interest tags, a pattern for the control
    characters and the rest in words."""
    schemas = create_app().openapi()["components"]["schemas"]
    text = [
        schemas["ConceptIn"]["properties"]["name"],
        schemas["ConceptIn"]["properties"]["tags"]["items"],
        schemas["TaskIn"]["properties"]["title"],
        schemas["CurriculumIn"]["properties"]["name"],
    ]
    for item in text:
        pattern = re.compile(item["pattern"])
        assert pattern.fullmatch("Pythagoras' theorem") and pattern.fullmatch("数学")
        assert not any(pattern.fullmatch(bad) for bad in ("a\x00b", "name\n", "\tx", "x\x85"))
        assert "control" in item["description"] and "invisible" in item["description"]
    # Read text keeps emoji sequences (4 December 2026), tags do not: the pattern lets them through, the
    # words say which.
    for item in text:
        assert re.compile(item["pattern"]).fullmatch("\U0001f469\u200d\U0001f3eb \u2764\ufe0f")
        assert ("emoji" in item["description"]) == (item is not text[1]), item["description"]
    description = schemas["ConceptIn"]["properties"]["description"]
    pattern = re.compile(description["pattern"])
    assert (
        pattern.fullmatch("one\r\ntwo\n\tthree")
        and not pattern.fullmatch("a\x00")
        and not pattern.fullmatch("\x0b")
    )
    assert "control" in description["description"] and "invisible" in description["description"]
    assert "emoji" in description["description"]


def test_the_key_routes_document_the_classes_without_roster_and_the_409_of_a_change() -> None:
    """`POST /api-keys` names the classes no roster was sent for (a misspelt class gives a key that reads
    nobody); `PATCH /api-keys/{key_id}` (a teacher key's classes) answers the same and a 409 for a key it
    cannot change."""
    document = create_app().openapi()
    schemas = document["components"]["schemas"]
    operations = document["paths"]["/api-keys/{key_id}"]
    for path, method, status in [("/api-keys", "post", "201"), ("/api-keys/{key_id}", "patch", "200")]:
        ref = document["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
        documented = schemas[ref["$ref"].rsplit("/", 1)[1]]["properties"]["classes_without_roster"]
        assert documented["type"] == "array" and "roster" in documented["description"]
    assert "revoked" in operations["patch"]["responses"]["409"]["description"]
    assert "404" in operations["patch"]["responses"]
    body = operations["patch"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert set(schemas[body.rsplit("/", 1)[1]]["properties"]) == {
        "classes",
        "add_classes",
        "remove_classes",
        "unscoped",
    }


@pytest.mark.parametrize(
    ("schema", "path"),
    [
        ("RosterIn", ("learner_ids", "items")),
        ("AnswerIn", ("learner_id",)),
        ("ApiKeyIn", ("classes", "anyOf", 0, "items")),
        ("KeyScopeIn", ("classes", "items")),
        ("KeyScopeIn", ("add_classes", "items")),
        ("KeyScopeIn", ("remove_classes", "items")),
    ],
)
def test_the_id_rule_of_learner_and_class_ids_in_bodies_is_in_the_document(
    schema: str, path: tuple[str | int, ...]
) -> None:
    """The roster body's learner ids (and a key's classes) said only 1..200 characters while the route
    refused "jane doe" and "school-1/42" (a 422 naming `learner_ids.N`): a client or fuzzer could not know.
    The pattern the path parameters show, which the route's own check applies, is documented with them."""
    item: Any = DOCUMENT["components"]["schemas"][schema]["properties"]
    for part in path:
        item = item[part]
    pattern = re.compile(item["pattern"])  # fullmatch: JSON Schema's "$" is the end, Python's before a "\n"
    assert pattern.fullmatch("ada-42") and pattern.fullmatch("Zoë") and pattern.fullmatch("7B")
    assert not any(pattern.fullmatch(bad) for bad in ("jane doe", "school-1/42", "a\x00", "x\n", "\x85", ""))
    assert "whitespace" in item["description"] and "NFC" in item["description"]
    assert item["maxLength"] == 200 and item["minLength"] == 1
    reference = DOCUMENT["paths"]["/classes/{class_id}/learners"]["put"]["parameters"][0]["schema"]
    assert item["pattern"] == reference["pattern"], "the body and the path state the same rule"


def test_the_key_audit_route_documents_its_filter_paging_and_entries_without_secrets() -> None:
    """`GET /api-keys/audit` (admin): who created, changed and revoked which key. Its entries name the key
    by id and name: no member could carry the secret or its hash."""
    document = create_app().openapi()
    schemas = document["components"]["schemas"]
    operation = document["paths"]["/api-keys/audit"]["get"]
    assert {p["name"]: p["in"] for p in operation["parameters"]} == {
        "key_id": "query",
        "offset": "query",
        "cursor": "query",
        "since": "query",
        "until": "query",
        "limit": "query",
    }
    assert {"200", "401", "403", "422"} <= set(operation["responses"])
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    audit = schemas[ref.rsplit("/", 1)[1]]["properties"]
    entry = schemas[audit["items"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert set(entry["properties"]) == {
        "id",
        "at",
        "actor",
        "action",
        "key_id",
        "key_name",
        "role",
        "classes",
        "classes_before",
    }
    assert entry["properties"]["action"]["enum"] == ["create", "update", "revoke"]
    assert "cli" in entry["properties"]["actor"]["description"]


TRAIL_ROUTES = (
    "/curricula/{curriculum_id}/audit",
    "/concepts/{concept_id}/audit",
    "/tasks/{task_id}/audit",
    "/api-keys/audit",
    "/classes/{class_id}/audit",
)


def test_every_audit_trail_route_documents_its_cursor_and_next() -> None:
    """Since 4 December 2026 every trail pages by a cursor too: the parameter says where it comes from
    (`next`), that it excludes `offset` and what a bad one gets (422); each answer documents `next` and
    `archived`, and the offset of a page read by cursor may be null."""
    document = create_app().openapi()
    schemas = document["components"]["schemas"]
    for path in TRAIL_ROUTES:
        operation = document["paths"][path]["get"]
        parameters = {p["name"]: p for p in operation["parameters"]}
        described = parameters["cursor"]["description"]
        assert "`next`" in described and "`offset`" in described and "422" in described, path
        assert parameters["cursor"]["schema"]["anyOf"][0]["maxLength"] == cursor.MAX_CURSOR, path
        assert "`cursor`" in parameters["offset"]["description"], path
        ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        page = schemas[ref.rsplit("/", 1)[1]]
        assert page["properties"]["next"]["description"] == cursor.NEXT_DOC, path
        assert "next" not in page.get("required", []), path
        if "offset" in page["properties"]:
            assert {"type": "null"} in page["properties"]["offset"]["anyOf"], path
        # Since 4 December 2026 the key and roster trails say what was archived of them, as the others do.
        assert "archived" in page["properties"] and "archived" not in page.get("required", []), path

    # Since 4 December 2026 every trail takes `since` and `until`, documented as the curriculum's (one
    # dependency for all: the same bounds, the same refusals).
    def bounds(path: str) -> list[dict[str, Any]]:
        parameters = document["paths"][path]["get"]["parameters"]
        return [p for p in parameters if p["name"] in ("since", "until")]

    for path in TRAIL_ROUTES:
        assert bounds(path) == bounds("/curricula/{curriculum_id}/audit") != [], path


def test_the_class_routes_document_names_and_a_teachers_reads() -> None:
    """`PUT /classes/{class_id}` names a class (creating it: no 404), its body's `name` states the rule the
    route applies (a 422 naming `name`), and the list, the roster and the audit entries carry the name."""
    document = create_app().openapi()
    schemas = document["components"]["schemas"]
    operation = document["paths"]["/classes/{class_id}"]["put"]
    assert {"200", "401", "403", "415", "422"} <= set(operation["responses"])
    assert "404" not in operation["responses"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert schemas[body]["required"] == ["name"] and schemas[body]["additionalProperties"] is False
    name = next(
        branch for branch in schemas[body]["properties"]["name"]["anyOf"] if branch["type"] == "string"
    )
    assert name["maxLength"] == 200 and name["minLength"] == 1
    pattern = re.compile(name["pattern"])
    assert pattern.fullmatch("Year 7 maths, set B") and pattern.fullmatch("7\u00a0B")
    assert not any(pattern.fullmatch(bad) for bad in ("7B\nx", "a\x00", "\x85"))
    assert pattern.fullmatch("\U0001f469\u200d\U0001f3eb 7B") and "emoji" in name["description"]
    for schema in ("ClassSummary", "Roster", "RosterChange"):
        assert "name" in schemas[schema]["properties"], schema
    assert schemas["RosterChange"]["properties"]["action"]["enum"] == ["replace", "delete", "rename"]
    assert "name_before" in schemas["RosterChange"]["properties"]
    # A teacher key reads the list and the roster: the roster's 404 says a scoped key's other classes get it.
    roster_404 = document["paths"]["/classes/{class_id}/learners"]["get"]["responses"]["404"]["description"]
    assert "teacher" in roster_404


@pytest.mark.parametrize(
    ("schema_name", "model", "body", "accepted"),
    [
        ("ConceptPatch", ConceptPatch, {}, False),
        ("ConceptPatch", ConceptPatch, {"name": None}, False),
        ("ConceptPatch", ConceptPatch, {"difficulty": None}, True),  # null clears it
        ("ConceptPatch", ConceptPatch, {"name": "Fractions"}, True),
        ("TaskPatch", TaskPatch, {}, False),
        ("TaskPatch", TaskPatch, {"kind": None}, False),
        ("TaskPatch", TaskPatch, {"estimated_minutes": 5}, True),
        ("KeyScopeIn", KeyScopeIn, {}, False),
        ("KeyScopeIn", KeyScopeIn, {"classes": None}, False),
        ("KeyScopeIn", KeyScopeIn, {"unscoped": True}, True),
        ("AnswerIn", AnswerIn, {k: v for k, v in ANSWER.items() if k != "correct"}, False),
        ("AnswerIn", AnswerIn, {**ANSWER, "score": 0.5}, False),
        ("AnswerIn", AnswerIn, {**ANSWER, "correct": None}, False),
        ("AnswerIn", AnswerIn, {**ANSWER, "correct": None, "score": 1.0}, True),
        ("InterestsIn", InterestsIn, {"tags": [""]}, False),
        ("InterestsIn", InterestsIn, {"tags": ["Space travel"]}, True),
    ],
)
def test_a_request_model_is_documented_as_its_validators_read_it(
    schema_name: str, model: type[BaseModel], body: dict[str, Any], accepted: bool
) -> None:
    """Either-or rules and nulls said in the document (a fuzz from it, 6 December 2026, met 422s on most of
    these routes' generated bodies: `{}`, `{"name": null}`, an answer with neither `correct` nor `score`). The
    models' validators are the reference, and where the service refuses what they pass, the service's check:
    a key change that gives nothing (`change_form`), an empty interest tag."""
    try:
        parsed = model.model_validate(body)
        if isinstance(parsed, KeyScopeIn):
            change_form(parsed)
        valid = not (schema_name == "InterestsIn" and any(not t.strip() for t in body["tags"]))
    except (ValidationError, ValidationFailed):
        valid = False
    assert valid == accepted
    assert validator({"$ref": f"#/components/schemas/{schema_name}"}).is_valid(body) == accepted


def test_the_transfer_edges_concept_ids_are_documented_as_checked() -> None:
    """The route refuses an empty or blank concept id (a 422 naming `concept`): the document says so."""
    (concept,) = [
        p
        for p in DOCUMENT["paths"]["/ui-support/transfer-edges"]["get"]["parameters"]
        if p["name"] == "concept"
    ]
    items = validator(concept["schema"])
    assert not items.is_valid([]) and not items.is_valid([""]) and not items.is_valid([" "])
    assert items.is_valid(["c1", "c 2"])


IF_MATCH_VALUES = [
    '"3"',
    "3",
    'W/"3"',
    '"3", "4"',
    '"3",',
    ', "3"',
    '"3" "4"',
    "*",
    "",
    ",",
    "null",
    '"x"',
    '"prerequisite@c1->c2@2026-01-01T00:00:00Z"',
    'W/"prerequisite@a"',
    '"3", "prerequisite@a"',
    '"curriculum@c1@7"',
    'W/"curriculum@c1@7", "3"',
    "!AtT(:LG",
]


@pytest.mark.parametrize("value", IF_MATCH_VALUES)
@pytest.mark.parametrize(
    ("path", "method", "parse"),
    [
        ("/concepts/{concept_id}", "delete", parse_if_match),
        ("/tasks/{task_id}", "put", parse_if_match),
        ("/prerequisites", "patch", parse_prerequisite_if_match),
        ("/prerequisites", "delete", parse_removal_if_match),
        ("/curricula/{curriculum_id}/import", "post", parse_import_if_match),
    ],
)
def test_each_if_match_is_documented_as_its_parser_reads_it(
    path: str, method: str, parse: Callable[[str | None], object], value: str
) -> None:
    """A concept's or task's If-Match takes versions, a prerequisite edge's its own ETags: the document
    said only "a string" (e.g. "3") on all four, and a client sending an edge's ETag to a concept, or the
    reverse, met a 422 it had not been told of (a fuzz, 6 December 2026). The parsers are the reference."""
    (header,) = [
        p
        for p in DOCUMENT["paths"][path][method]["parameters"]
        if p["in"] == "header" and p["name"] == "If-Match"
    ]
    try:
        parse(value)
        accepted = True
    except (ValidationFailed, PreconditionRequired):
        accepted = False
    assert validator(header["schema"]).is_valid(value) == accepted, header["schema"]


def test_no_header_is_documented_as_nullable() -> None:
    """A header is sent or left out, never null: documented as `string | null`, a client generated from the
    document sent `If-Match: null`, a 422 (a fuzz, 6 December 2026)."""
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "header":
                    assert "null" not in str(parameter["schema"]), (method, path, parameter)


@pytest.mark.parametrize(
    ("answered_at", "accepted"),
    [("2026-01-05T08:00:00Z", True), ("1970-01-01T00:00:00.000001Z", True), ("1969-12-31T23:59:59Z", False)],
)
def test_the_answer_time_bound_is_documented(answered_at: str, accepted: bool) -> None:
    body = {**ANSWER, "answered_at": answered_at}
    _, rejected = parse_answer_rows([body])
    assert (not rejected) == accepted
    assert validator({"$ref": "#/components/schemas/AnswerIn"}).is_valid(body) == accepted


def test_the_refused_epoch_is_said_in_the_answer_times_description() -> None:
    """The epoch itself, a missing time, is refused in every offset, which no fixed pattern can say: the
    field's description says it (a review, 6 December 2026)."""
    body = {**ANSWER, "answered_at": "1970-01-01T00:00:00Z"}
    assert parse_answer_rows([body])[1]
    described = DOCUMENT["components"]["schemas"]["AnswerIn"]["properties"]["answered_at"]["description"]
    assert "1970-01-01T00:00:00Z" in described and "refused" in described, described
