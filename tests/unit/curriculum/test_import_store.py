"""The import's write transaction, against a recording fake transaction (no database)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from kgplatform.curriculum import import_store
from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.curriculum.import_report import Entity, Outcome
from kgplatform.curriculum.import_validation import ExistingGraph
from kgplatform.errors import Conflict, PreconditionFailed, ValidationFailed
from kgplatform.graph.queries import get_catalog


class Record:
    def __init__(self, row: dict[str, Any]) -> None:
        self.row = row

    def data(self) -> dict[str, Any]:
        return self.row


class FakeTx:
    """Answers each named query as a fresh graph would, and records (name, params) in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        catalog = get_catalog()
        self.names = {catalog[name].text: name for name in catalog.names()}

    def run(self, text: str, params: dict[str, Any]) -> list[Record]:
        name = self.names[text]
        self.calls.append((name, params))
        if name == "curriculum/import_merge_curriculum":
            return [Record({"outcome": "created"})]
        if name == "curriculum/import_lock_concepts":
            return [Record({"ids": []})]
        if name.startswith("curriculum/import_merge_"):
            return [Record({"outcome": "created", "n": len(params["rows"])})]
        return []


class FakeSession:
    def __init__(self, tx: FakeTx) -> None:
        self.tx = tx
        self.rolled_back = False

    def execute_write(self, work: Callable[[FakeTx], Any]) -> Any:
        return work(self.tx)

    def begin_transaction(self) -> FakeSession:  # a dry run's explicit transaction
        return self

    def run(self, text: str, params: dict[str, Any]) -> list[Record]:
        return self.tx.run(text, params)

    def rollback(self) -> None:
        self.rolled_back = True


class FakeGraph:
    def __init__(self) -> None:
        self.tx = FakeTx()

    @contextmanager
    def session(self) -> Iterator[FakeSession]:
        yield FakeSession(self.tx)


def test_one_transaction_in_order_batched_with_one_audit_entry() -> None:
    document = generate_curriculum(5, seed=1, tasks_per_concept=1, curriculum_id="c")
    graph = FakeGraph()
    seen: list[ExistingGraph] = []
    outcome = import_store.write_import(
        graph,
        document,
        actor="ann",
        recheck=seen.append,
        batch_size=2,  # type: ignore[arg-type]
    ).outcome
    names = [name for name, _ in graph.tx.calls]
    assert names[:5] == [
        # The curricula first, as every writer locks them: this one (its rows point into no other, so
        # there is nothing to look up).
        "curriculum/lock_curricula",
        "curriculum/import_merge_curriculum",
        "curriculum/import_lock_concepts",
        "curriculum/import_lock_tasks",
        "curriculum/read_curriculum_prerequisites",
    ]
    assert names.count("curriculum/import_merge_concepts") == 3, "5 rows in batches of 2"
    # New task ids have no answers, so which concepts answers reach is unchanged: no revision bump.
    assert names[-1] == "curriculum/create_audit_entries"
    [entry] = graph.tx.calls[-1][1]["entries"]
    assert (entry["actor"], entry["action"], entry["entity_type"]) == ("ann", "import", "curriculum")
    assert outcome[Entity.CONCEPT] == Outcome(created=5) and len(seen) == 1


def test_a_refusal_of_the_recheck_stops_before_any_merge() -> None:
    document = generate_curriculum(3, seed=1, tasks_per_concept=1, curriculum_id="c")
    graph = FakeGraph()

    def refuse(_: ExistingGraph) -> None:
        raise RuntimeError("changed")

    with pytest.raises(RuntimeError):
        import_store.write_import(graph, document, actor="a", recheck=refuse)  # type: ignore[arg-type]
    names = [name for name, _ in graph.tx.calls]
    assert "curriculum/import_find_owners" not in names
    assert not any(
        n.startswith("curriculum/import_merge_c") and n != "curriculum/import_merge_curriculum" for n in names
    )


