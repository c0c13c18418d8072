"""The import/export routes over HTTP: formats, dry run, refusal as problem+json, roles."""

from __future__ import annotations

import io
import json
import zipfile

import httpx

from kgplatform.auth.models import Role
from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.curriculum.io import document_to_csv_tables, document_to_zip
from tests.integration.api.harness import Api
from tests.integration.curriculum_io.conftest import graph_counts

PROBLEM = "application/problem+json"
JSON = "application/json"
IMPORT = "/curricula/stats/import"
DOCUMENT = generate_curriculum(15, seed=11, curriculum_id="stats")


def send(
    api: Api, path: str, body: str | bytes, content_type: str, role: Role = Role.DESIGNER
) -> httpx.Response:
    """A POST with a raw body (the harness's `call` sets its own headers)."""
    return api.client.post(path, content=body, headers=api.headers(role, **{"Content-Type": content_type}))


def test_json_import_then_dry_run_then_reimport(api: Api) -> None:
    body = DOCUMENT.to_json()
    dry = send(api, f"{IMPORT}?dry_run=true", body, JSON)
    assert dry.status_code == 200 and dry.json()["imported"] is False
    assert graph_counts(api.graph) == {}
    first = send(api, IMPORT, body, JSON)
    assert first.status_code == 200, first.text
    assert first.json()["outcome"]["concept"] == {"created": 15, "updated": 0, "unchanged": 0}
    again = send(api, IMPORT, body, JSON).json()
    assert again["outcome"]["task"] == {"created": 0, "updated": 0, "unchanged": 45}


def test_bad_rows_are_a_422_problem_with_the_report_and_nothing_written(api: Api) -> None:
    data = DOCUMENT.model_dump(mode="json")
    data["tasks"][2]["kind"] = "lecture"
    response = api.call("POST", IMPORT, json=data)
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["field"] == "task.kind"
    assert problem["report"]["errors"][0]["row"] == 3
    assert problem["detail"].startswith("imported nothing: 1 error;")
    assert graph_counts(api.graph) == {}
    skipped = api.call("POST", f"{IMPORT}?skip_invalid=true", json=data)
    assert skipped.status_code == 200 and skipped.json()["skipped_rows"]["task"] == 1


def test_a_json_rows_numbers_of_the_wrong_type_are_refused_where_a_csvs_text_cells_are_read(api: Api) -> None:
    """A JSON document's numbers are held to the API's types (a string or a boolean for a number, 3.0 for
    whole minutes were read as numbers until 6 December 2026); a CSV's cells are all text, and still read."""
    data = DOCUMENT.model_dump(mode="json")
    data["concepts"][0]["difficulty"] = "0.5"
    data["prerequisites"][0]["weight"] = True
    data["tasks"][0]["estimated_minutes"] = 3.0
    response = api.call("POST", IMPORT, json=data)
    assert response.status_code == 422, response.text
    errors = [(e["entity"], e["row"], e["field"]) for e in response.json()["report"]["errors"]]
    # (Rows naming the refused concept are refused after it, as depending on an invalid row.)
    for refused in [
        ("concept", 1, "difficulty"),
        ("prerequisite", 1, "weight"),
        ("task", 1, "estimated_minutes"),
    ]:
        assert refused in errors, errors
    # Said as every 422 says a wrong JSON type: what was sent and what to send.
    said = {(e["entity"], e["field"]): e["message"] for e in response.json()["report"]["errors"]}
    assert said[("concept", "difficulty")] == 'a JSON number is needed, not the text "0.5" (send 0.5)'
    assert said[("task", "estimated_minutes")] == "a JSON integer is needed, not the number 3.0 (send 3)"
    assert graph_counts(api.graph) == {}
    tables = document_to_csv_tables(DOCUMENT)
    assert ",0." in tables["concepts.csv"] and ",0." in tables["prerequisites.csv"]
    files = {name.removesuffix(".csv"): (name, text, "text/csv") for name, text in tables.items()}
    as_csv = api.call("POST", IMPORT, files=files)
    assert as_csv.status_code == 200, as_csv.text
    stored = api.call("GET", f"/concepts/{DOCUMENT.concepts[0].id}").json()
    assert stored["difficulty"] == DOCUMENT.concepts[0].difficulty


