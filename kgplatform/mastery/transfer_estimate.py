"""Transfer edges between skills estimated from answer logs, a stand-in until the GNN writes TRANSFERS_TO.

For every learner's first attempt on skill B, and every other skill A: does having practised A before
change the chance that this first attempt on B is right? Learners who practised more skills are simply more
experienced, so outcomes are first centred on the mean success of first attempts on B by learners with the
same amount of experience (number of distinct skills practised before, in buckets 0, 1, 2-3, 4-7, 8+).
lift(A, B) = mean centred outcome with A before - mean centred outcome without A, shrunk by
n / (n + shrinkage) where n counts first attempts on B after A. The strength is the lift as a share of the
room above B's base rate, clipped to [0, 1]; each B keeps its strongest sources. Only the log it is given
is read, so evaluation passes the training learners alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kgplatform.mastery.bkt import TransferEdges
from kgplatform.mastery.datasets import ResponseLog


@dataclass(frozen=True)
class TransferEstimateOptions:
    shrinkage: float = 50.0
    min_strength: float = 0.02
    max_sources_per_target: int = 5


def first_attempt_matrix(log: ResponseLog) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(target skill, correct, practised-before matrix) for each learner's first attempt of each skill."""
    n_skills = len(log.skill_labels)
    targets: list[int] = []
    outcomes: list[float] = []
    before: list[np.ndarray] = []
    order = np.lexsort((log.response, log.user))
    user, skill, correct, response = (
        log.user[order],
        log.skill[order],
        log.correct[order],
        log.response[order],
    )
    practised = np.zeros(n_skills, dtype=bool)
    pending: list[int] = []  # skills of the current response, marked practised once it is over
    for i in range(user.size):
        if i == 0 or user[i] != user[i - 1]:
            practised[:] = False
            pending = []
        elif response[i] != response[i - 1]:
            practised[pending] = True
            pending = []
        s = int(skill[i])
        if not practised[s] and s not in pending:
            targets.append(s)
            outcomes.append(float(correct[i]))
            before.append(practised.copy())
        pending.append(s)
    matrix = np.array(before, dtype=bool).reshape(len(before), n_skills)
    return np.array(targets, dtype=np.int64), np.array(outcomes), matrix


def estimate_transfer(log: ResponseLog, options: TransferEstimateOptions | None = None) -> TransferEdges:
    """Skill-to-skill transfer strengths over the log's skill codes (TracerParams built on skill_labels)."""
    options = options or TransferEstimateOptions()
    n_skills = len(log.skill_labels)
    target, outcome, before = first_attempt_matrix(log)
    experience = np.minimum(np.ceil(np.log2(before.sum(axis=1) + 1)), 4).astype(np.int64)
    src_all, dst_all, strength_all = [], [], []
    for b in range(n_skills):
        rows = target == b
        if rows.sum() < 2:
            continue
        y = outcome[rows]
        seen = before[rows].astype(np.float64)  # (attempts on b, skills a)
        y_centred = y - _mean_by_bucket(y, experience[rows])
        n_with = seen.sum(axis=0)
        n_without = y.size - n_with
        rate_with = (seen.T @ y_centred) / np.maximum(n_with, 1)
        rate_without = ((1 - seen).T @ y_centred) / np.maximum(n_without, 1)
        lift = (rate_with - rate_without) * n_with / (n_with + options.shrinkage)
        lift[(n_with == 0) | (n_without == 0)] = 0.0
        lift[b] = 0.0
        room = max(1.0 - float(y.mean()), 0.05)
        strength = np.clip(lift / room, 0.0, 1.0)
        strongest = np.argsort(-strength)[: options.max_sources_per_target]
        strongest = strongest[strength[strongest] >= options.min_strength]
        src_all.append(strongest)
        dst_all.append(np.full(strongest.size, b))
        strength_all.append(strength[strongest])
    if not src_all:
        empty = np.empty(0, dtype=np.int64)
        return TransferEdges.from_arrays(empty, empty, np.empty(0), n_skills)
    return TransferEdges.from_arrays(
        np.concatenate(src_all).astype(np.int64),
        np.concatenate(dst_all).astype(np.int64),
        np.concatenate(strength_all),
        n_skills,
    )


def _mean_by_bucket(values: np.ndarray, bucket: np.ndarray) -> np.ndarray:
    """Each value's bucket mean (the expectation that the centred outcome removes)."""
    sums = np.bincount(bucket, values)
    counts = np.bincount(bucket)
    return (sums / np.maximum(counts, 1))[bucket]
