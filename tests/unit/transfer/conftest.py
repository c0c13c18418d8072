"""Tiny synthetic logs and graphs for the transfer tests (no services, no sentence model)."""

from __future__ import annotations

import numpy as np

from kgplatform.mastery.datasets import ResponseLog


def make_log(sequences: list[list[tuple[int, int]]], n_concepts: int) -> ResponseLog:
    """One learner per sequence of (concept, correct) responses, single-concept each."""
    user, skill, correct, response = [], [], [], []
    r = 0
    for learner, seq in enumerate(sequences):
        for concept, right in seq:
            user.append(learner)
            skill.append(concept)
            correct.append(float(right))
            response.append(r)
            r += 1
    return ResponseLog(
        np.array(user, np.int64),
        np.zeros(len(user), np.int64),
        np.array(skill, np.int64),
        np.array(correct),
        np.array(response, np.int64),
        tuple(f"u{i}" for i in range(len(sequences))),
        ("p",),
        tuple(f"c{i}" for i in range(n_concepts)),
        tuple(f"concept {i}" for i in range(n_concepts)),
    )


def transfer_log(n_learners: int = 400, seed: int = 0) -> ResponseLog:
    """Concept 0 helps concept 1 (first answer on 1 right with 0.8 after 0, 0.4 otherwise); concept 2 is
    filler practised by everyone else first so experience matches; nothing helps concept 0."""
    rng = np.random.default_rng(seed)
    sequences = []
    for learner in range(n_learners):
        first = 0 if learner % 2 == 0 else 2
        p1 = 0.8 if first == 0 else 0.4
        seq = [
            (first, int(rng.random() < 0.6)),
            (1, int(rng.random() < p1)),
            (0 if first == 2 else 2, int(rng.random() < 0.6)),
        ]
        sequences.append(seq)
    return make_log(sequences, 3)