def test_multipart_csv_upload_and_zip_body(api: Api) -> None:
    tables = document_to_csv_tables(DOCUMENT)
    files = {name.removesuffix(".csv"): (name, text, "text/csv") for name, text in tables.items()}
    response = api.call("POST", IMPORT, files=files)
    assert response.status_code == 200, response.text
    assert response.json()["outcome"]["prerequisite"]["created"] == len(DOCUMENT.prerequisites)
    zipped = send(api, IMPORT, document_to_zip(DOCUMENT), "application/zip")
    assert zipped.status_code == 200 and zipped.json()["outcome"]["concept"]["unchanged"] == 15


def test_a_multipart_upload_cut_short_is_refused_and_nothing_written(api: Api) -> None:
    """The parser ended a body without its closing boundary silently, dropping the part it was in: the
    concepts imported, the cut tasks.csv was never mentioned, 200. With an epilogue after the closing
    boundary (RFC 2046 allows one) the upload is whole."""
    tables = document_to_csv_tables(DOCUMENT)
    request = httpx.Request(
        "POST",
        "http://testserver" + IMPORT,
        files={name.removesuffix(".csv"): (name, tables[name], "text/csv") for name in tables},
    )
    body = request.read()
    assert body.endswith(b"--\r\n")
    cut = body[: body.index(b"\n", body.index(b'filename="tasks.csv"') + 200)]
    for dry_run in ("true", "false"):
        response = send(api, f"{IMPORT}?dry_run={dry_run}", cut, request.headers["content-type"])
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "body" and "cut short" in response.json()["detail"]
    assert graph_counts(api.graph) == {}
    whole = send(api, IMPORT, body + b"an epilogue\r\n", request.headers["content-type"])
    assert whole.status_code == 200, whole.text
    assert whole.json()["outcome"]["task"]["created"] == len(DOCUMENT.tasks)


def test_an_unsupported_body_is_refused_naming_the_content_type(api: Api) -> None:
    """415, as every JSON route answers a body of another media type; and a JSON media type other routes
    take (application/*+json) is taken here too."""
    response = send(api, IMPORT, b"id,name\n", "text/csv")
    assert response.status_code == 415 and response.json()["field"] == "content-type"
    assert send(api, IMPORT, DOCUMENT.to_json(), "application/vnd.kgp+json").status_code == 200


def test_export_as_json_and_as_a_zip_of_csvs(api: Api) -> None:
    assert send(api, IMPORT, DOCUMENT.to_json(), JSON).status_code == 200
    exported = api.call("GET", "/curricula/stats/export")
    assert exported.status_code == 200
    assert {c["id"] for c in exported.json()["concepts"]} == {c.id for c in DOCUMENT.concepts}
    zipped = api.call("GET", "/curricula/stats/export?format=csv")
    assert zipped.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(zipped.content)).namelist()
    assert sorted(names) == ["concepts.csv", "curriculum.csv", "prerequisites.csv", "tasks.csv"]
    missing = api.call("GET", "/curricula/nothing/export")
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM


def test_roles_only_designers_and_admins_import_and_every_reader_exports(api: Api) -> None:
    body = DOCUMENT.to_json()
    assert send(api, IMPORT, body, JSON, Role.SERVICE).status_code == 403
    assert api.client.post(IMPORT, content=body, headers={"Content-Type": JSON}).status_code == 401
    assert send(api, IMPORT, body, JSON, Role.ADMIN).status_code == 200
    # A service may read the curriculum (GET /curricula/{id} is the same document), so it may export it.
    assert api.call("GET", "/curricula/stats/export", role=Role.SERVICE).status_code == 200
    assert api.call("GET", "/curricula/stats/export").status_code == 200


