"""A trained transfer model's metrics as lines a person reads (`kgplatform train-transfer`'s last words).

The metrics dict is the checkpoint's (pipeline.train_transfer); printed raw it was a Python dict with `nan`
where a figure could not be measured, which read like a failure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from kgplatform.transfer.downstream import MIN_CONFIDENCE, MIN_VALID_LEARNERS

NOT_MEASURED = "not measured"


def figure(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NOT_MEASURED
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def describe_training(metrics: Mapping[str, Any]) -> list[str]:
    """One line each: the validation fit, the data it came from, and what the tracer made of it."""
    lines: list[str] = []
    spearman = metrics.get("valid_spearman")
    line = f"validation: Spearman {figure(spearman)} on {metrics.get('valid_pairs', '?')} concept pairs"
    if figure(spearman) == NOT_MEASURED:
        # Spearman is undefined for fewer than two pairs or pairs whose measured transfer is all equal.
        line += " (too few validation pairs, or their measured transfer all equal)"
    lines.append(line)
    lines.append(
        f"data: {metrics.get('train_pairs', '?')} training pairs from {metrics.get('train_learners', '?')} "
        f"learners, {metrics.get('valid_learners', '?')} validation learners"
    )
    epochs = metrics.get("best_epochs") or []
    lines.append(
        f"training: {metrics.get('seeds', len(epochs))} seeds, "
        f"best epochs {', '.join(map(str, epochs)) or '-'}, {figure(metrics.get('train_seconds'), 1)} s"
    )
    if "alpha" not in metrics:
        lines.append("tracer: transfer scale not chosen (no training or validation answers)")
    elif metrics["alpha"] > 0:
        lines.append(
            f"tracer: transfer scale {figure(metrics['alpha'], 2)}: next-answer AUC "
            f"{figure(metrics.get('valid_auc_with_transfer'))} with transfer, "
            f"{figure(metrics.get('valid_auc_without_transfer'))} without "
            f"(gain confidence {figure(metrics.get('gain_confidence'), 2)})"
        )
    else:
        # Scale 0: the reason the demo prints for a model that published no edge, in the same words.
        lines.append(f"tracer: transfer scale 0: {no_edge_reason(metrics)}")
    return lines


def no_edge_reason(metrics: Mapping[str, Any]) -> str:
    """Why a transfer model published no edge, from its metrics (`transfer.pipeline.choose_alpha`)."""
    without = metrics["valid_auc_without_transfer"]
    learners = metrics["valid_learners"]
    confidence = metrics.get("gain_confidence")
    best = metrics.get("best_alpha")
    if best and (learners < MIN_VALID_LEARNERS or confidence is not None):
        why = (
            f"but a gain is trusted from {MIN_VALID_LEARNERS} validation learners on"
            if learners < MIN_VALID_LEARNERS
            else f"ahead in only {confidence:.0%} of learner resamples ({MIN_CONFIDENCE:.0%} needed)"
        )
        gained = (
            f"the best scale, {best:g}, gave {metrics['valid_auc_best_alpha']:.4f} against {without:.4f} "
            f"without transfer, {why}"
        )
    else:
        gained = f"{without:.4f} without it, no gain with it"
    return (
        f"no edge, because transfer did not clearly raise the tracer's next-answer AUC on the {learners} "
        f"validation learners ({gained}): tracing and planning use none (docs/transfer.md)"
    )


def describe_retrain(
    version: str,
    *,
    edges: int,
    published: bool,
    unchanged: bool = False,
    cancelled: bool = False,
    metrics: Mapping[str, Any] | None = None,
) -> str:
    """The nightly retrain's outcome in one line, as its job keeps it (`jobs show`, `nightly --wait`,
    GET /jobs/{id}): before, only the worker's log said which model a night published, or that it
    published none and why (transfer then off in every plan)."""
    if unchanged:
        return (
            f"unchanged: the data are those transfer model {version} was trained on; nothing retrained, "
            f"{version} stays"
        )
    if not published:
        why = "the job was cancelled while it trained" if cancelled else "the retrain was asked not to write"
        return f"trained transfer model {version}, not published: {why}"
    if edges:
        return f"published transfer model {version} with {edges:,} edges"
    metrics = metrics or {}
    if "alpha" not in metrics:
        why = "transfer scale not chosen (no training or validation answers)"
    elif metrics["alpha"] > 0:
        # choose_alpha kept a scale, yet `strengths_from_prediction` kept no pair above its floor.
        why = "no concept pair's predicted transfer reached the smallest strength kept"
    else:
        # The reason's own "tracing and planning use none" would say twice what the line's start says.
        why = no_edge_reason(metrics).removeprefix("no edge, ").replace(": tracing and planning use none", "")
    return f"published transfer model {version} with 0 edges, transfer off in every plan: {why}"
