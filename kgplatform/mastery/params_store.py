"""Fitted tracer parameters as versioned JSON files under `<models_dir>/tracer/`.

Each fit writes `tracer/<model_version>.json` and then points `tracer/current.json` at it (both written to a
temporary file and renamed, so a reader never sees half a file). The mastery code loads the current
parameters with `load_current(settings)` and falls back to `TracerParams.default(...)` when it returns None;
concepts missing from the file get defaults through `params.extended(concept_ids)`.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgplatform.errors import ServiceUnavailable, ValidationFailed
from kgplatform.files import write_text_atomically
from kgplatform.mastery.bkt import TracerParams
from kgplatform.settings import Settings

if TYPE_CHECKING:
    from kgplatform.mastery.datasets import ResponseLog
    from kgplatform.mastery.fitting import FitOptions, FitReport

FORMAT = "kgplatform.tracer-params"
FORMAT_VERSION = 1
CURRENT = "current.json"


def tracer_dir(settings: Settings) -> Path:
    return settings.paths.models_dir / "tracer"


def new_model_version(prefix: str = "bkt") -> str:
    """A sortable, unique-enough version such as bkt-20261129T221500Z."""
    return f"{prefix}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%fZ')}"


def save(settings: Settings, params: TracerParams, metadata: dict[str, Any] | None = None) -> Path:
    """Writes the parameters under their model_version and makes them current. Returns the file written."""
    folder = tracer_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "saved_at": datetime.now(UTC).isoformat(),
        "metadata": metadata or {},
        **params.to_dict(),
    }
    path = folder / f"{params.model_version}.json"
    write_text_atomically(path, json.dumps(document, indent=1))
    write_text_atomically(
        folder / CURRENT, json.dumps({"model_version": params.model_version, "file": path.name})
    )
    return path


def fit_and_save(
    settings: Settings, log: ResponseLog, data: str, options: FitOptions
) -> tuple[TracerParams, FitReport, Path]:
    """Fits BKT per concept on `log` (read from `data`, kept in the file's metadata) under a new model
    version and makes the result current (`kgplatform fit-tracer`, the demo's tracer stage)."""
    # Imported here: every API and worker process loads this module for `load_current`, and none fits.
    from kgplatform.mastery.fitting import fit_bkt

    params, report = fit_bkt(log.observations(), log.skill_labels, options, new_model_version())
    path = save(settings, params, {"data": data, "counts": log.describe(), "fit": asdict(report)})
    return params, report, path


def load(path: Path) -> TracerParams:
    document = json.loads(path.read_text(encoding="utf-8"))
    if document.get("format") != FORMAT or document.get("format_version") != FORMAT_VERSION:
        raise ValidationFailed(f"{path} is not a {FORMAT} v{FORMAT_VERSION} file", field="format")
    return TracerParams.from_dict(document)


class ParamsUnreadable(ServiceUnavailable):
    """The current parameter file cannot be used (cut short, edited, another format, values out of
    bounds). A 503: it is the deployment's fault, not the request's; before, an out-of-bounds value made
    every POST /answers a 422 naming `p_slip`, which a service takes for its own bad rows and drops."""


def load_current(settings: Settings) -> TracerParams | None:
    """The parameters of the latest `kgplatform fit-tracer`, or None when nothing was fitted yet.
    ParamsUnreadable when the pointer or the file it names cannot be read as parameters."""
    pointer = tracer_dir(settings) / CURRENT
    if not pointer.is_file():
        return None
    path = pointer
    try:
        name = json.loads(pointer.read_text(encoding="utf-8"))["file"]
        path = tracer_dir(settings) / Path(name).name
        return load(path)
    except (OSError, ValueError, KeyError, TypeError, ValidationFailed) as error:
        # ValueError covers bad JSON and bad UTF-8; KeyError/TypeError a document of another shape.
        why = str(error) if isinstance(error, ValidationFailed) else f"{type(error).__name__}: {error}"
        raise ParamsUnreadable(
            f"the tracer parameter file {path} cannot be used ({why}); restore it or run `kgplatform "
            "fit-tracer` again",
            field="tracer_params",
            # A copy still being written settles within seconds (CurrentParams reads it again after 5 s).
            retry_after_s=5,
        ) from error


def read_metadata(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")).get("metadata", {}))