def test_text_that_is_not_unicode_is_a_422_naming_its_row_and_field_and_nothing_written(api: Api) -> None:
    """A lone surrogate escape (valid JSON, not encodable text) in an id the import looks up before
    validating its rows: refused, never a 500, naming the row and field (it was a 422 naming neither,
    from the driver's UnicodeEncodeError), whether the curriculum exists or not."""
    data = DOCUMENT.model_dump(mode="json")
    data["prerequisites"][0]["prerequisite"] = "\ud800"
    response = send(api, IMPORT, json.dumps(data), JSON)
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM, response.text
    assert response.json()["field"] == "prerequisite.prerequisite"
    [error] = response.json()["report"]["errors"]
    assert (error["entity"], error["row"], error["field"]) == ("prerequisite", 1, "prerequisite")
    assert "'\\ud800', a lone surrogate" in error["message"]
    assert graph_counts(api.graph) == {}

    assert send(api, IMPORT, DOCUMENT.to_json(), JSON).status_code == 200
    before = (
        api.call("GET", "/curricula/stats/export").content,
        api.call("GET", IMPORT.replace("import", "audit")).json(),
    )
    data["tasks"][2]["concepts"].append("x\udfff")
    data["concepts"][1]["id"] = "\ud83d"
    response = send(api, IMPORT, json.dumps(data), JSON)
    assert response.status_code == 422, response.text
    assert [(e["entity"], e["row"], e["field"]) for e in response.json()["report"]["errors"]] == [
        ("concept", 2, "id"),
        ("prerequisite", 1, "prerequisite"),
        ("task", 3, f"concepts.{len(data['tasks'][2]['concepts']) - 1}"),
    ]
    after = (
        api.call("GET", "/curricula/stats/export").content,
        api.call("GET", IMPORT.replace("import", "audit")).json(),
    )
    assert after == before


def test_a_csv_zip_export_carries_the_curriculum_name_and_description_back_in(api: Api) -> None:
    assert send(api, IMPORT, DOCUMENT.to_json(), JSON).status_code == 200
    exported = api.call("GET", "/curricula/stats/export?format=csv").content
    renamed = DOCUMENT.model_dump(mode="json")
    renamed["curriculum"].update(name="Renamed", description="Changed")
    assert send(api, IMPORT, json.dumps(renamed), JSON).status_code == 200
    assert api.call("GET", "/curricula/stats").json()["curriculum"]["name"] == "Renamed"
    # The export records the state it was made from, which the rename moved on: restoring it over the
    # rename takes `overwrite` (without it, a 412: test_based_on_export).
    restored = send(api, f"{IMPORT}?overwrite=true", exported, "application/zip")
    assert restored.status_code == 200, restored.text
    curriculum = api.call("GET", "/curricula/stats").json()["curriculum"]
    assert (curriculum["name"], curriculum["description"]) == (
        DOCUMENT.curriculum.name,
        DOCUMENT.curriculum.description,
    )
    elsewhere = send(api, "/curricula/copy/import", exported, "application/zip")
    assert elsewhere.status_code == 422 and elsewhere.json()["field"] == "curriculum.id"


def test_a_multipart_curriculum_part_names_the_curriculum(api: Api) -> None:
    files = [
        (
            "curriculum",
            ("curriculum.csv", "id,name,description\nstats,Statistics,Means and spreads\n", "text/csv"),
        ),
        ("concepts", ("Concepts.csv", "id,name\nmean,Mean\n", "text/csv")),
    ]
    response = api.call("POST", IMPORT, files=files)
    assert response.status_code == 200, response.text
    assert api.call("GET", "/curricula/stats").json()["curriculum"]["name"] == "Statistics"


def test_a_zip_uploaded_with_other_parts_is_refused_and_nothing_written(api: Api) -> None:
    files = [
        ("archive", ("stats.zip", document_to_zip(DOCUMENT), "application/zip")),
        ("tasks", ("tasks.csv", document_to_csv_tables(DOCUMENT)["tasks.csv"], "text/csv")),
    ]
    response = api.call("POST", IMPORT, files=files)
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    assert response.json()["field"] == "archive" and "send it alone" in response.json()["detail"]
    assert graph_counts(api.graph) == {}


def test_two_uploads_for_one_kind_are_refused_naming_both(api: Api) -> None:
    files = [
        ("concepts", ("concepts.csv", "id,name\na,A\n", "text/csv")),
        ("concepts", ("more.csv", "id,name\nb,B\n", "text/csv")),
    ]
    response = api.call("POST", f"{IMPORT}?dry_run=true", files=files)
    assert response.status_code == 200, response.text
    (error,) = response.json()["errors"]
    assert error["entity"] == "file" and error["field"] == "concepts.csv"
    assert "'concepts (concepts.csv)' and 'concepts (more.csv)'" in error["message"]
    refused = api.call("POST", IMPORT, files=files)
    assert refused.status_code == 422 and graph_counts(api.graph) == {}