def test_an_id_taken_meanwhile_rolls_the_import_back() -> None:
    document = generate_curriculum(3, seed=1, tasks_per_concept=1, curriculum_id="c")
    graph = FakeGraph()
    answer = graph.tx.run

    def run(text: str, params: dict[str, Any]) -> list[Record]:
        if graph.tx.names[text] == "curriculum/import_merge_concepts":
            graph.tx.calls.append(("curriculum/import_merge_concepts", params))
            return [Record({"outcome": "created", "n": 2}), Record({"outcome": "taken", "n": 1})]
        return answer(text, params)

    graph.tx.run = run  # type: ignore[method-assign]
    with pytest.raises(Conflict, match="1 concept id"):
        import_store.write_import(
            graph,
            document,
            actor="a",
            recheck=lambda _: None,  # type: ignore[arg-type]
        )
    assert [n for n, _ in graph.tx.calls][-1] == "curriculum/import_merge_concepts", "stops at once"


TASK_BEFORE = {"title": "Old", "kind": "quiz", "difficulty": 0.5, "estimated_minutes": 10, "version": 3}


@pytest.mark.parametrize(
    ("answer", "bumps"),
    [
        # A retitled task on the same concepts: answers reach what they reached.
        ({"outcome": "updated", "n": 1, "relinked": 0}, False),
        # Its concepts changed, or a deleted id came back (its kept answers reach concepts again).
        ({"outcome": "updated", "n": 1, "relinked": 1}, True),
        ({"outcome": "created", "n": 1, "relinked": 1}, True),
        ({"outcome": "created", "n": 1, "relinked": 0}, False),
    ],
)
def test_the_structure_revision_moves_only_when_a_task_changes_what_answers_reach(
    answer: dict[str, Any], bumps: bool
) -> None:
    """The revision is global and a bump replays every learner in full: an import bumped it for any
    created or updated task, a title fix or a brand-new id included (a review, s28)."""
    document = generate_curriculum(1, seed=1, tasks_per_concept=1, curriculum_id="c")
    task = document.tasks[0]
    graph = FakeGraph()
    answer_fresh = graph.tx.run

    def run(text: str, params: dict[str, Any]) -> list[Record]:
        if graph.tx.names[text] != "curriculum/import_merge_tasks":
            return answer_fresh(text, params)
        graph.tx.calls.append(("curriculum/import_merge_tasks", params))
        after = {**task.model_dump(mode="json"), "title": "New"}
        before = {**TASK_BEFORE, "concepts": list(task.concepts)}
        changed = (
            [{"id": task.id, "before": before, "after": after}] if answer["outcome"] == "updated" else []
        )
        return [Record({**answer, "updated": changed})]

    graph.tx.run = run  # type: ignore[method-assign]
    import_store.write_import(graph, document, actor="a", recheck=lambda _: None)  # type: ignore[arg-type]
    names = [name for name, _ in graph.tx.calls]
    assert ("curriculum/bump_curriculum_revision" in names) is bumps


def graph_answering(answer: Callable[[str, dict[str, Any]], list[Record] | None]) -> FakeGraph:
    """A FakeGraph whose transaction answers a query by `answer(name, params)` (recorded in its calls);
    where that gives None, as a fresh graph would."""
    graph = FakeGraph()
    answer_fresh = graph.tx.run

    def run(text: str, params: dict[str, Any]) -> list[Record]:
        name = graph.tx.names[text]
        answered = answer(name, params)
        if answered is None:
            return answer_fresh(text, params)
        graph.tx.calls.append((name, params))
        return answered

    graph.tx.run = run  # type: ignore[method-assign]
    return graph


