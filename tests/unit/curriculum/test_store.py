"""The store's transactions with a recording fake session: which named queries run, in what order,
and that a refusal from `decide` stops the transaction before anything is written."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from kgplatform.curriculum import import_service, service, store
from kgplatform.curriculum.models import EntityType
from kgplatform.errors import Conflict, NotFound
from kgplatform.graph.queries import get_catalog


class FakeRecord:
    def __init__(self, row: dict[str, Any]) -> None:
        self.row = row

    def data(self) -> dict[str, Any]:
        return self.row

    def values(self) -> list[Any]:
        return list(self.row.values())


class FakeResult(list[FakeRecord]):
    """The records, and their columns as a neo4j Result names them (read_curriculum_rows zips the two)."""

    def keys(self) -> list[str]:
        return list(self[0].row) if self else []


class RecordingTx:
    """Answers each named query from `answers` (name -> rows) and records (name, params)."""

    def __init__(self, answers: dict[str, list[dict[str, Any]]]) -> None:
        self.answers = answers
        self.ran: list[tuple[str, dict[str, Any]]] = []
        self.names_by_text = {get_catalog()[n].text: n for n in get_catalog().names()}

    def run(self, text: str, params: dict[str, Any]) -> FakeResult:
        name = self.names_by_text[text]
        self.ran.append((name, params))
        return FakeResult(FakeRecord(row) for row in self.answers.get(name, []))


class FakeGraph:
    def __init__(self, answers: dict[str, list[dict[str, Any]]]) -> None:
        self.tx = RecordingTx(answers)

    @contextmanager
    def session(self) -> Iterator[FakeGraph]:
        yield self

    def execute_write(self, work: Callable[[RecordingTx], Any]) -> Any:
        return work(self.tx)

    execute_read = execute_write

    @property
    def names(self) -> list[str]:
        return [name.removeprefix("curriculum/") for name, _ in self.tx.ran]


CONCEPT = {
    "id": "a",
    "curriculum_id": "m",
    "name": "A",
    "description": "",
    "tags": [],
    "difficulty": None,
    "version": 1,
}


def refuse(*_: Any) -> Any:
    raise Conflict("no")


OWNED_BY_M = {
    "curriculum/find_concept_curricula": [{"curriculum_id": "m"}],
    "curriculum/find_task_curricula": [{"curriculum_id": "m"}],
}
# The owners read, locked, and read again once locked (store.lock_owning_curricula says why).
CURRICULUM_LOCKS = ["find_concept_curricula", "lock_curricula", "find_concept_curricula"]


def test_a_refused_update_runs_only_the_locks() -> None:
    graph = FakeGraph({**OWNED_BY_M, "curriculum/lock_concept": [{"concept": CONCEPT}]})
    with pytest.raises(Conflict):
        store.update_concept(graph, "a", refuse)  # type: ignore[arg-type]
    assert graph.names == [*CURRICULUM_LOCKS, "lock_concept"]


ENTITY_LOCKS = {"lock_concept", "lock_concepts", "lock_task", "lock_concept_tasks"}
WRITERS: dict[str, Callable[[Any], Any]] = {
    "create_concept": lambda g: store.create_concept(g, "m", "a", refuse),
    "update_concept": lambda g: store.update_concept(g, "a", refuse),
    "delete_concept": lambda g: store.delete_concept(g, "a", refuse),
    "add_prerequisite": lambda g: store.add_prerequisite(g, "a", "b", 1.0, refuse),
    "remove_prerequisite": lambda g: store.remove_prerequisite(g, "a", "b", refuse),
    "create_task": lambda g: store.create_task(g, "m", "t", ["a", "b"], refuse),
    "update_task": lambda g: store.update_task(g, "t", ["a"], refuse),
    "delete_task": lambda g: store.delete_task(g, "t", refuse),
}


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_every_writer_locks_the_owning_curriculum_before_any_concept_or_task(writer: str) -> None:
    """One lock order for all (create_audit_entries locks the curriculum again at the end): a writer
    locking a concept before its curriculum would deadlock with one locking them the other way round."""
    graph = FakeGraph(
        {
            **OWNED_BY_M,
            "curriculum/lock_concept": [{"concept": CONCEPT}],
            "curriculum/lock_task": [{"task": {"id": "t", "curriculum_id": "m", "concepts": ["a"]}}],
            "curriculum/lock_concepts": [
                {"id": "a", "curriculum_id": "m"},
                {"id": "b", "curriculum_id": "m"},
            ],
            "curriculum/inspect_concept_links": [
                {"incoming": [], "outgoing": [], "tasks": [], "learners_with_goal": 0, "mastery_values": 0}
            ],
        }
    )
    with pytest.raises(Conflict):
        WRITERS[writer](graph)
    entity_locks = [i for i, name in enumerate(graph.names) if name in ENTITY_LOCKS]
    first_entity_lock = min(entity_locks, default=len(graph.names))  # creating a concept locks none
    assert "lock_curricula" in graph.names[:first_entity_lock]
    curriculum_lock = graph.tx.ran[graph.names.index("lock_curricula")][1]
    assert curriculum_lock == {"ids": ["m"]}


def test_an_owner_read_as_null_is_not_locked() -> None:
    """A concept deleted while its owner was read (its curriculum read as null) made the sort of the
    curricula to lock fail with a TypeError: a task creation was a 500 (CI, 7 December 2026)."""
    owners = [{"curriculum_id": None}, {"curriculum_id": "m"}]
    graph = FakeGraph({"curriculum/find_concept_curricula": owners})
    with pytest.raises(Conflict):
        store.create_task(graph, "n", "t", ["a", "b"], refuse)  # type: ignore[arg-type]
    locks = [params for name, params in graph.tx.ran if name == "curriculum/lock_curricula"]
    assert locks == [{"ids": ["m", "n"]}]


def test_an_update_locks_then_writes_then_audits() -> None:
    graph = FakeGraph(
        {
            **OWNED_BY_M,
            "curriculum/lock_concept": [{"concept": CONCEPT}],
            "curriculum/update_concept": [{"concept": {**CONCEPT, "version": 2}}],
        }
    )
    audit = [{"id": "e1"}]
    store.update_concept(graph, "a", lambda _: store.ConceptWrite(props={"name": "B"}, audit=audit))  # type: ignore[arg-type]
    assert graph.names == [*CURRICULUM_LOCKS, "lock_concept", "update_concept", "create_audit_entries"]
    assert graph.tx.ran[-2][1] == {"id": "a", "props": {"name": "B"}}
    assert graph.tx.ran[-1][1] == {"entries": audit}


def test_edge_checks_lock_the_curriculum_then_both_ends_in_id_order_before_looking_for_a_cycle() -> None:
    graph = FakeGraph(
        {
            "curriculum/find_concept_curricula": [{"curriculum_id": "m"}],
            "curriculum/lock_concepts": [
                {"id": "a", "curriculum_id": "m"},
                {"id": "b", "curriculum_id": "m"},
            ],
            "curriculum/find_cycle_path": [{"path": ["a", "x", "b"]}],
        }
    )
    seen: list[store.PrerequisiteContext] = []

    def decide(context: store.PrerequisiteContext) -> Any:
        seen.append(context)
        raise Conflict("cycle")

    with pytest.raises(Conflict):
        store.add_prerequisite(graph, "b", "a", 1.0, decide)  # type: ignore[arg-type]
    assert graph.names == [
        *CURRICULUM_LOCKS,
        "lock_concepts",
        "find_prerequisite",
        "find_cycle_path",
    ]
    assert graph.tx.ran[1][1] == {"ids": ["m"]} and graph.tx.ran[2][1] == {"ids": ["a", "b"]}
    assert seen[0].cycle_path == ["a", "x", "b"]


def test_a_missing_endpoint_skips_the_path_search() -> None:
    graph = FakeGraph(
        {
            "curriculum/find_concept_curricula": [{"curriculum_id": "m"}],
            "curriculum/lock_concepts": [{"id": "a", "curriculum_id": "m"}],
        }
    )
    with pytest.raises(Conflict):
        store.add_prerequisite(graph, "a", "ghost", 1.0, refuse)  # type: ignore[arg-type]
    assert graph.names == [*CURRICULUM_LOCKS, "lock_concepts"]


def _links(tasks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"incoming": [], "outgoing": [], "tasks": tasks, "learners_with_goal": 0, "mastery_values": 0}


def test_a_cascade_deletes_tasks_then_the_concept_then_bumps_and_audits() -> None:
    tasks = [{"id": "t1", "concepts": ["a"]}, {"id": "t2", "concepts": ["a", "b"]}]
    graph = FakeGraph(
        {
            **OWNED_BY_M,
            "curriculum/lock_concept": [{"concept": CONCEPT}],
            "curriculum/inspect_concept_links": [_links(tasks)],
        }
    )
    deletion = store.ConceptDeletion(delete_task_ids=["t1"], bump_task_ids=["t2"], audit=[{"id": "e"}])
    store.delete_concept(graph, "a", lambda _: deletion)  # type: ignore[arg-type]
    assert graph.names == [
        *CURRICULUM_LOCKS,
        "lock_concept",
        "lock_concept_tasks",
        "inspect_concept_links",
        "delete_tasks",
        "delete_concept",
        "bump_curriculum_revision",
        "bump_task_versions",
        "bump_concept_links",  # b: task t2 no longer exercises a
        "create_audit_entries",
    ]
    [bumped] = [params for name, params in graph.tx.ran if name == "curriculum/bump_concept_links"]
    assert bumped["changes"] == [{"id": "b", "what": ["task t2 no longer exercises a (a deleted)"]}]


def test_deleting_a_concept_no_task_exercises_leaves_the_structure_revision() -> None:
    """The revision is global (a bump replays every learner in full); a concept without tasks is reached
    by no answer, so its delete changes nothing that mastery traced (a review, s28)."""
    graph = FakeGraph(
        {
            **OWNED_BY_M,
            "curriculum/lock_concept": [{"concept": CONCEPT}],
            "curriculum/inspect_concept_links": [_links([])],
        }
    )
    deletion = store.ConceptDeletion(delete_task_ids=[], bump_task_ids=[], audit=[{"id": "e"}])
    store.delete_concept(graph, "a", lambda _: deletion)  # type: ignore[arg-type]
    assert "bump_curriculum_revision" not in graph.names
    assert graph.names[-2:] == ["delete_concept", "create_audit_entries"]


class ReadsInTurn(FakeGraph):
    """Each read transaction answers from the next of `reads`: what a curriculum looks like as writes land."""

    def __init__(self, reads: list[dict[str, list[dict[str, Any]]]]) -> None:
        super().__init__(reads[0])
        self.reads = iter(reads)

    def execute_read(self, work: Callable[[RecordingTx], Any]) -> Any:  # type: ignore[override]
        self.tx.answers = next(self.reads)
        return work(self.tx)


def _curriculum_read(
    concepts: list[str],
    edges: list[tuple[str, str]],
    tasks: dict[str, list[str]],
    gone: tuple[list[str], list[str]] = ([], []),
) -> dict:
    """The rows the queries give, every column included (a document can be built from them); `gone`, the
    concept and task ids the check after the reads finds deleted."""
    return {
        "curriculum/find_gone_entities": [{"concepts": gone[0], "tasks": gone[1]}],
        "curriculum/get_curriculum": [{"curriculum": {"id": "m", "name": "M", "description": None}}],
        "curriculum/read_curriculum_concepts": [
            {"id": c, "name": c.upper(), "description": None, "tags": None, "difficulty": None}
            for c in concepts
        ],
        "curriculum/read_curriculum_prerequisites": [
            {"prerequisite": p, "concept": c, "weight": 1.0} for p, c in edges
        ],
        "curriculum/read_curriculum_tasks": [
            {"id": t, "title": t, "kind": "quiz", "difficulty": 0.5, "estimated_minutes": 10, "concepts": cs}
            for t, cs in tasks.items()
        ],
    }


# An import committing between the concept read and the edge read: concept x is missing, its edge and
# task are there.
HALF_SEEN = _curriculum_read(
    ["a", "b"], [("a", "b"), ("b", "x")], {"t1": ["a"], "tx": ["x"], "tb": ["b", "x"]}
)
WHOLE = _curriculum_read(
    ["a", "b", "x"], [("a", "b"), ("b", "x")], {"t1": ["a"], "tx": ["x"], "tb": ["b", "x"]}
)


def test_a_read_that_half_saw_a_write_is_read_again() -> None:
    graph = ReadsInTurn([HALF_SEEN, WHOLE])
    rows = store.read_curriculum_rows(graph, "m")
    assert rows is not None
    assert [c["id"] for c in rows.concepts] == ["a", "b", "x"]
    assert rows.dangling() == set()


def test_writes_landing_in_every_read_give_a_whole_curriculum_without_what_was_half_seen() -> None:
    graph = ReadsInTurn([HALF_SEEN] * store.READ_ATTEMPTS)
    rows = store.read_curriculum_rows(graph, "m")
    assert rows is not None
    assert rows.dangling() == set()
    assert [(e["prerequisite"], e["concept"]) for e in rows.prerequisites] == [("a", "b")]
    # The task on x alone came with x; a task on b and x keeps b.
    assert {t["id"]: t["concepts"] for t in rows.tasks} == {"t1": ["a"], "tb": ["b"]}


def _deleted_while_read(row: dict[str, Any], *kept: str) -> dict[str, Any]:
    """A row as an unlocked read gives it when the node's delete commits under it: what it had read by
    then (`kept`) and null for the rest; a task's concept list, read after, empty."""
    return {k: (v if k in kept else [] if k == "concepts" else None) for k, v in row.items()}