def test_a_stale_if_match_is_a_412_before_the_rows_are_judged(api: Api) -> None:
    """RFC 9110 §13.2.1: preconditions are evaluated before the request content is processed, and judging
    the rows against the stored curriculum is that processing. Until 6 December 2026 a stale If-Match with
    a wrong row was the rows' 422, so a designer fixed the file only to learn then that it was out of date.
    A body that cannot be read as a document at all is still its 422 (a request check, as broken JSON)."""
    assert send(api, IMPORT, DOCUMENT.to_json(), JSON).status_code == 200
    etag = api.call("GET", "/curricula/stats/export").headers["etag"]
    wrong = DOCUMENT.model_dump(mode="json")
    wrong["concepts"][0]["difficulty"] = 5  # out of range
    wrong["prerequisites"].append({"prerequisite": wrong["concepts"][1]["id"], "concept": "ghost"})
    with_current_etag = api.call("POST", IMPORT, json=wrong, headers={"If-Match": etag})
    assert with_current_etag.status_code == 422, with_current_etag.text
    assert api.call("POST", "/curricula/stats/concepts", json={"id": "edit", "name": "E"}).status_code == 201
    before = graph_counts(api.graph)
    for dry_run in ("false", "true"):
        stale = api.call("POST", f"{IMPORT}?dry_run={dry_run}", json=wrong, headers={"If-Match": etag})
        assert stale.status_code == 412 and stale.json()["field"] == "If-Match", stale.text
    unreadable = send(api, IMPORT, b"{not json", JSON)
    assert unreadable.status_code == 422
    stale_unreadable = api.client.post(
        IMPORT, content=b"{not json", headers=api.headers(**{"Content-Type": JSON, "If-Match": etag})
    )
    assert stale_unreadable.status_code == 422 and stale_unreadable.json()["field"] == "file"
    assert graph_counts(api.graph) == before


def test_an_import_sent_with_the_exports_etag_is_refused_once_the_curriculum_changed(api: Api) -> None:
    """Re-importing an old export silently reverted another designer's edit. With the export's ETag as
    If-Match, an import into a curriculum changed since is a 412 and writes nothing."""
    body = DOCUMENT.to_json()
    assert send(api, IMPORT, body, JSON).status_code == 200
    exported = api.call("GET", "/curricula/stats/export")
    etag = exported.headers["etag"]
    assert api.call("GET", "/curricula/stats/export").headers["etag"] == etag, "stable while unchanged"
    # The document read whole carries the same ETag: editing it, a designer had nothing to guard with.
    # Compared weakly (RFC 9110 section 8.8.3.2): the export goes gzip-compressed to this client, its ETag
    # weakened (`W/`), and the smaller document read goes as it is (docs/api.md "Compressed answers").
    assert exported.headers.get("content-encoding") == "gzip"
    read_whole = api.call("GET", "/curricula/stats").headers["etag"]
    assert read_whole.removeprefix("W/") == etag.removeprefix("W/")
    # Unchanged since the export: the import goes (and, as any import that changes something, moves the
    # ETag on).
    changed = exported.json()
    changed["concepts"][0]["name"] = "From the export"
    ok = api.call("POST", IMPORT, json=changed, headers={"If-Match": etag})
    assert ok.status_code == 200, ok.text
    etag = api.call("GET", "/curricula/stats/export").headers["etag"]
    # Another designer edits a concept; the first one re-imports the file made before that.
    concept = changed["concepts"][1]["id"]
    version = api.call("GET", f"/concepts/{concept}").headers["etag"]
    edit = api.call("PATCH", f"/concepts/{concept}", json={"name": "B's edit"}, headers={"If-Match": version})
    assert edit.status_code == 200, edit.text
    changed["concepts"][0]["name"] = "From the export, again"
    refused = api.call("POST", IMPORT, json=changed, headers={"If-Match": etag})
    assert refused.status_code == 412 and refused.json()["field"] == "If-Match", refused.text
    assert api.call("GET", f"/concepts/{concept}").json()["name"] == "B's edit"
    assert api.call("GET", f"/concepts/{changed['concepts'][0]['id']}").json()["name"] == "From the export"
    # RFC 9110: "*" matches any current state, and a list matches if one of its tags does.
    current = refused.json()["current_etag"]
    assert (
        api.call("POST", IMPORT, json=changed, headers={"If-Match": f'"old", {current}'}).status_code == 200
    )
    assert api.call("POST", IMPORT, json=changed, headers={"If-Match": "*"}).status_code == 200
    # A concept's ETag is no curriculum's: a 422 saying so, not a 412 claiming a change; nothing written.
    changed["concepts"][0]["name"] = "Sent with a concept's ETag"
    foreign = api.call("POST", IMPORT, json=changed, headers={"If-Match": version})
    assert foreign.status_code == 422 and foreign.json()["field"] == "If-Match", foreign.text
    assert "not a curriculum's ETag" in foreign.json()["detail"]
    assert (
        api.call("GET", f"/concepts/{changed['concepts'][0]['id']}").json()["name"]
        != changed["concepts"][0]["name"]
    )
    # ...and nothing matches a curriculum that does not exist: an ETag sent with an import into a new id
    # created it, as if the designer had read it.
    other = generate_curriculum(5, seed=3, curriculum_id="stats-copy").to_json()
    for header in (current, "*"):
        elsewhere = api.client.post(
            "/curricula/stats-copy/import",
            content=other,
            headers=api.headers(Role.DESIGNER, **{"Content-Type": JSON, "If-Match": header}),
        )
        assert elsewhere.status_code == 412 and elsewhere.json()["field"] == "If-Match", elsewhere.text
    assert api.call("GET", "/curricula/stats-copy").status_code == 404


