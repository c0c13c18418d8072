"""Reads of concepts and tasks while designers delete them, on a real Neo4j: the whole-curriculum read
(plans' graphs, exports, GET /curricula/{id}), the paged lists (GET /curricula/{id}/concepts, /tasks and the
CLI listings) and the single reads (GET /concepts/{id}, /tasks/{id}).

Reads take no locks, and a node whose delete commits while a statement reads it gives the properties not
read yet as null, its relationships as none. A plan request met a task row with no id and no concepts and
was refused with a 422 ("task None exercises no known concept"; CI of 6 December 2026); the lists and
single reads gave such rows to the API's models, which refused them (a 500), or a body of nulls instead of
a 404 (a review the same day). The store now asks, after each statement, whether the nodes of rows missing
a field still exist (`curriculum.store.whole_rows`). The race is narrow, so each test reads many times:
before the fix, 38 of 3,223 whole-curriculum reads under 1,200 task deletes here gave such a row, and 3 of
about 220 list-and-single reads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from kgplatform.curriculum import service as curriculum_service
from kgplatform.curriculum import tasks
from kgplatform.curriculum.models import ConceptIn, CurriculumIn, TaskIn
from kgplatform.curriculum.store import CurriculumRows, read_curriculum_rows
from kgplatform.errors import NotFound
from kgplatform.graph.driver import Graph
from kgplatform.planning.graph import build_graph

ROUNDS = 12
TASKS_PER_ROUND = 30
PAGE = 200


def _reads_during_deletes(graph: Graph, read: Callable[[str, str], None]) -> int:
    """Curriculum m with concept a; each round, tasks half on a and half on a concept of their own, then a
    thread deletes the half on a one by one and the round's concept with its tasks (a cascade), while
    `read(task being deleted, the round's concept)` runs again and again. Returns how many reads ran;
    afterwards only a is left."""
    curriculum_service.create_curriculum(graph, CurriculumIn(id="m", name="m"), "designer")
    curriculum_service.create_concept(graph, "m", ConceptIn(id="a", name="A"), "designer")
    reads = 0
    for r in range(ROUNDS):
        own = f"b{r}"
        curriculum_service.create_concept(graph, "m", ConceptIn(id=own, name=own), "designer")
        task_ids = [f"t{r}-{k}" for k in range(TASKS_PER_ROUND)]
        for k, task_id in enumerate(task_ids):
            task = TaskIn(id=task_id, title="T", kind="quiz", concepts=["a" if k % 2 else own])
            tasks.create_task(graph, "m", task, "designer")
        deleting = {"task": task_ids[1]}
        deleted = threading.Event()

        def delete(
            task_ids: list[str] = task_ids,
            own: str = own,
            deleting: dict[str, str] = deleting,
            deleted: threading.Event = deleted,
        ) -> None:
            try:
                for task_id in task_ids[1::2]:
                    deleting["task"] = task_id
                    version = tasks.get_task(graph, task_id).version
                    tasks.delete_task(graph, task_id, f'"{version}"', "designer")
                version = curriculum_service.get_concept(graph, own).version
                curriculum_service.delete_concept(graph, own, f'"{version}"', True, "designer")
            finally:
                deleted.set()

        deleter = threading.Thread(target=delete)
        deleter.start()
        try:
            while not deleted.is_set():
                read(deleting["task"], own)
                reads += 1
        finally:
            deleter.join()
    rows = read_curriculum_rows(graph, "m")
    assert rows is not None and [c["id"] for c in rows.concepts] == ["a"] and rows.tasks == []
    return reads


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
    broken: list[dict] = []

    def read(_task_id: str, _concept_id: str) -> None:
        rows = read_curriculum_rows(graph, "m")
        assert rows is not None
        broken.extend(_broken_rows(rows))
        build_graph({"concepts": rows.concepts, "prerequisites": rows.prerequisites, "tasks": rows.tasks})

    reads = _reads_during_deletes(graph, read)
    assert reads > ROUNDS * 10, reads  # enough reads overlapped the deletes to meet the race
    assert not broken, f"{len(broken)} rows of deleted nodes in {reads} reads: {broken[:3]}"


def test_lists_and_single_reads_while_tasks_and_concepts_are_deleted_give_only_stored_rows(
    graph: Graph,
) -> None:
    failures: list[str] = []

    def read(task_id: str, concept_id: str) -> None:
        """Each read a designer can make, as the API's models give it (a refused row raises)."""
        try:
            task_page = tasks.list_tasks(graph, "m", concept_id=None, text=None, limit=PAGE, offset=0)
            concept_page = curriculum_service.list_concepts(
                graph, "m", text=None, tags=[], limit=PAGE, offset=0
            )
            found = {"tasks page": task_page.items, "concepts page": concept_page.items}
            for name, one, entity_id in (
                ("task", tasks.get_task, task_id),
                ("concept", curriculum_service.get_concept, concept_id),
            ):
                try:
                    found[name] = [one(graph, entity_id)]
                except NotFound:
                    found[name] = []
        except Exception as error:  # the refused row: what a route gave as a 500
            failures.append(repr(error)[:200])
            return
        for page in (task_page, concept_page):
            # One page holds every match: its total counts the rows it gives, no more.
            if page.total != len(page.items):
                failures.append(f"total {page.total} of {len(page.items)} items")
        # Every row read is of a stored node: each field a stored node has is there.
        failures.extend(
            f"{name}: {i}"
            for name, items in found.items()
            for i in items
            if not i.id or (name in ("task", "tasks page") and not i.concepts)
        )

    reads = _reads_during_deletes(graph, read)
    assert reads > ROUNDS * 5, reads  # enough reads overlapped the deletes to meet the race
    assert not failures, f"{len(failures)} broken reads of {reads}: {failures[:3]}"


def test_the_check_after_the_reads_names_exactly_the_ids_no_longer_stored(graph: Graph) -> None:
    """The existence check the reads ask of their suspect rows, on the real store: a deleted task and
    concept are named, and those still stored are not (each named one's row is dropped from the read)."""
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
