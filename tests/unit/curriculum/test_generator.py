from collections import Counter, defaultdict

import networkx as nx
import pytest

from kgplatform.curriculum.document import CurriculumDocument
from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.curriculum.models import TaskKind


def level(tags: list[str]) -> int:
    return next(int(t.removeprefix("level-")) for t in tags if t.startswith("level-"))


@pytest.fixture(scope="module")
def document() -> CurriculumDocument:
    return generate_curriculum(200, seed=7, tasks_per_concept=3)


def test_same_seed_same_document_and_another_seed_differs() -> None:
    assert generate_curriculum(60, seed=1).to_json() == generate_curriculum(60, seed=1).to_json()
    assert generate_curriculum(60, seed=1).to_json() != generate_curriculum(60, seed=2).to_json()


def test_sizes_and_unique_ids(document: CurriculumDocument) -> None:
    assert len(document.concepts) == 200
    assert len(document.tasks) == 600
    assert len({c.id for c in document.concepts}) == 200
    assert len({t.id for t in document.tasks}) == 600
    assert len({c.name for c in document.concepts}) == 200, "names are readable and unique"
    assert all(c.id.startswith("generated-7-") for c in document.concepts)


def test_prerequisites_form_a_layered_dag(document: CurriculumDocument) -> None:
    levels = {c.id: level(c.tags) for c in document.concepts}
    graph = nx.DiGraph((p.prerequisite, p.concept) for p in document.prerequisites)
    assert nx.is_directed_acyclic_graph(graph)
    assert all(levels[p.prerequisite] < levels[p.concept] for p in document.prerequisites)
    in_degree = Counter(p.concept for p in document.prerequisites)
    for concept in document.concepts:
        expected = range(0, 1) if levels[concept.id] == 1 else range(1, 4)
        assert in_degree[concept.id] in expected, concept.id
    # Depth is real: every non-foundation concept has a prerequisite exactly one level below.
    below = {(p.concept, levels[p.prerequisite]) for p in document.prerequisites}
    assert all((c.id, levels[c.id] - 1) in below for c in document.concepts if levels[c.id] > 1)
    assert len({(p.prerequisite, p.concept) for p in document.prerequisites}) == len(document.prerequisites)


def test_difficulty_grows_with_depth(document: CurriculumDocument) -> None:
    by_level: dict[int, list[float]] = defaultdict(list)
    for concept in document.concepts:
        assert concept.difficulty is not None and 0.0 <= concept.difficulty <= 1.0
        by_level[level(concept.tags)].append(concept.difficulty)
    means = [sum(v) / len(v) for _, v in sorted(by_level.items())]
    assert means == sorted(means) and means[-1] - means[0] > 0.7


def test_tasks_exercise_known_concepts_with_several_kinds(document: CurriculumDocument) -> None:
    ids = {c.id for c in document.concepts}
    assert all(set(t.concepts) <= ids and t.concepts for t in document.tasks)
    kinds = Counter(t.kind for t in document.tasks)
    assert {TaskKind.EXERCISE, TaskKind.QUIZ, TaskKind.READING, TaskKind.VIDEO} <= set(kinds)
    assert any(len(t.concepts) > 1 for t in document.tasks)
    assert len({round(t.difficulty, 1) for t in document.tasks}) >= 5


def test_document_round_trips_through_json(document: CurriculumDocument) -> None:
    assert CurriculumDocument.model_validate_json(document.to_json()) == document


@pytest.mark.parametrize("n", [1, 2, 5])
def test_tiny_curricula_are_valid(n: int) -> None:
    small = generate_curriculum(n, seed=0, tasks_per_concept=1)
    assert len(small.concepts) == n and len(small.tasks) == n


def test_rejects_nonsense_sizes() -> None:
    with pytest.raises(ValueError, match="n_concepts"):
        generate_curriculum(0, seed=0)
