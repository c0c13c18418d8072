"""Synthetic curricula: a layered prerequisite DAG with readable names, tags and tasks.

Users of the project have no `../shared` datasets, so the README demo, the learner simulator and the
import benchmark all need a realistic curriculum made from a seed. Layer 0 holds the foundations;
every later concept has 1..3 prerequisites in earlier layers (at least one in the layer just before,
so depth is real), and difficulty grows with depth. Same arguments, same document.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from kgplatform.curriculum.document import CurriculumDocument
from kgplatform.curriculum.models import (
    MAX_ID_LENGTH,
    ConceptIn,
    CurriculumId,
    CurriculumIn,
    PrerequisiteIn,
    TaskIn,
    TaskKind,
)
from kgplatform.errors import ValidationFailed
from kgplatform.validation_messages import value_problem

STRANDS = (
    "Number Sense",
    "Fractions",
    "Algebra",
    "Geometry",
    "Measurement",
    "Statistics",
    "Probability",
    "Functions",
    "Trigonometry",
    "Calculus",
    "Logic",
    "Vectors",
)
ASPECTS = (
    "Foundations",
    "Notation",
    "Operations",
    "Estimation",
    "Models",
    "Patterns",
    "Comparisons",
    "Word Problems",
    "Representations",
    "Strategies",
    "Proofs",
    "Applications",
)
# Kinds in the mix a real course has: mostly practice, some reading and video, few projects.
KIND_WEIGHTS = {
    TaskKind.EXERCISE: 0.45,
    TaskKind.QUIZ: 0.2,
    TaskKind.READING: 0.15,
    TaskKind.VIDEO: 0.15,
    TaskKind.PROJECT: 0.05,
}
MINUTES = {
    TaskKind.EXERCISE: (5, 15),
    TaskKind.QUIZ: (10, 20),
    TaskKind.READING: (5, 20),
    TaskKind.VIDEO: (3, 12),
    TaskKind.PROJECT: (30, 120),
}
# Share of tasks that also exercise one of their concept's prerequisites (multi-concept tasks).
MIXED_TASK_SHARE = 0.25
# Share of extra prerequisites taken from the same strand, so strands read as coherent tracks.
SAME_STRAND_SHARE = 0.7


@dataclass(frozen=True)
class _Node:
    index: int
    layer: int
    strand: str
    aspect: str


def _slug(text: str) -> str:
    return text.lower().replace(" ", "-")


def _layer_sizes(n_concepts: int, n_layers: int) -> list[int]:
    base, extra = divmod(n_concepts, n_layers)
    return [base + (1 if layer < extra else 0) for layer in range(n_layers)]


def _pick_prerequisites(rng: random.Random, node: _Node, by_layer: list[list[_Node]]) -> list[_Node]:
    """One prerequisite from the layer just before, then 0..2 more from any earlier layer."""
    previous = by_layer[node.layer - 1]
    same = [n for n in previous if n.strand == node.strand]
    chosen = [rng.choice(same if same and rng.random() < SAME_STRAND_SHARE else previous)]
    earlier = [n for layer in by_layer[: node.layer] for n in layer]
    wanted = min(rng.randint(1, 3), len(earlier))
    while len(chosen) < wanted:
        # Recent layers are likelier: a prerequisite two layers back is common, ten layers back rare.
        layer = node.layer - 1 - min(int(rng.expovariate(0.7)), node.layer - 1)
        candidate = rng.choice(by_layer[layer])
        if candidate not in chosen:
            chosen.append(candidate)
    return chosen


def _generated_id(curriculum_id: str, kind: str, index: int) -> str:
    """A generated concept's (kind "c") or task's ("t") id: the curriculum id is its prefix."""
    return f"{curriculum_id}-{kind}{index:05d}"


def curriculum_id_problem(curriculum_id: str, n_concepts: int, tasks_per_concept: int) -> str | None:
    """Why `curriculum_id` cannot name a generated curriculum of this size, or None: the rules for a new
    curriculum id, and room for the concept and task ids made from it (a valid 195-character id failed as
    "at most 200 characters" on its first concept's id, blaming the curriculum id by mistake)."""
    if problem := value_problem(CurriculumId, curriculum_id):
        return problem
    longest = max(
        _generated_id(curriculum_id, "c", n_concepts - 1),
        _generated_id(curriculum_id, "t", max(0, n_concepts * tasks_per_concept - 1)),
        key=len,
    )
    if len(longest) > MAX_ID_LENGTH:
        room = MAX_ID_LENGTH - (len(longest) - len(curriculum_id))
        return (
            f"too long: the generated ids start with it, and {longest[-12:]!r} would end one of "
            f"{len(longest)} characters (at most {MAX_ID_LENGTH}); give at most {room} characters"
        )
    return None


def generate_curriculum(
    n_concepts: int,
    seed: int,
    tasks_per_concept: int = 3,
    *,
    n_layers: int | None = None,
    curriculum_id: str | None = None,
    name: str | None = None,
) -> CurriculumDocument:
    """A deterministic curriculum of `n_concepts` concepts in `n_layers` layers (default about sqrt(n))."""
    if n_concepts < 1:
        raise ValueError("n_concepts must be at least 1")
    if tasks_per_concept < 0:
        raise ValueError("tasks_per_concept must not be negative")
    n_layers = n_layers or max(1, round(math.sqrt(n_concepts)))
    n_layers = min(n_layers, n_concepts)
    curriculum_id = curriculum_id or f"generated-{seed}"
    if problem := curriculum_id_problem(curriculum_id, n_concepts, tasks_per_concept):
        raise ValidationFailed(f"curriculum id {curriculum_id!r}: {problem}", field="curriculum_id")
    rng = random.Random(seed)

    by_layer: list[list[_Node]] = []
    index = 0
    for layer, size in enumerate(_layer_sizes(n_concepts, n_layers)):
        nodes = []
        for _ in range(size):
            nodes.append(_Node(index, layer, rng.choice(STRANDS), rng.choice(ASPECTS)))
            index += 1
        by_layer.append(nodes)

    def concept_id(node: _Node) -> str:
        return _generated_id(curriculum_id, "c", node.index)

    concepts: list[ConceptIn] = []
    prerequisites: list[PrerequisiteIn] = []
    tasks: list[TaskIn] = []
    names_seen: dict[str, int] = {}
    prereqs_of: dict[int, list[_Node]] = {}
    for layer_nodes in by_layer:
        for node in layer_nodes:
            base_name = f"{node.strand}: {node.aspect} {node.layer + 1}"
            names_seen[base_name] = names_seen.get(base_name, 0) + 1
            repeat = names_seen[base_name]
            concept_name = base_name if repeat == 1 else f"{base_name} ({repeat})"
            prereqs = _pick_prerequisites(rng, node, by_layer) if node.layer > 0 else []
            prereqs_of[node.index] = prereqs
            difficulty = (node.layer + 0.5) / n_layers + rng.uniform(-0.05, 0.05)
            concepts.append(
                ConceptIn(
                    id=concept_id(node),
                    name=concept_name,
                    description=(
                        f"{node.aspect} in {node.strand.lower()}, level {node.layer + 1} of {n_layers}."
                    ),
                    tags=[_slug(node.strand), _slug(node.aspect), f"level-{node.layer + 1}"],
                    difficulty=round(min(1.0, max(0.0, difficulty)), 3),
                )
            )
            for prereq in prereqs:
                weight = round(rng.uniform(0.5, 1.0), 3)
                prerequisites.append(
                    PrerequisiteIn(prerequisite=concept_id(prereq), concept=concept_id(node), weight=weight)
                )
            tasks.extend(
                _tasks_for(
                    rng,
                    concepts[-1],
                    [concept_id(p) for p in prereqs],
                    tasks_per_concept,
                    first_index=len(tasks),
                    prefix=curriculum_id,
                )
            )

    return CurriculumDocument(
        curriculum=CurriculumIn(
            id=curriculum_id,
            name=name or f"Generated curriculum (seed {seed}, {n_concepts} concepts)",
            description=f"Synthetic layered curriculum: {n_concepts} concepts in {n_layers} layers, "
            f"{tasks_per_concept} tasks per concept, seed {seed}.",
        ),
        concepts=concepts,
        prerequisites=prerequisites,
        tasks=tasks,
    )


def _tasks_for(
    rng: random.Random,
    concept: ConceptIn,
    prereq_ids: list[str],
    count: int,
    *,
    first_index: int,
    prefix: str,
) -> list[TaskIn]:
    """`count` tasks on `concept`, a quarter of them also on one of its prerequisites."""
    kinds = list(KIND_WEIGHTS)
    weights = list(KIND_WEIGHTS.values())
    base = concept.difficulty if concept.difficulty is not None else 0.5
    tasks = []
    for offset in range(count):
        kind = rng.choices(kinds, weights)[0]
        low, high = MINUTES[kind]
        concepts = [concept.id]
        if prereq_ids and rng.random() < MIXED_TASK_SHARE:
            concepts.append(rng.choice(prereq_ids))
        tasks.append(
            TaskIn(
                id=_generated_id(prefix, "t", first_index + offset),
                title=f"{kind.value.capitalize()} {offset + 1}: {concept.name}",
                kind=kind,
                difficulty=round(min(1.0, max(0.0, base + rng.uniform(-0.15, 0.15))), 3),
                estimated_minutes=rng.randint(low, high),
                concepts=concepts,
            )
        )
    return tasks
