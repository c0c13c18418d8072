"""Bayesian Knowledge Tracing per concept: the parameters and the update rules, as vectorised numpy.

Everything here works element-wise on arrays, so one learner, one batch of learners and the EM fitter
share the same formulas. Probabilities are clipped away from 0 and 1 so that logits stay finite.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kgplatform.errors import ValidationFailed

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
EPS = 1e-6

# Defaults for a concept with no fitted parameters (typical BKT values in the literature, e.g. pyBKT's
# priors); forgetting halves the mastery above the floor in about 35 days without practice.
DEFAULT_P_INIT = 0.25
DEFAULT_P_LEARN = 0.15
DEFAULT_P_SLIP = 0.10
DEFAULT_P_GUESS = 0.20
DEFAULT_P_FORGET = 0.0
DEFAULT_FORGET_RATE_PER_DAY = float(np.log(2) / 35.0)
PARAM_FIELDS = ("p_init", "p_learn", "p_slip", "p_guess", "forget_rate_per_day", "p_forget")


@dataclass(frozen=True, eq=False)
class TracerParams:
    """Per-concept BKT parameters, aligned arrays indexed by position in `concept_ids`.

    p_init: P(mastered) before any practice, also the floor that forgetting decays towards.
    p_learn: P(unmastered -> mastered) per practice. p_slip / p_guess: P(wrong | mastered) /
    P(right | unmastered), both kept below 0.5 so "mastered" keeps meaning "more likely right".
    forget_rate_per_day: exponential decay rate of the mastery above the floor (0 = no forgetting).
    ceiling: the highest mastery the tracer stores after an answer (below 1, so a wrong answer can move it);
    a knob for bench/bench_tracer_ceiling.py, not saved with the parameters.
    p_forget: BKT's per-answer forget probability, P(mastered -> unmastered) at each practice (pyBKT's
    `forgets`), on top of the time-based forgetting; 0 is standard BKT.
    """

    concept_ids: tuple[str, ...]
    p_init: FloatArray
    p_learn: FloatArray
    p_slip: FloatArray
    p_guess: FloatArray
    forget_rate_per_day: FloatArray
    model_version: str = "bkt-default"
    ceiling: float = 1.0 - EPS
    p_forget: float | FloatArray = 0.0  # per concept; a number means the same for every concept
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.concept_ids)
        if np.ndim(self.p_forget) == 0:
            object.__setattr__(self, "p_forget", np.full(n, float(self.p_forget)))
        if len(set(self.concept_ids)) != n:
            raise ValidationFailed("concept ids must be unique", field="concept_ids")
        for name in PARAM_FIELDS:
            values = np.asarray(getattr(self, name), dtype=np.float64)
            if values.shape != (n,):
                raise ValidationFailed(f"{name} has shape {values.shape}, expected ({n},)", field=name)
            if not np.all(np.isfinite(values)):
                raise ValidationFailed(f"{name} has non-finite values", field=name)
            object.__setattr__(self, name, values)
        for name in ("p_init", "p_learn", "p_slip", "p_guess"):
            values = getattr(self, name)
            if np.any((values < 0) | (values > 1)):
                raise ValidationFailed(f"{name} must lie in [0, 1]", field=name)
        if np.any(self.p_slip >= 0.5) or np.any(self.p_guess >= 0.5):
            raise ValidationFailed("p_slip and p_guess must be below 0.5", field="p_slip")
        if np.any(self.forget_rate_per_day < 0):
            raise ValidationFailed("forget_rate_per_day must be >= 0", field="forget_rate_per_day")
        if not 0.5 < self.ceiling <= 1.0 - EPS:
            raise ValidationFailed(
                f"ceiling must lie in (0.5, {1.0 - EPS}], not {self.ceiling}", field="ceiling"
            )
        if np.any((self.p_forget < 0) | (self.p_forget >= 0.5)):
            raise ValidationFailed("p_forget must lie in [0, 0.5)", field="p_forget")
        object.__setattr__(self, "_index", {cid: i for i, cid in enumerate(self.concept_ids)})

    @classmethod
    def default(
        cls,
        concept_ids: Iterable[str],
        *,
        forget_rate_per_day: float = DEFAULT_FORGET_RATE_PER_DAY,
        model_version: str = "bkt-default",
    ) -> TracerParams:
        """The literature's typical values for every concept: a usable tracer before any fitting."""
        ids = tuple(concept_ids)
        n = len(ids)
        return cls(
            ids,
            np.full(n, DEFAULT_P_INIT),
            np.full(n, DEFAULT_P_LEARN),
            np.full(n, DEFAULT_P_SLIP),
            np.full(n, DEFAULT_P_GUESS),
            np.full(n, forget_rate_per_day),
            model_version,
            p_forget=np.full(n, DEFAULT_P_FORGET),
        )

    def __len__(self) -> int:
        return len(self.concept_ids)

    def __contains__(self, concept_id: object) -> bool:
        return concept_id in self._index

    def index_of(self, concept_id: str) -> int:
        try:
            return self._index[concept_id]
        except KeyError:
            raise ValidationFailed(
                f"concept {concept_id!r} has no tracer parameters", field="concept_ids"
            ) from None

    def indices(self, concept_ids: Sequence[str]) -> IntArray:
        return np.fromiter((self.index_of(c) for c in concept_ids), dtype=np.int64, count=len(concept_ids))

    def extended(self, concept_ids: Iterable[str]) -> TracerParams:
        """These parameters plus defaults for any concept not yet covered (new concepts in a curriculum)."""
        missing = [c for c in dict.fromkeys(concept_ids) if c not in self._index]
        if not missing:
            return self
        extra = TracerParams.default(missing)
        merged = {name: np.concatenate([getattr(self, name), getattr(extra, name)]) for name in PARAM_FIELDS}
        return TracerParams(
            self.concept_ids + tuple(missing),
            model_version=self.model_version,
            ceiling=self.ceiling,
            **merged,
        )

    def replace(self, **changes: Any) -> TracerParams:
        values: dict[str, Any] = {name: getattr(self, name) for name in PARAM_FIELDS}
        values.update(
            concept_ids=self.concept_ids,
            model_version=self.model_version,
            ceiling=self.ceiling,
        )
        values.update(changes)
        return TracerParams(**values)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: one record per concept, so the file diffs and reads well."""
        return {
            "model_version": self.model_version,
            "concepts": [
                {"concept_id": cid, **{name: float(getattr(self, name)[i]) for name in PARAM_FIELDS}}
                for i, cid in enumerate(self.concept_ids)
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TracerParams:
        records = data["concepts"]
        # A file written before 5 December 2026 has no p_forget: standard BKT, as it was fitted.
        columns = {
            name: np.array([float(r[name] if name != "p_forget" else r.get(name, 0.0)) for r in records])
            for name in PARAM_FIELDS
        }
        return cls(
            tuple(str(r["concept_id"]) for r in records), model_version=str(data["model_version"]), **columns
        )


@dataclass(frozen=True, eq=False)
class TransferEdges:
    """Sparse concept -> concept transfer strengths in [0, 1], stored by source (CSR) over params' indices.

    Rule (applied by the tracer after each practice of a source concept A, once A's own update is done):
    every target B gets an extra learning opportunity that succeeds with probability
    strength(A, B) * p_learn[B] * p_A, where p_A is A's mastery after the answer (transfer flows from what
    is known): p_B <- 1 - (1 - p_B) * (1 - strength(A, B) * p_learn[B] * p_A). Several sources practised
    in one answer multiply their (1 - ...) factors. Transfer never lowers mastery.
    """

    source_ptr: IntArray  # shape (n_concepts + 1,): edges of source i are [ptr[i], ptr[i+1])
    target: IntArray
    strength: FloatArray

    @classmethod
    def from_mapping(cls, edges: Mapping[str, Mapping[str, float]], params: TracerParams) -> TransferEdges:
        """Edges named by concept id; edges whose ends have no parameters are dropped (not yet traced)."""
        rows = [
            (params.index_of(a), params.index_of(b), float(s))
            for a, targets in edges.items()
            if a in params
            for b, s in targets.items()
            if b in params and b != a and s > 0
        ]
        src = np.array([r[0] for r in rows], dtype=np.int64)
        dst = np.array([r[1] for r in rows], dtype=np.int64)
        strength = np.array([r[2] for r in rows], dtype=np.float64)
        return cls.from_arrays(src, dst, strength, len(params))

    @classmethod
    def from_arrays(
        cls, src: IntArray, dst: IntArray, strength: FloatArray, n_concepts: int
    ) -> TransferEdges:
        if np.any((strength < 0) | (strength > 1)):
            raise ValidationFailed("transfer strengths must lie in [0, 1]", field="strength")
        order = np.lexsort((dst, src))
        counts = np.bincount(src, minlength=n_concepts)
        ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return cls(ptr, dst[order].astype(np.int64), strength[order].astype(np.float64))

    @property
    def n_edges(self) -> int:
        return int(self.target.size)

    def scaled(self, factor: float) -> TransferEdges:
        return TransferEdges(self.source_ptr, self.target, np.clip(self.strength * factor, 0.0, 1.0))

    def expand(self, sources: IntArray) -> tuple[IntArray, IntArray, FloatArray]:
        """For each element of `sources`: (position in `sources`, target index, strength), one per edge."""
        starts, stops = self.source_ptr[sources], self.source_ptr[sources + 1]
        counts = stops - starts
        owner = np.repeat(np.arange(sources.size, dtype=np.int64), counts)
        offsets = np.arange(counts.sum(), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
        edge = np.repeat(starts, counts) + offsets
        return owner, self.target[edge], self.strength[edge]


def usable_mastery(p: float | None) -> bool:
    """A stored mastery the planners and the report take: a number in [0, 1]. The tracer clips its output,
    so anything else was written by hand or corrupted; it is read as no mastery at all, everywhere alike
    (the batch's reader, `page_rows.matrix_of`, drops it too). NaN made the one-learner plan fail (a 500)
    while the batch planned the concept as never answered (a review, 1 December)."""
    return p is not None and 0.0 <= float(p) <= 1.0


def practised_or(p_practised: float | None, stored: float | None) -> float | None:
    """The value "mastered before" is judged from: after the learner's own last answer (`p_practised`,
    which transfer leaves), else `stored` (a row stored before p_practised was, or raised by transfer
    alone). The report and the one-learner planner take it alike."""
    return float(p_practised) if p_practised is not None and usable_mastery(p_practised) else stored


def decay(p: FloatArray, elapsed_days: FloatArray, rate: FloatArray, floor: FloatArray) -> FloatArray:
    """Forgetting: the mastery above `floor` shrinks by exp(-rate * elapsed); below the floor it stays.

    Elapsed NaN (never practised) or <= 0 leaves p unchanged, so decay composes: decaying 0->t1 then
    t1->t2 equals decaying 0->t2.
    """
    elapsed = np.nan_to_num(np.maximum(elapsed_days, 0.0), nan=0.0)
    excess = np.maximum(p - floor, 0.0)
    return p - excess * -np.expm1(-rate * elapsed)


def predict_correct(p: FloatArray, slip: FloatArray, guess: FloatArray) -> FloatArray:
    """P(correct answer) given P(mastered)."""
    return p * (1.0 - slip) + (1.0 - p) * guess


def posterior(p: FloatArray, score: FloatArray, slip: FloatArray, guess: FloatArray) -> FloatArray:
    """P(mastered | the answer). A partial score s in (0, 1) mixes the two posteriors with weights s, 1-s."""
    right = p * (1.0 - slip)
    wrong = p * slip
    p_if_right = right / np.maximum(right + (1.0 - p) * guess, EPS)
    p_if_wrong = wrong / np.maximum(wrong + (1.0 - p) * (1.0 - guess), EPS)
    return score * p_if_right + (1.0 - score) * p_if_wrong


def learn(p: FloatArray, p_learn: FloatArray) -> FloatArray:
    """The transition after a practice opportunity."""
    return p + (1.0 - p) * p_learn


def transition(p: FloatArray, p_learn: FloatArray, p_forget: float | FloatArray = 0.0) -> FloatArray:
    """BKT's transition after a practice with forgetting (pyBKT's form): mastered stays so with 1 - forget,
    unmastered becomes mastered with p_learn. With p_forget = 0 it is `learn`."""
    return p * (1.0 - p_forget) + (1.0 - p) * p_learn