def test_an_import_that_changes_nothing_keeps_the_etag(api: Api) -> None:
    """An identical re-import (a repeated CLI run, a redelivered job, the demo again) wrote an audit entry,
    so the export's ETag moved and a designer's import of the earlier export was a 412 although nothing
    had changed (and every cached plan of the curriculum was computed again). It now writes none."""
    body = DOCUMENT.to_json()
    assert send(api, IMPORT, body, JSON).status_code == 200
    exported = api.call("GET", "/curricula/stats/export")
    etag = exported.headers["etag"]
    entries = api.call("GET", "/curricula/stats/audit").json()["total"]
    for again in (f"{IMPORT}?dry_run=true", IMPORT, IMPORT):
        response = send(api, again, body, JSON)
        assert response.status_code == 200, response.text
        assert {k: o["unchanged"] for k, o in response.json()["outcome"].items()} == {
            "concept": len(DOCUMENT.concepts),
            "prerequisite": len(DOCUMENT.prerequisites),
            "task": len(DOCUMENT.tasks),
        }
        assert api.call("GET", "/curricula/stats/export").headers["etag"] == etag, again
    assert api.call("GET", "/curricula/stats/audit").json()["total"] == entries
    # The designer's file, edited from the first export, still goes in; and that import moves the ETag.
    edited = exported.json()
    edited["concepts"][0]["name"] = "Edited after the export"
    guarded = api.call("POST", IMPORT, json=edited, headers={"If-Match": etag})
    assert guarded.status_code == 200, guarded.text
    assert guarded.json()["outcome"]["concept"]["updated"] == 1
    assert api.call("GET", "/curricula/stats/export").headers["etag"] != etag


def test_a_dry_runs_summary_counts_with_thousands_separators_and_its_fields_stay_numbers(api: Api) -> None:
    """ "would import 1201 row(s): 1201 created": the page shows the summary as it comes, the only count of
    the page without separators. The JSON fields stay numbers."""
    document = generate_curriculum(300, seed=3, tasks_per_concept=2, curriculum_id="big")
    rows = document.row_count
    assert rows > 1000
    dry = send(api, "/curricula/big/import?dry_run=true", document.to_json(), JSON)
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert report["summary"] == f"would import {rows:,} rows: {rows:,} created, 0 updated, 0 unchanged"
    assert report["rows"] == {"concept": 300, "prerequisite": rows - 900, "task": 600}
    assert report["outcome"]["task"] == {"created": 600, "updated": 0, "unchanged": 0}