@pytest.mark.parametrize("dry_run", [False, True])
@pytest.mark.parametrize(
    ("curriculum", "rows", "audited"),
    [
        ("unchanged", "unchanged", False),  # an identical re-import
        ("updated", "unchanged", True),  # the name or description changed
        ("unchanged", "created", True),
        ("unchanged", "updated", True),
    ],
)
def test_an_import_that_changes_nothing_writes_no_audit_entry(
    curriculum: str, rows: str, audited: bool, dry_run: bool
) -> None:
    """The export's ETag and planning's curriculum stamp are the newest audit entry: an identical
    re-import wrote one, so a guarded import of an earlier export was a 412 over nothing and every cached
    plan was computed again (a review, s28). A dry run reports the same counts either way."""
    document = generate_curriculum(2, seed=1, tasks_per_concept=1, curriculum_id="c")
    graph = graph_answering(
        lambda name, params: (
            [Record({"outcome": curriculum, "before": {"name": "Old", "description": ""}})]
            if name == "curriculum/import_merge_curriculum"
            # Updated rows' before/after are left out: only the counts matter here.
            else [Record({"outcome": rows, "n": len(params["rows"]), "updated": []})]
            if name.startswith("curriculum/import_merge_")
            else None
        )
    )
    result = import_store.write_import(
        graph,  # type: ignore[arg-type]
        document,
        actor="a",
        recheck=lambda _: None,
        commit=not dry_run,
    )
    names = [name for name, _ in graph.tx.calls]
    assert ("curriculum/create_audit_entries" in names) is audited
    assert result.outcome[Entity.CONCEPT] == Outcome(**{rows: 2})
    assert result.curriculum == Outcome(**{curriculum: 1})


class Stamp:
    """A stored `changed_at` as the driver returns it (neo4j.time.DateTime has iso_format)."""

    def iso_format(self) -> str:
        return "2026-12-02T07:00:00.123456789+00:00"


EXPORTED = '"curriculum@2026-12-02T07:00:00.123456789+00:00"'


def graph_of_an_existing_curriculum() -> FakeGraph:
    answers = {
        "curriculum/import_merge_curriculum": [Record({"outcome": "unchanged", "before": None})],
        "curriculum/get_curriculum_stamp": [Record({"changed_at": Stamp()})],
    }
    return graph_answering(lambda name, _: answers.get(name))


@pytest.mark.parametrize(
    "if_match",
    [
        EXPORTED,
        # nginx's gzip and HAProxy's compression weaken the export's ETag on its way to the client: sent
        # back, it was a 412 "the curriculum changed" over an untouched curriculum (a review, s30).
        "W/" + EXPORTED,
        f'"curriculum@older", {EXPORTED},',  # an empty list member is ignored
        "*",
    ],
)
def test_an_unchanged_curriculum_accepts_the_export_etag_in_every_form(if_match: str) -> None:
    document = generate_curriculum(2, seed=1, tasks_per_concept=1, curriculum_id="c")
    graph = graph_of_an_existing_curriculum()
    import_store.write_import(
        graph,  # type: ignore[arg-type]
        document,
        actor="a",
        recheck=lambda _: None,
        if_match=if_match,
    )
    assert "curriculum/import_merge_concepts" in [name for name, _ in graph.tx.calls]


def test_a_changed_curriculum_is_412_and_an_empty_if_match_422_before_any_query() -> None:
    document = generate_curriculum(2, seed=1, tasks_per_concept=1, curriculum_id="c")
    graph = graph_of_an_existing_curriculum()
    with pytest.raises(PreconditionFailed) as refused:
        import_store.write_import(
            graph,  # type: ignore[arg-type]
            document,
            actor="a",
            recheck=lambda _: None,
            if_match='W/"curriculum@older"',
        )
    assert refused.value.details == {"current_etag": EXPORTED}
    graph = graph_of_an_existing_curriculum()
    with pytest.raises(ValidationFailed, match="names no ETag"):
        import_store.write_import(
            graph,  # type: ignore[arg-type]
            document,
            actor="a",
            recheck=lambda _: None,
            if_match=" , ",
        )
    assert graph.tx.calls == []
