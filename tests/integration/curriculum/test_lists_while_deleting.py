"""Paged lists and single reads of concepts and tasks (GET /curricula/{id}/concepts, /tasks,
/concepts/{id}, /tasks/{id} and the CLI listings) while designers delete them, on a real Neo4j.

Reads take no locks, and a node whose delete commits while a statement reads it gives the properties not
read yet as null: such a row reached the API's models, which refused it (a pydantic error, a 500), or a
single read of a task being deleted gave a body of nulls instead of a 404 (a review, 6 December 2026).
The store now asks, after its statement, whether the nodes of rows holding a null still exist
(`curriculum.store.whole_rows`). The race is narrow, so the test reads many times.
"""

from __future__ import annotations

import threading

from kgplatform.curriculum import service as curriculum_service
from kgplatform.curriculum import tasks
from kgplatform.curriculum.models import ConceptIn, CurriculumIn, TaskIn
from kgplatform.errors import NotFound
from kgplatform.graph.driver import Graph

ROUNDS = 12
TASKS_PER_ROUND = 30
PAGE = 200


def _reads(graph: Graph, task_id: str, concept_id: str) -> dict[str, list]:
    """Each read a designer can make, as the API's models (a refused row raises); a 404 reads as []."""
    task_page = tasks.list_tasks(graph, "m", concept_id=None, text=None, limit=PAGE, offset=0)
    concept_page = curriculum_service.list_concepts(graph, "m", text=None, tags=[], limit=PAGE, offset=0)
    for page in (task_page, concept_page):
        # One page holds every match: its total counts the rows it gives, no more.
        assert page.total == len(page.items), (page.total, [i.id for i in page.items])
    found: dict[str, list] = {"tasks page": task_page.items, "concepts page": concept_page.items}
    for name, read, entity_id in (
        ("task", tasks.get_task, task_id),
        ("concept", curriculum_service.get_concept, concept_id),
    ):
        try:
            found[name] = [read(graph, entity_id)]
        except NotFound:
            found[name] = []
    return found


def test_lists_and_single_reads_while_tasks_and_concepts_are_deleted_give_only_stored_rows(
    graph: Graph,
) -> None:
    curriculum_service.create_curriculum(graph, CurriculumIn(id="m", name="m"), "designer")
    curriculum_service.create_concept(graph, "m", ConceptIn(id="a", name="A"), "designer")
    reads, failures = 0, []
    for r in range(ROUNDS):
        # Half the tasks on a, half on a concept of their own that goes with them (a cascade delete).
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
            deleted: threading.Event = deleted,
            deleting: dict[str, str] = deleting,
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
                try:
                    found = _reads(graph, deleting["task"], own)
                except Exception as error:  # the refused row: what a route gave as a 500
                    failures.append(repr(error)[:200])
                    continue
                reads += 1
                for name, items in found.items():
                    # Every row read is of a stored node: each field a stored node has is there.
                    failures += [
                        f"{name}: {i}" for i in items if not i.id or (name == "task" and not i.concepts)
                    ]
        finally:
            deleter.join()
        listed = tasks.list_tasks(graph, "m", concept_id=None, text=None, limit=PAGE, offset=0)
        assert not {t.id for t in listed.items} & set(task_ids[1::2]) and listed.total == len(listed.items)
    assert reads > ROUNDS * 5, reads  # enough reads overlapped the deletes to meet the race
    assert not failures, f"{len(failures)} broken reads of {reads}: {failures[:3]}"
