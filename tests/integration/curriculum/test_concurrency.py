"""No lost edits: two writers holding the same ETag, exactly one wins, the other gets 412."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from kgplatform.auth.models import Role
from kgplatform.curriculum import import_service, service, store, tasks
from kgplatform.curriculum.io import parse_json
from kgplatform.curriculum.models import ConceptIn, ConceptPatch, TaskPatch
from kgplatform.errors import PreconditionFailed
from tests.integration.api.harness import Api
from tests.integration.locks import hold_after_audit, wait_until_blocked


def test_two_http_writers_with_the_same_if_match_one_wins_one_gets_412(api: Api) -> None:
    api.curriculum("maths", "a")
    barrier = threading.Barrier(2)
    results: dict[str, int] = {}

    def write(name: str) -> None:
        barrier.wait()
        response = api.call("PATCH", "/concepts/a", json={"name": name}, if_match=1)
        results[name] = response.status_code

    threads = [threading.Thread(target=write, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == [200, 412]
    winner = next(name for name, status in results.items() if status == 200)
    stored = api.call("GET", "/concepts/a").json()
    assert (stored["name"], stored["version"]) == (winner, 2)
    updates = [e for e in api.call("GET", "/concepts/a/audit").json()["items"] if e["action"] == "update"]
    assert [e["new"]["name"] for e in updates] == [winner]


def test_the_412_names_who_changed_it_last_and_when(api: Api) -> None:
    """The second designer's 412 says whom to ask, as an import's does (`changed_since`): "someone changed
    it since you read it" sent them to read the trail first. The newest entry of the trail is named, which
    for a concept may be a task's or an edge's (what moved its version)."""
    api.curriculum("maths", "a")
    other = api.actors[Role.ADMIN]
    api.call(
        "POST", "/curricula/maths/tasks", json={"id": "t1", "title": "T", "kind": "quiz", "concepts": ["a"]}
    )
    concept_etag, task_etag = api.etag("/concepts/a"), api.etag("/tasks/t1")
    assert api.call("PATCH", "/tasks/t1", json={"title": "theirs"}, if_match=task_etag, role=Role.ADMIN)
    concept_etag = api.etag("/concepts/a")  # the task's edit moved it too
    assert api.call("PATCH", "/concepts/a", json={"name": "theirs"}, if_match=concept_etag, role=Role.ADMIN)
    for method, path, body, action, entity in (
        ("PATCH", "/concepts/a", {"name": "mine"}, "update", ("concept", "a")),
        ("PATCH", "/tasks/t1", {"title": "mine"}, "update", ("task", "t1")),
        ("DELETE", "/tasks/t1", None, "update", ("task", "t1")),
        ("DELETE", "/concepts/a?cascade=true", None, "update", ("concept", "a")),
    ):
        etag = concept_etag if path.startswith("/concepts") else task_etag  # both older than theirs
        refused = api.call(method, path, json=body, if_match=etag)
        assert refused.status_code == 412, (path, refused.text)
        newest = refused.json()["newest_change"]
        assert (newest["actor"], newest["action"], (newest["entity_type"], newest["entity_id"])) == (
            other,
            action,
            entity,
        ), (path, newest)
        assert other in refused.json()["detail"] and newest["at"] in refused.json()["detail"]
    assert api.call("GET", "/concepts/a").json()["name"] == "theirs"


def test_a_writer_that_read_before_the_other_committed_still_loses(api: Api) -> None:
    """Forces the interleaving: writer A holds its transaction open after its version check while
    writer B starts with the same expected version. B must wait for A's lock and then see version 2;
    without the lock-before-read both would pass the check and A's edit would be lost."""
    api.curriculum("maths", "a")
    a_checked, release_a = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def slow_decide(current: dict[str, Any] | None) -> store.ConceptWrite:
        change = service.decide_concept_update("a", {1}, ConceptPatch(name="from A"), "A", current)
        a_checked.set()
        release_a.wait(timeout=10)
        return change

    def writer_a() -> None:
        outcome["a"] = store.update_concept(api.graph, "a", slow_decide)["version"]

    def writer_b() -> None:
        try:
            service.update_concept(api.graph, "a", '"1"', ConceptPatch(name="from B"), "B")
            outcome["b"] = "won"
        except PreconditionFailed as error:
            outcome["b"] = error.details["current_version"]

    thread_a = threading.Thread(target=writer_a)
    thread_a.start()
    assert a_checked.wait(timeout=10)
    thread_b = threading.Thread(target=writer_b)
    thread_b.start()
    wait_until_blocked(api.graph)  # B is now blocked on A's lock
    assert "b" not in outcome
    release_a.set()
    thread_a.join()
    thread_b.join()
    assert outcome == {"a": 2, "b": 2}
    stored = service.get_concept(api.graph, "a")
    assert (stored.name, stored.version) == ("from A", 2)