def test_rows_of_nodes_deleted_while_read_are_left_out_and_their_links_read_again() -> None:
    """A read of a curriculum while tasks and concepts were deleted gave rows with their unread properties
    null: a task with no id and no concepts, which the planner refused with a 422 ("task None exercises no
    known concept"), and rows with an id but nothing else, which an export wrote as they were (CI of
    6 December 2026; 38 of 3,223 reads under 1,200 task deletes here)."""
    read = _curriculum_read(
        ["a", "b", "x"],
        [("a", "b"), ("b", "x")],
        {"t1": ["a"], "t2": ["a"], "t3": ["b"], "tx": ["x"]},
        gone=(["x"], ["t2"]),
    )
    concepts, tasks = read["curriculum/read_curriculum_concepts"], read["curriculum/read_curriculum_tasks"]
    concepts[2] = _deleted_while_read(concepts[2], "id")  # x: its id read, then deleted
    tasks[1] = _deleted_while_read(tasks[1], "id", "title")  # t2: deleted after its title was read
    tasks[2] = _deleted_while_read(tasks[2])  # t3: deleted before anything was read
    whole = _curriculum_read(["a", "b"], [("a", "b")], {"t1": ["a"]})
    graph = ReadsInTurn([read, whole])
    rows = store.read_curriculum_rows(graph, "m")
    assert rows is not None
    # The checks after the concept and task reads were asked only of the rows missing a field (this
    # fixture's concepts have no description; a and b, found stored, once more), and found x and t2
    # deleted; x's edge and task then named a concept not read, so the curriculum was read again.
    asked = [params for name, params in graph.tx.ran if name == "curriculum/find_gone_entities"][:3]
    assert asked == [
        {"concept_ids": ["a", "b", "x"], "task_ids": []},
        {"concept_ids": ["a", "b"], "task_ids": []},
        {"concept_ids": [], "task_ids": ["t2"]},
    ]
    assert [c["id"] for c in rows.concepts] == ["a", "b"] and [t["id"] for t in rows.tasks] == ["t1"]


