"""Tables and JSON for `kgplatform eval-tracing`: per-fold figures and mean ± sd, leak-free and leaky."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rich.table import Table

from kgplatform.mastery.evaluation import (
    FIELD_REFERENCES,
    LEAK_FREE,
    OURS,
    TRACER_ALONE,
    FoldScore,
    Summary,
    summarise,
)


def summary_table(summaries: list[Summary], title: str) -> Table:
    table = Table("model", "protocol", "AUC", "RMSE", "accuracy", "folds", title=title)
    for s in summaries:
        table.add_row(s.model, s.protocol, _pm(s.auc), _pm(s.rmse), _pm(s.accuracy), str(s.folds))
    return table


def fold_table(scores: list[FoldScore]) -> Table:
    folds = sorted({s.fold for s in scores})
    table = Table("model", "protocol", *(f"fold {k} AUC / RMSE / acc" for k in folds), title="per fold")
    for model, protocol in dict.fromkeys((s.model, s.protocol) for s in scores):
        cells = []
        for k in folds:
            m = next(s.metrics for s in scores if (s.model, s.protocol, s.fold) == (model, protocol, k))
            cells.append(f"{m.auc:.4f} / {m.rmse:.4f} / {m.accuracy:.4f}")
        table.add_row(model, protocol, *cells)
    return table


# What each row is, printed under the tables: "ours" is not what the platform stores, and says so.
MODEL_NOTES = {
    "ours": "the tracer's mastery fed to a logistic layer with item terms, fitted here only: the platform "
    "does not use that layer",
    "ours-tracer-alone": "the BKT tracer alone (chosen forgetting and transfer): the mastery the platform "
    "stores and plans from",
    "ours-no-transfer": "ours without transfer edges",
    "ours-no-tracer": "ours with each skill's success rate in place of the tracer",
}


def model_notes(summaries: list[Summary]) -> list[str]:
    present = {s.model for s in summaries}
    return [f"{model}: {note}" for model, note in MODEL_NOTES.items() if model in present]


def field_gap(summaries: list[Summary]) -> list[str]:
    """How far our leak-free mean AUC (with the layer, and the tracer alone) is from the field's deep
    models (pyKT figures; indicative, since pyKT's preprocessing and split differ from ours)."""
    lines = []
    for model in (OURS, TRACER_ALONE):
        ours = next((s for s in summaries if s.model == model and s.protocol == LEAK_FREE), None)
        if ours is None:
            continue
        lines.extend(
            f"{model} (leak-free) {ours.auc[0]:.4f} vs {name} {auc:.3f} (pyKT on ASSIST2009; other "
            f"preprocessing and split, indicative): {ours.auc[0] - auc:+.3f}"
            for name, auc in FIELD_REFERENCES.items()
        )
    return lines


def write_json(path: Path, scores: list[FoldScore], metadata: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "metadata": metadata,
        "folds": [
            {
                "fold": s.fold,
                "model": s.model,
                "protocol": s.protocol,
                **asdict(s.metrics),
                "calibration": None if s.calibration is None else asdict(s.calibration),
            }
            for s in scores
        ],
        "summary": [asdict(s) for s in summarise(scores)],
    }
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")


def _pm(values: tuple[float, float | None]) -> str:
    mean, sd = values
    return f"{mean:.4f} ± " + ("n/a" if sd is None else f"{sd:.4f}")
