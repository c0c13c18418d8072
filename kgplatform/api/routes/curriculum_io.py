"""Import and export of a whole curriculum over HTTP (designers).

POST takes the JSON document (`application/json`), a zip of the CSV files (`application/zip`), or a
multipart upload of concepts.csv / prerequisites.csv / tasks.csv / curriculum.csv (or of one zip alone).
A dry run answers 200 with the report whatever it found. A real import with bad rows answers 422
problem+json carrying the same report and writes nothing, unless `skip_invalid` is set.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from python_multipart.multipart import parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from kgplatform.api.content_type import is_json
from kgplatform.api.deps import (
    CURRICULUM_TAGS_OR_ANY_PATTERN,
    DesignerPrincipal,
    GraphDep,
    ReaderPrincipal,
    header_text,
)
from kgplatform.api.documented_bodies import documented_body
from kgplatform.api.params import EntityId
from kgplatform.curriculum.document import ImportDocument
from kgplatform.curriculum.import_report import ImportReport
from kgplatform.curriculum.import_service import export_with_record, run_import
from kgplatform.curriculum.io import (
    INPUT_FILES,
    RawDocument,
    document_to_zip,
    entity_of_filename,
    parse_csv_files,
    parse_json,
    parse_zip,
)
from kgplatform.errors import UnsupportedMediaType, ValidationFailed

router = APIRouter(prefix="/curricula", tags=["curriculum import/export"])
# Upload fields, one per CSV and named after it (`concepts` for concepts.csv); `curriculum` is optional.
UPLOAD_FIELDS = {name.removesuffix(".csv"): entity for entity, name in INPUT_FILES.items()}


def _safe_filename(text: str) -> str:
    """Ids may hold quotes, spaces or non-ASCII; a header value may not."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)[:100] or "curriculum"


