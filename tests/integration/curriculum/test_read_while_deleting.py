"""Whole-curriculum reads (plans' graphs, exports, GET /curricula/{id}) while designers delete tasks and
concepts, on a real Neo4j.

Reads take no locks, and a node whose delete commits while a statement reads it gives the properties not
read yet as null: a plan request met a task row with no id and no concepts and was refused with a 422
("task None exercises no known concept"; CI of 6 December 2026), and an export would have written rows of
nodes already deleted with their fields null. The read now asks, after its statements, whether the nodes
of rows with a null still exist (`curriculum.store.read_curriculum_rows`). The race is narrow, so the test
reads many times: before the fix, 38 of 3,223 reads under 1,200 task deletes here gave such a row.
"""

from __future__ import annotations

import threading

from kgplatform.curriculum import service as curriculum_service
from kgplatform.curriculum import tasks
from kgplatform.curriculum.models import ConceptIn, CurriculumIn, TaskIn
from kgplatform.curriculum.store import CurriculumRows, read_curriculum_rows
from kgplatform.graph.driver import Graph
from kgplatform.planning.graph import build_graph

ROUNDS = 12
TASKS_PER_ROUND = 30


def _broken_rows(rows: CurriculumRows) -> list[dict]:
    """Rows no stored node has: a null id, name or title, or a task exercising no concept."""
    concepts = [c for c in rows.concepts if c["id"] is None or c["name"] is None]
    return concepts + [
        t
        for t in rows.tasks
        if t["id"] is None or t["title"] is None or t["kind"] is None or not t["concepts"]
    ]


def test_a_curriculum_read_while_its_tasks_and_concepts_are_deleted_gives_only_whole_rows(
    graph: Graph,
) -> None:
    curriculum_service.create_curriculum(graph, CurriculumIn(id="m", name="m"), "designer")
    curriculum_service.create_concept(graph, "m", ConceptIn(id="a", name="A"), "designer")
    reads, broken = 0, []
    for r in range(ROUNDS):
        # Half the tasks on a, half on a concept of their own that goes with them (a cascade delete).
        own = f"b{r}"
        curriculum_service.create_concept(graph, "m", ConceptIn(id=own, name=own), "designer")
        task_ids = [f"t{r}-{k}" for k in range(TASKS_PER_ROUND)]
        for k, task_id in enumerate(task_ids):
            concept = "a" if k % 2 else own
            task = TaskIn(id=task_id, title="T", kind="quiz", concepts=[concept])
            tasks.create_task(graph, "m", task, "designer")
        deleted = threading.Event()

        def delete(
            task_ids: list[str] = task_ids, own: str = own, deleted: threading.Event = deleted
        ) -> None:
            try:
                for task_id in task_ids[1::2]:
                    version = tasks.get_task(graph, task_id).version
                    tasks.delete_task(graph, task_id, f'"{version}"', "designer")
                version = curriculum_service.get_concept(graph, own).version
                curriculum_service.delete_concept(graph, own, f'"{version}"', True, "designer")
            finally:
                deleted.set()

        deleter = threading.Thread(target=delete)
        deleter.start()
        while not deleted.is_set():
            rows = read_curriculum_rows(graph, "m")
            assert rows is not None
            reads += 1
            broken += _broken_rows(rows)
            build_graph({"concepts": rows.concepts, "prerequisites": rows.prerequisites, "tasks": rows.tasks})
        deleter.join()
        rows = read_curriculum_rows(graph, "m")
        assert rows is not None and {c["id"] for c in rows.concepts} == {"a"}
        assert not {t["id"] for t in rows.tasks} & set(task_ids)
    assert reads > ROUNDS * 10, reads  # enough reads overlapped the deletes to meet the race
    assert not broken, f"{len(broken)} rows of deleted nodes in {reads} reads: {broken[:3]}"


def test_the_check_after_the_reads_names_exactly_the_ids_no_longer_stored(graph: Graph) -> None:
    """The existence check the read asks of its suspect rows, on the real store: a deleted task and concept
    are named, and those still stored are not (each named one's row is dropped from the read)."""
    curriculum_service.create_curriculum(graph, CurriculumIn(id="m", name="m"), "designer")
    for concept_id in ("a", "b"):
        curriculum_service.create_concept(graph, "m", ConceptIn(id=concept_id, name=concept_id), "designer")
    for task_id in ("t1", "t2"):
        tasks.create_task(graph, "m", TaskIn(id=task_id, title="T", kind="quiz", concepts=["a"]), "designer")
    tasks.delete_task(graph, "t2", f'"{tasks.get_task(graph, "t2").version}"', "designer")
    version = curriculum_service.get_concept(graph, "b").version
    curriculum_service.delete_concept(graph, "b", f'"{version}"', True, "designer")

    (gone,) = graph.read_plain("curriculum/find_gone_entities", concept_ids=["a", "b"], task_ids=["t1", "t2"])
    assert gone == {"concepts": ["b"], "tasks": ["t2"]}