def test_rows_with_a_null_of_nodes_that_still_exist_are_kept() -> None:
    """A concept stored without a description, a task without a difficulty: checked, found, kept."""
    read = _curriculum_read(["a"], [], {"t1": ["a"]})
    read["curriculum/read_curriculum_tasks"][0]["difficulty"] = None
    rows = store.read_curriculum_rows(ReadsInTurn([read]), "m")
    assert rows is not None and [c["id"] for c in rows.concepts] == ["a"]
    assert [t["id"] for t in rows.tasks] == ["t1"] and rows.tasks[0]["difficulty"] is None


def test_a_whole_read_of_rows_without_a_null_asks_nothing_more() -> None:
    read = _curriculum_read(["a"], [], {"t1": ["a"]})
    read["curriculum/read_curriculum_concepts"][0].update(description="", tags=[], difficulty=0.5)
    graph = ReadsInTurn([read])
    store.read_curriculum_rows(graph, "m")
    assert "find_gone_entities" not in graph.names


def test_an_export_that_half_saw_a_write_names_no_concept_it_does_not_hold() -> None:
    """The export read concepts, edges and tasks in three statements of its own: an import committing in
    between gave a file naming concept x without holding it, which imports nowhere else (a review, s28)."""
    document = import_service.export_document(ReadsInTurn([HALF_SEEN, WHOLE]), "m")  # type: ignore[arg-type]
    held = {c.id for c in document.concepts}
    named = {end for e in document.prerequisites for end in (e.prerequisite, e.concept)}
    named |= {c for t in document.tasks for c in t.concepts}
    assert named <= held and held == {"a", "b", "x"}
    assert {t.id for t in document.tasks} == {"t1", "tx", "tb"}