async def _read_body(request: Request, curriculum_id: str) -> RawDocument:
    """The body as a document. Parsing runs in a worker thread, as the import itself does: a 100,000-row
    zip held every request of the process for about 2.4 s on the event loop (a review, 1 December)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    curriculum = {"id": curriculum_id}
    if is_json(content_type):  # application/json or application/*+json, as every JSON route takes
        return await run_in_threadpool(parse_json, await request.body())
    if content_type in {"application/zip", "application/x-zip-compressed"}:
        return await run_in_threadpool(parse_zip, await request.body(), curriculum)
    if content_type == "multipart/form-data":
        return await _read_uploads(request, curriculum)
    # 415 as on every other route: the body's media type, not its content, is what is refused.
    raise UnsupportedMediaType(
        f"unsupported content type {content_type or 'none'!r}: send application/json, application/zip "
        "or a multipart upload of the CSV files",
        field="content-type",
    )


async def _read_uploads(request: Request, curriculum: dict[str, str]) -> RawDocument:
    """The uploaded CSVs (by field name, else file name), or one uploaded zip; a second upload for one
    kind of row is a file error naming both (parse_csv_files). A field sent as text is a 422 naming it."""
    # The form reads the body cached here (Request.stream), so it is not read twice.
    if _cut_short(await request.body(), request.headers.get("content-type", "")):
        raise ValidationFailed(
            "the multipart upload ends before its closing boundary: it was cut short in transfer, and the "
            "file it was sending (and any after it) would be missing; nothing was written: send it again",
            field="body",
        )
    parts: list[tuple[str, str, bytes]] = []
    async with request.form() as form:
        for field, value in form.multi_items():
            if not isinstance(value, UploadFile):
                # A part without a file name: curl's `-F 'tasks=<tasks.csv'`, or a page appending the
                # CSV's text to FormData. Skipped, it imported the other files and answered 200 without
                # a word about it (a review, s30), as a stray CSV in a zip would (io.csv_files_by_entity).
                if not field:  # nothing to name but the body (the fuzz test sends such parts)
                    raise ValidationFailed(
                        "a form part without a name was sent as text, not as a file upload; nothing was "
                        "written: send every CSV as a file (curl: -F tasks=@tasks.csv)",
                        field="body",
                    )
                raise ValidationFailed(
                    f"form field {field!r} was sent as text, not as a file upload; nothing was written: "
                    f"send every CSV as a file (curl: -F {field}=@{field}.csv)",
                    field=field,
                )
            parts.append((field, value.filename or "", await value.read()))
    zips = [field for field, filename, _ in parts if filename.lower().endswith(".zip")]
    if zips and len(parts) > 1:
        # Merging a zip's CSVs with uploaded ones would hide which file a row came from; refuse instead.
        raise ValidationFailed(
            f"upload {zips[0]!r} is a zip: send it alone, or the CSV files without it", field=zips[0]
        )
    if zips:
        return await run_in_threadpool(parse_zip, parts[0][2], curriculum)
    files = []
    for field, filename, data in parts:
        entity = UPLOAD_FIELDS.get(field) or entity_of_filename(filename)
        if entity is None:
            raise ValidationFailed(
                f"upload {field!r} ({filename}): name it concepts, prerequisites, tasks or curriculum",
                field=field,
            )
        files.append((f"{field} ({filename})", entity, data))
    return await run_in_threadpool(parse_csv_files, files, curriculum)


def _cut_short(body: bytes, content_type: str) -> bool:
    """Whether a multipart body lacks its close delimiter (`--BOUNDARY--`, which RFC 2046 requires and
    every client writes). The multipart parser ends a body cut short without a word, dropping the part it
    was in: concepts.csv whole and tasks.csv cut short imported the concepts alone, answering 200 (a
    review, 6 December 2026). A body without a boundary is left to the parser, which refuses it (400)."""
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    return bool(boundary) and b"--" + boundary + b"--" not in body


# The body is read by hand (three formats, each validated row by row), so its shapes are declared here
# for the docs: the files here, the JSON document from its models (`documented_body`, below); the README
# describes it too ("Importing and exporting curricula").
_FILE = {"type": "string", "format": "binary"}
IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {},
            "application/zip": {"schema": _FILE},
            "multipart/form-data": {
                "schema": {"type": "object", "properties": {k: _FILE for k in UPLOAD_FIELDS}}
            },
        },
    }
}


@router.post(
    "/{curriculum_id:id}/import",
    summary="Import concepts, prerequisites and tasks (JSON, CSV, zip)",
    openapi_extra=IMPORT_BODY,
    responses={
        412: {
            "description": "The curriculum changed since the export: the one If-Match names, or, without "
            "If-Match and `overwrite`, the one the file records (`based_on`); nothing was written"
        }
    },
)
@documented_body(ImportDocument)
async def import_curriculum(
    curriculum_id: EntityId,
    request: Request,
    graph: GraphDep,
    principal: DesignerPrincipal,
    dry_run: Annotated[bool, Query(description="Validate and report only; write nothing")] = False,
    skip_invalid: Annotated[
        bool, Query(description="Write the valid rows and list the skipped ones")
    ] = False,
    overwrite: Annotated[
        bool,
        Query(
            description="Import a file that records an export of this curriculum (`based_on`) even though "
            "the curriculum changed since, replacing those changes (the audit entry says so); without it, "
            "and without If-Match, such an import is refused (412)"
        ),
    ] = False,
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description="Optional: the ETag of the export this file was made from. When the curriculum "
            "changed since, nothing is written (412): another designer's edit is never overwritten unseen. "
            "When sent, it is the check, in place of the file's own `based_on`.",
            json_schema_extra=header_text(CURRICULUM_TAGS_OR_ANY_PATTERN),
        ),
    ] = None,
) -> ImportReport:
    raw = await _read_body(request, curriculum_id)
    # The import blocks on Neo4j for seconds; run it off the event loop.
    report = await run_in_threadpool(
        run_import,
        graph,
        raw,
        curriculum_id,
        actor=principal.actor,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        if_match=if_match,
        overwrite=overwrite,
    )
    if report.errors and not dry_run and not report.imported:
        first = report.errors[0]
        raise ValidationFailed(
            report.summary,
            field=".".join(p for p in (first.entity.value, first.field) if p),
            report=report.model_dump(mode="json"),
        )
    return report


@router.get(
    "/{curriculum_id:id}/export",
    summary="The curriculum as the import document (JSON) or a zip of CSVs",
    responses={
        200: {
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/zip": {"schema": {"type": "string", "format": "binary"}},
            },
            "headers": {
                "ETag": {
                    "description": "The curriculum's state (its newest audit entry): send it as the "
                    "import's If-Match so that an import never overwrites an edit made since. The file "
                    "records it too (JSON: `based_on`; CSV: curriculum.csv's based_on_curriculum_id and "
                    "based_on_etag), so that importing it back later without If-Match is refused (412) "
                    "once the curriculum changed",
                    "schema": {"type": "string"},
                }
            },
        }
    },
)
def export_curriculum(
    curriculum_id: EntityId,
    graph: GraphDep,
    _: ReaderPrincipal,  # a read: every role that may GET the curriculum may export it
    format: Annotated[Literal["json", "csv"], Query(description="json: one document; csv: a zip")] = "json",
) -> Response:
    document, based_on = export_with_record(graph, curriculum_id)
    etag = based_on.etag
    if format == "csv":
        return Response(
            document_to_zip(document, based_on),
            media_type="application/zip",
            headers={
                "Content-Disposition": f'attachment; filename="{_safe_filename(curriculum_id)}.zip"',
                "ETag": etag,
            },
        )
    return Response(
        document.to_json(based_on=based_on), media_type="application/json", headers={"ETag": etag}
    )