@pytest.mark.parametrize("writers", [4])
def test_many_writers_chaining_etags_lose_nothing(api: Api, writers: int) -> None:
    """Each writer retries on 412 with the fresh ETag: every one of their edits lands, in some order."""
    api.curriculum("maths")
    api.call("POST", "/curricula/maths/concepts", json={"id": "a", "name": "a", "tags": []})
    lock = threading.Lock()

    def add_tag(tag: str) -> None:
        for _ in range(50):
            current = api.call("GET", "/concepts/a")
            tags = current.json()["tags"]
            response = api.call(
                "PATCH", "/concepts/a", json={"tags": [*tags, tag]}, if_match=current.headers["ETag"]
            )
            if response.status_code == 200:
                return
            with lock:
                assert response.status_code == 412
        raise AssertionError(f"{tag} never landed")

    threads = [threading.Thread(target=add_tag, args=(f"t{i}",)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = api.call("GET", "/concepts/a").json()
    assert sorted(stored["tags"]) == [f"t{i}" for i in range(writers)]
    assert stored["version"] == writers + 1


def test_two_creators_racing_for_one_id_get_201_and_409(api: Api) -> None:
    """Neither sees the other's uncommitted node in its pre-check; the uniqueness constraint refuses
    the second CREATE, which must come back as 409 naming the id, not as a 500."""
    api.curriculum("maths")
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def create(name: str) -> None:
        barrier.wait()
        response = api.call("POST", "/curricula/maths/concepts", json={"id": "same", "name": name})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=create, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 409]
    assert api.call("GET", "/concepts/same/audit").json()["total"] == 1


def test_a_cascade_delete_audits_the_task_version_a_concurrent_title_edit_left(api: Api) -> None:
    """Task t exercises a and b. A title edit of t (which locks t, not its concepts) holds its
    transaction open after writing; a cascade delete of a starts meanwhile. The delete must wait for t's
    lock, so its audit entry for t continues from the edit's version, the version stored after both."""
    api.curriculum("maths", "a", "b")
    created = api.call(
        "POST",
        "/curricula/maths/tasks",
        json={"id": "t", "title": "Old", "kind": "exercise", "concepts": ["a", "b"]},
    )
    assert created.status_code == 201, created.text
    edited, release_edit = threading.Event(), threading.Event()

    def slow_decide(context: store.TaskContext) -> store.TaskWrite:
        change = tasks.decide_task_update("t", {1}, TaskPatch(title="New"), "A", context)
        edited.set()
        release_edit.wait(timeout=10)
        return change

    editor = threading.Thread(target=lambda: store.update_task(api.graph, "t", None, slow_decide))
    editor.start()
    assert edited.wait(timeout=10)
    deleted: dict[str, Any] = {}

    def delete() -> None:
        # a is at version 2 (t moved it); t's edit moves it to 3. The delete names both, to be the delete
        # that runs after the edit: over "2" alone it is refused, as test_delete_sees_links shows.
        deleted["report"] = service.delete_concept(api.graph, "a", '"2", "3"', True, "B")

    deleter = threading.Thread(target=delete)
    deleter.start()
    wait_until_blocked(api.graph)  # the delete waits for t's lock (without it, it read t at version 1)
    release_edit.set()
    editor.join()
    deleter.join()
    stored = api.call("GET", "/tasks/t").json()
    assert (stored["title"], stored["version"], stored["concepts"]) == ("New", 3, ["b"])
    trail = api.call("GET", "/tasks/t/audit").json()["items"]
    by_b = [entry for entry in trail if entry["actor"] == "B"]
    assert [e["new"]["version"] for e in by_b] == [3], by_b
    assert by_b[0]["old"]["title"] == "New"


def test_edits_of_one_curriculum_are_audited_in_the_order_they_commit(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Planning stamps a curriculum by its newest audit entry. Edit A of concept a has written its entry
    and not committed yet; edit B of concept b starts. B must wait for A (the entries lock their
    curriculum): else B commits first with the newer time, a plan made then reads as fresh, and A's
    change, committed after with the older time, never makes it stale."""
    api.curriculum("maths", "a", "b")
    a_audited, release_a = hold_after_audit(monkeypatch, "edit-a")
    edit_a = threading.Thread(
        target=lambda: service.update_concept(api.graph, "a", '"1"', ConceptPatch(name="A2"), "A"),
        name="edit-a",
    )
    edit_a.start()
    assert a_audited.wait(timeout=10)
    b_done = threading.Event()

    def edit_b() -> None:
        service.update_concept(api.graph, "b", '"1"', ConceptPatch(name="B2"), "B")
        b_done.set()

    editor_b = threading.Thread(target=edit_b)
    editor_b.start()
    wait_until_blocked(api.graph)
    assert not b_done.is_set(), "edit B committed while edit A, audited earlier, was still open"
    release_a.set()
    edit_a.join(timeout=10)
    editor_b.join(timeout=10)
    assert b_done.is_set()
    trail = api.call("GET", "/curricula/maths/audit").json()["items"]
    times = {e["actor"]: e["at"] for e in trail if e["action"] == "update"}
    assert times["B"] > times["A"]


def _held_import(api: Api, monkeypatch: pytest.MonkeyPatch, document: dict[str, Any], if_match: str):
    """Starts an import that stops inside its transaction, after its If-Match check (in the re-check of
    the rows), until released: returns (checked, release, thread, outcome)."""
    checked, release = threading.Event(), threading.Event()
    holder = "held-import"
    original = import_service.changes_since_validation

    def slow_recheck(*args: Any) -> list[str]:
        if threading.current_thread().name == holder:
            checked.set()
            release.wait(timeout=10)
        return original(*args)

    monkeypatch.setattr(import_service, "changes_since_validation", slow_recheck)
    outcome: dict[str, Any] = {}

    def run() -> None:
        raw = parse_json(json.dumps(document))
        outcome["report"] = import_service.run_import(api.graph, raw, "m", actor="A", if_match=if_match)

    thread = threading.Thread(target=run, name=holder)
    thread.start()
    assert checked.wait(timeout=10)
    return release, thread, outcome


def _document(api: Api, name: str, *concept_ids: str) -> dict[str, Any]:
    """Concepts named `name` in curriculum m, which the import leaves as it is: an import that changes the
    curriculum's own name or description writes (so locks) its node at once."""
    return {
        "curriculum": import_service.export_document(api.graph, "m").curriculum.model_dump(mode="json"),
        "concepts": [{"id": cid, "name": name, "description": "", "tags": []} for cid in concept_ids],
        "prerequisites": [],
        "tasks": [],
    }


def test_two_imports_with_one_etag_into_a_curriculum_without_concepts_one_gets_412(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty curriculum gives an import no concept or task to lock: the second import holding the same
    export's ETag passed its If-Match check and then overwrote every concept of the first (a review,
    1 December). The curriculum is now the import's first lock, so the second waits and gets 412."""
    api.curriculum("m")
    etag = import_service.curriculum_etag(api.graph, "m")
    release, thread, _ = _held_import(api, monkeypatch, _document(api, "A", "x", "y"), etag)
    second: dict[str, Any] = {}

    def import_b() -> None:
        raw = parse_json(json.dumps(_document(api, "B", "x", "y")))
        try:
            import_service.run_import(api.graph, raw, "m", actor="B", if_match=etag)
            second["outcome"] = "imported"
        except PreconditionFailed:
            second["outcome"] = 412

    other = threading.Thread(target=import_b)
    other.start()
    wait_until_blocked(api.graph)
    release.set()
    thread.join()
    other.join()
    assert second == {"outcome": 412}
    assert {c.name for c in (service.get_concept(api.graph, cid) for cid in ("x", "y"))} == {"A"}


def test_a_concept_created_during_an_import_waits_for_it(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """A concept created while an import that passed its If-Match check was still writing committed
    first, and the import then overwrote it without either designer knowing (a review, 1 December)."""
    api.curriculum("m", "a")
    etag = import_service.curriculum_etag(api.graph, "m")
    release, thread, outcome = _held_import(api, monkeypatch, _document(api, "from import", "a", "x"), etag)
    created: dict[str, Any] = {}

    def create_x() -> None:
        created["status"] = api.call(
            "POST", "/curricula/m/concepts", json={"id": "x", "name": "B's"}
        ).status_code

    other = threading.Thread(target=create_x)
    other.start()
    wait_until_blocked(api.graph)
    assert "status" not in created  # B waits for the import's curriculum lock
    release.set()
    thread.join()
    other.join()
    assert outcome["report"].imported
    assert created == {"status": 409}  # then finds the imported x: B knows, nothing is overwritten
    assert service.get_concept(api.graph, "x").name == "from import"


def test_a_writer_locks_the_curriculum_a_concept_moved_to_before_its_locks(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The owner of a concept is read before any lock; deleted and created again under its id in another
    curriculum in between, the writer would change it holding the lock of the old curriculum only, beside
    that curriculum's own writers (whose cycle checks rely on that lock). It must lock the new owner too."""
    api.curriculum("a", "x")
    api.curriculum("b")
    locked: list[list[str]] = []
    real_run, real_owners = store._run, store._curricula_of
    moved, moving = threading.Event(), threading.Event()

    def spying_run(tx: Any, query: str, /, **params: Any) -> list[dict[str, Any]]:
        if query == "curriculum/lock_curricula" and not moving.is_set():
            locked.append(list(params["ids"]))
        return real_run(tx, query, **params)

    def owners_then_move(tx: Any, query: str, ids: Any) -> set[str]:
        found = real_owners(tx, query, ids)
        if not moved.is_set():  # the move commits between the writer's owner read and its locks
            moved.set()
            moving.set()  # the mover's own locks are not the writer's
            service.delete_concept(api.graph, "x", '"1"', cascade=False, actor="D")
            service.create_concept(api.graph, "b", ConceptIn(id="x", name="moved"), "C")
            moving.clear()
        return found

    monkeypatch.setattr(store, "_run", spying_run)
    monkeypatch.setattr(store, "_curricula_of", owners_then_move)
    updated = service.update_concept(api.graph, "x", '"2"', ConceptPatch(name="renamed"), "W")
    assert (updated.curriculum_id, updated.name) == ("b", "renamed")
    writer_locks = {curriculum for ids in locked for curriculum in ids}
    assert "b" in writer_locks, f"the writer locked {locked}, not the concept's new curriculum b"