def test_an_export_of_a_curriculum_that_does_not_exist_is_not_found() -> None:
    with pytest.raises(NotFound):
        import_service.export_document(FakeGraph({}), "m")  # type: ignore[arg-type]


class ReadingGraph(FakeGraph):
    """Also answers `graph.read`, as the audit read runs its query."""

    def read(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        return [r.data() for r in self.tx.run(get_catalog()[name].text, params)]


NO_ENTRIES = [{"total": 0, "items": []}]
DELETE_ENTRY = {
    "id": "e1",
    "at": "2026-12-01T10:00:00Z",
    "actor": "ann",
    "action": "delete",
    "entity_type": "concept",
    "entity_id": "a",
    "curriculum_id": "m",
    "old": '{"name": "A"}',
    "new": None,
}


@pytest.mark.parametrize(("kind", "trail"), [("concept", "read_concept_audit"), ("task", "read_task_audit")])
def test_the_trail_of_an_id_that_never_existed_is_not_found(kind: str, trail: str) -> None:
    """It was a 200 with an empty page, so a typo in an id read as "never changed" (a review, s30)."""
    graph = ReadingGraph({f"curriculum/{trail}": NO_ENTRIES})
    with pytest.raises(NotFound) as missing:
        service.read_audit(graph, EntityType(kind), "typo", limit=50, offset=0)  # type: ignore[arg-type]
    assert missing.value.field == f"{kind}_id"
    assert graph.names[-1] == "get_retired_version"
    assert graph.tx.ran[-1][1] == {"key": f"{kind}:typo"}


# What audit/get_audit_archive answers when nothing of the trail's curricula was archived.
NOT_ARCHIVED = [{"before": None, "archived_at": None, "entries": 0}]


@pytest.mark.parametrize(
    "answers",
    [
        # An imported concept never edited: no entries of its own, but it exists.
        {
            "curriculum/read_concept_audit": NO_ENTRIES,
            "curriculum/get_concept": [{"concept": CONCEPT}],
            "audit/get_audit_archive": NOT_ARCHIVED,
        },
        # Deleted, and its trail empty all the same (its RetiredId says it existed).
        {
            "curriculum/read_concept_audit": NO_ENTRIES,
            "curriculum/get_retired_version": [{"version": 2}],
            "audit/get_audit_archive": NOT_ARCHIVED,
        },
    ],
)
def test_an_empty_trail_of_a_concept_that_exists_or_existed_is_an_empty_page(
    answers: dict[str, list[dict[str, Any]]],
) -> None:
    page = service.read_audit(ReadingGraph(answers), EntityType.CONCEPT, "a", limit=50, offset=0)  # type: ignore[arg-type]
    assert page.total == 0 and page.items == []


def test_a_deleted_concepts_trail_is_read_without_asking_whether_it_exists() -> None:
    graph = ReadingGraph(
        {
            # The query adds the entry's time as the cursor's key (kgplatform.audit.cursor).
            "curriculum/read_concept_audit": [
                {"total": 1, "items": [{**DELETE_ENTRY, "at_s": 1_796_400_000, "at_ns": 0}]}
            ],
            "audit/get_audit_archive": NOT_ARCHIVED,
        }
    )
    page = service.read_audit(graph, EntityType.CONCEPT, "a", limit=50, offset=0)  # type: ignore[arg-type]
    assert [e.action for e in page.items] == ["delete"] and page.archived is None and page.next is None
    # Then only whether its curricula's older entries were archived, asked of the entries' curriculum.
    assert graph.names == ["read_concept_audit", "audit/get_audit_archive"]
    assert graph.tx.ran[-1][1] == {"curriculum_ids": ["m"], "concept_id": "a", "task_id": None}


def _complete(read: dict) -> dict:
    """`read` with no null on its concept rows, so that only the rows a test spoils are suspect."""
    for concept in read["curriculum/read_curriculum_concepts"]:
        concept.update(description="", tags=[], difficulty=0.5)
    return read


def test_a_task_deleted_before_its_concepts_were_read_is_checked_and_left_out() -> None:
    """Every other property read, its concept list empty: a stored task always exercises a concept, so
    the row is checked as one with a null is; kept, the planner refused the curriculum with a 422."""
    read = _complete(_curriculum_read(["a"], [], {"t1": ["a"], "t2": ["a"]}, gone=([], ["t2"])))
    tasks = read["curriculum/read_curriculum_tasks"]
    tasks[1] = _deleted_while_read(tasks[1], "id", "title", "kind", "difficulty", "estimated_minutes")
    graph = ReadsInTurn([read])
    rows = store.read_curriculum_rows(graph, "m")
    assert rows is not None and [t["id"] for t in rows.tasks] == ["t1"]
    asked = [params for name, params in graph.tx.ran if name == "curriculum/find_gone_entities"]
    assert asked == [{"concept_ids": [], "task_ids": ["t2"]}]


def test_a_row_read_with_no_id_is_left_out_with_nothing_to_check() -> None:
    """A task deleted before any of its properties was read: no id to check, gone for certain, and no
    other row suspect, so the read asks nothing more and is not read again."""
    read = _complete(_curriculum_read(["a"], [], {"t1": ["a"], "t2": ["a"]}))
    tasks = read["curriculum/read_curriculum_tasks"]
    tasks[1] = _deleted_while_read(tasks[1])
    graph = ReadsInTurn([read])
    rows = store.read_curriculum_rows(graph, "m")
    assert rows is not None and [t["id"] for t in rows.tasks] == ["t1"]
    assert "find_gone_entities" not in graph.names


class MovingOwnerTx(RecordingTx):
    """Reads the concept's owner as each of `owners` in turn: deleted and created again in another
    curriculum between one read and the next."""

    def __init__(self, owners: list[str]) -> None:
        super().__init__({})
        self.owners = owners

    def run(self, text: str, params: dict[str, Any]) -> FakeResult:
        if self.names_by_text[text] != "curriculum/find_concept_curricula":
            return super().run(text, params)
        self.ran.append(("curriculum/find_concept_curricula", params))
        return FakeResult([FakeRecord({"curriculum_id": self.owners.pop(0)})])


def test_an_owner_that_moved_before_its_lock_is_locked_where_it_moved() -> None:
    """The first read named m, the read under m's lock names p: p is locked too, not a 409 for a move that
    is over (only one that goes on past store.OWNER_LOOKUPS reads is a conflict)."""
    tx = MovingOwnerTx(["m", "p", "p"])
    store.lock_owning_curricula(tx, curriculum_ids=["n"], concept_ids=["a"])  # type: ignore[arg-type]
    locks = [params for name, params in tx.ran if name == "curriculum/lock_curricula"]
    assert locks == [{"ids": ["m", "n"]}, {"ids": ["p"]}]
    still_moving = MovingOwnerTx([f"c{n}" for n in range(store.OWNER_LOOKUPS + 1)])
    with pytest.raises(Conflict):
        store.lock_owning_curricula(still_moving, concept_ids=["a"])  # type: ignore[arg-type]
