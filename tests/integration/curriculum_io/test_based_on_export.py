"""A file exported, edited offline for days and imported back without the export's ETag header (a script,
the page): the file records what it was exported from (`based_on`), and the import is refused (412, nothing
written) once the curriculum changed since, instead of silently overwriting colleagues' edits. If-Match
sent explicitly wins; `?overwrite=true` imports anyway (and the audit entry says so); a copy into another
curriculum is not refused because of it."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import httpx

from kgplatform.auth.models import Role
from kgplatform.curriculum.generator import generate_curriculum
from tests.integration.api.harness import Api
from tests.integration.curriculum_io.conftest import graph_counts

JSON = "application/json"
IMPORT = "/curricula/stats/import"
DOCUMENT = generate_curriculum(8, seed=5, curriculum_id="stats")


def _setup(api: Api) -> tuple[dict[str, Any], str, str]:
    """The curriculum imported; its JSON export edited offline (concept 0 renamed); then another designer's
    edit of concept 1. Returns the edited file, concept 1's id and the curriculum's ETag after the edit."""
    assert (
        api.call("POST", IMPORT, content=DOCUMENT.to_json(), headers={"Content-Type": JSON}).status_code
        == 200
    )
    exported = api.call("GET", "/curricula/stats/export")
    assert exported.json()["based_on"] == {"curriculum_id": "stats", "etag": exported.headers["etag"]}
    edited = exported.json()
    edited["concepts"][0]["name"] = "Mine, edited offline"
    theirs = edited["concepts"][1]["id"]
    version = api.call("GET", f"/concepts/{theirs}").headers["etag"]
    edit = api.call(
        "PATCH", f"/concepts/{theirs}", role=Role.ADMIN, json={"name": "Theirs"}, if_match=version
    )
    assert edit.status_code == 200, edit.text
    return edited, theirs, api.call("GET", "/curricula/stats/export").headers["etag"]


def _names(api: Api, document: dict[str, Any]) -> list[str]:
    return [api.call("GET", f"/concepts/{c['id']}").json()["name"] for c in document["concepts"][:2]]


def test_an_old_export_imported_without_if_match_is_refused_and_changes_nothing(api: Api) -> None:
    edited, _, current = _setup(api)
    counts, trail = graph_counts(api.graph), api.call("GET", "/curricula/stats/audit").json()["total"]
    refused = api.call("POST", IMPORT, json=edited)
    assert refused.status_code == 412, refused.text
    problem = refused.json()
    assert problem["field"] == "based_on" and problem["current_etag"] == current
    # It names what changed (the newest entry's actor and time) and how to import anyway.
    assert api.actors[Role.ADMIN] in problem["detail"] and "overwrite=true" in problem["detail"]
    assert problem["changed_since"]["actor"] == api.actors[Role.ADMIN]
    assert _names(api, edited) == [DOCUMENT.concepts[0].name, "Theirs"]
    assert graph_counts(api.graph) == counts
    assert api.call("GET", "/curricula/stats/audit").json()["total"] == trail
    # The dry run says so, without refusing: the page asks the designer before importing.
    dry = api.call("POST", f"{IMPORT}?dry_run=true", json=edited)
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert report["based_on"] == edited["based_on"]["etag"] and report["based_on_current"] is False
    assert (
        report["changed_since"]["entries"] == 1 and report["changed_since"]["actor"] == api.actors[Role.ADMIN]
    )
    assert "older state" in report["summary"]


def test_an_explicit_if_match_wins(api: Api) -> None:
    edited, theirs, current = _setup(api)
    ok = api.call("POST", IMPORT, json=edited, if_match=current)
    assert ok.status_code == 200, ok.text
    assert _names(api, edited)[0] == "Mine, edited offline"


def test_overwrite_imports_anyway_and_the_audit_entry_says_so(api: Api) -> None:
    edited, theirs, _ = _setup(api)
    ok = api.call("POST", f"{IMPORT}?overwrite=true", json=edited)
    assert ok.status_code == 200, ok.text
    assert ok.json()["based_on_current"] is False
    assert _names(api, edited) == ["Mine, edited offline", edited["concepts"][1]["name"]]
    entries = api.call("GET", "/curricula/stats/audit").json()["items"]
    [summary] = [e for e in entries if e["action"] == "import" and e["entity_type"] == "curriculum"][:1]
    assert summary["new"]["overwrite"] is True and summary["new"]["based_on_current"] is False
    assert summary["new"]["based_on"] == edited["based_on"]["etag"]


def test_a_file_based_on_the_current_state_imports_without_if_match(api: Api) -> None:
    assert (
        api.call("POST", IMPORT, content=DOCUMENT.to_json(), headers={"Content-Type": JSON}).status_code
        == 200
    )
    edited = api.call("GET", "/curricula/stats/export").json()
    edited["concepts"][0]["name"] = "Nobody changed it meanwhile"
    ok = api.call("POST", IMPORT, json=edited)
    assert ok.status_code == 200 and ok.json()["based_on_current"] is True, ok.text


def test_a_copy_into_another_curriculum_is_not_refused(api: Api) -> None:
    edited, _, _ = _setup(api)
    copy = _renamed(edited, "stats-copy")
    ok = api.call("POST", "/curricula/stats-copy/import", json=copy)
    assert ok.status_code == 200, ok.text
    assert ok.json()["based_on"] is None and any("as a copy" in n for n in ok.json()["notes"])
    assert api.call("GET", "/curricula/stats-copy").json()["curriculum"]["id"] == "stats-copy"


def test_a_zip_export_records_it_too(api: Api) -> None:
    _, _, _ = _setup(api)
    # An export taken before the edit, as a zip: curriculum.csv carries the record.
    zipped = api.call("GET", "/curricula/stats/export?format=csv")
    assert b"based_on_etag" in zipfile.ZipFile(io.BytesIO(zipped.content)).read("curriculum.csv")
    version = api.call("GET", f"/concepts/{DOCUMENT.concepts[2].id}").headers["etag"]
    assert (
        api.call(
            "PATCH", f"/concepts/{DOCUMENT.concepts[2].id}", json={"name": "Later"}, if_match=version
        ).status_code
        == 200
    )
    refused = _send_zip(api, IMPORT, zipped.content)
    assert refused.status_code == 412 and refused.json()["field"] == "based_on", refused.text
    assert api.call("GET", f"/concepts/{DOCUMENT.concepts[2].id}").json()["name"] == "Later"
    ok = _send_zip(api, f"{IMPORT}?overwrite=true", zipped.content)
    assert ok.status_code == 200, ok.text
    assert api.call("GET", f"/concepts/{DOCUMENT.concepts[2].id}").json()["name"] == DOCUMENT.concepts[2].name


def _send_zip(api: Api, path: str, data: bytes) -> httpx.Response:
    return api.client.post(
        path, content=data, headers=api.headers(Role.DESIGNER, **{"Content-Type": "application/zip"})
    )


def _renamed(document: dict[str, Any], curriculum_id: str) -> dict[str, Any]:
    """The document as a copy: another curriculum id, every concept and task id prefixed (ids are global)."""

    def new(cid: str) -> str:
        return f"{curriculum_id}-{cid}"

    return {
        "based_on": document["based_on"],
        "curriculum": {**document["curriculum"], "id": curriculum_id},
        "concepts": [{**c, "id": new(c["id"])} for c in document["concepts"]],
        "prerequisites": [
            {**p, "prerequisite": new(p["prerequisite"]), "concept": new(p["concept"])}
            for p in document["prerequisites"]
        ],
        "tasks": [
            {**t, "id": new(t["id"]), "concepts": [new(c) for c in t["concepts"]]} for t in document["tasks"]
        ],
    }


def test_a_dry_run_refused_for_its_rows_still_says_the_file_is_older(api: Api) -> None:
    """Before, staleness was only read by the write, so a file with a bad row said nothing about it: the
    designer fixed the rows and then met the 412."""
    edited, _, _ = _setup(api)
    edited["prerequisites"].append(
        {"prerequisite": edited["concepts"][0]["id"], "concept": "no-such-concept"}
    )
    counts = graph_counts(api.graph)
    for query in ("?dry_run=true", ""):
        refused = api.call("POST", f"{IMPORT}{query}", json=edited)
        # A dry run answers 200 with the report; a real import 422 problem+json carrying it.
        assert refused.status_code == (200 if query else 422), refused.text
        report = refused.json() if query else refused.json()["report"]
        assert report["accepted"] is False and report["errors"][0]["field"] == "concept"
        assert report["based_on_current"] is False and report["changed_since"]["entries"] == 1
        assert report["changed_since"]["actor"] == api.actors[Role.ADMIN]
        assert "older state" in report["summary"]
    assert graph_counts(api.graph) == counts
