"""DELETE /learners/{id}: a learner who leaves, or asks to be forgotten, is erased from Neo4j and Redis,
and nobody else's data moves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import redis
from typer.testing import CliRunner

from kgplatform.auth.models import Role
from kgplatform.cli import app
from kgplatform.graph.driver import Graph
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.mastery.synthetic import SyntheticCurriculum, make_answers
from kgplatform.planning.cache import PlanCache, answered_key, plan_key
from tests.integration.api.harness import Api
from tests.integration.mastery.conftest import all_mastery, counts


def answers_of(rows: list[dict[str, Any]], learner_id: str) -> list[dict[str, Any]]:
    return [row for row in rows if row["learner_id"] == learner_id]


def test_an_erased_learner_leaves_nothing_behind_and_others_keep_everything(
    api: Api, graph: Graph, curriculum: SyntheticCurriculum, redis_client: redis.Redis
) -> None:
    log = make_answers(curriculum, 2, 120, seed=5)
    gone, kept = sorted({row["learner_id"] for row in log})
    assert api.call("POST", "/answers", role=Role.SERVICE, json=log).status_code == 200
    goals = api.call(
        "PUT",
        f"/learners/{gone}/goals",
        role=Role.SERVICE,
        json={"concept_ids": [curriculum.concepts[-1]["id"]]},
    )
    assert goals.status_code == 200, goals.text
    for learner_id in (gone, kept):  # a stored plan each, and one cached in Redis
        plan = api.call("GET", f"/learners/{learner_id}/next-tasks", role=Role.SERVICE)
        assert plan.status_code == 200, plan.text
    assert redis_client.exists(plan_key(gone), answered_key(gone)) == 2
    theirs = [row for row in all_mastery(graph) if row["learner_id"] == kept]
    before = counts(graph)

    designer = api.call("DELETE", f"/learners/{gone}", role=Role.DESIGNER)
    assert designer.status_code == 403 and counts(graph) == before

    erased = api.call("DELETE", f"/learners/{gone}", role=Role.SERVICE)
    assert erased.status_code == 200, erased.text
    body = erased.json()
    assert body["learner_id"] == gone and body["answers"] == len(answers_of(log, gone))
    assert body["mastery"] > 0 and body["plans"] >= 1 and body["redis_cleared"] is True
    after = counts(graph)
    assert after == {
        "answers": before["answers"] - body["answers"],
        "learners": before["learners"] - 1,
        "mastery": before["mastery"] - body["mastery"],
    }
    assert [row for row in all_mastery(graph) if row["learner_id"] == gone] == []
    assert [row for row in all_mastery(graph) if row["learner_id"] == kept] == theirs
    assert PlanCache(redis_client).get(gone) is None and redis_client.exists(answered_key(gone)) == 0
    assert PlanCache(redis_client).get(kept) is not None
    for path in ("mastery", "goals", "report"):
        missing = api.call("GET", f"/learners/{gone}/{path}", role=Role.SERVICE)
        assert missing.status_code == 404 and missing.json()["field"] == "learner_id", (path, missing.text)
    again = api.call("DELETE", f"/learners/{gone}", role=Role.SERVICE)
    assert again.status_code == 404 and again.json()["field"] == "learner_id"

    # Its answers' event ids stay taken (test_a_replay_... below): one posted later is rejected as erased.
    first = answers_of(log, gone)[0]
    reposted = api.call("POST", "/answers", role=Role.SERVICE, json=[first])
    assert reposted.status_code == 409 and reposted.json()["rejected"][0]["reason"] == "erased"
    assert counts(graph) == after


def renamed(rows: list[dict[str, Any]], tag: str) -> list[dict[str, Any]]:
    """The same answers under new event ids."""
    return [{**row, "event_id": f"{row['event_id']}-{tag}"} for row in rows]


def post(api: Api, rows: list[dict[str, Any]], **params: Any) -> Any:
    return api.call("POST", "/answers", role=Role.SERVICE, json=rows, params=params)


def test_a_replay_of_an_erased_learners_answers_does_not_bring_them_back(
    api: Api, graph: Graph, curriculum: SyntheticCurriculum
) -> None:
    """A retry queue or an LMS re-sync posts an erased learner's answers again: before the fix each was
    accepted as new and the learner came back with mastery, undoing the erase (a review, s36)."""
    log = make_answers(curriculum, 3, 90, seed=21)
    gone, *kept = sorted({row["learner_id"] for row in log})
    assert post(api, log).status_code == 200
    erased = api.call("DELETE", f"/learners/{gone}", role=Role.SERVICE)
    assert erased.status_code == 200, erased.text
    theirs = answers_of(log, gone)
    assert erased.json()["answers"] == len(theirs) > 3
    # What the erase keeps: one digest per answer, and nothing else (no learner id, content or time).
    kept_nodes = [row["properties"] for row in graph.read("testing/list_erased_answers")]
    assert len(kept_nodes) == len(theirs) and all(set(node) == {"digest"} for node in kept_nodes)
    assert not any(
        gone in node["digest"] or node["digest"] in {r["event_id"] for r in log} for node in kept_nodes
    )
    after = counts(graph)

    # One by one, as a retry queue sends them: each is a 409 naming the row as erased; nothing stored.
    for row in theirs:
        response = post(api, [row])
        assert response.status_code == 409, response.text
        [rejected] = response.json()["rejected"]
        assert (rejected["index"], rejected["event_id"], rejected["reason"], rejected["field"]) == (
            0,
            row["event_id"],
            "erased",
            "event_id",
        )
    assert counts(graph) == after
    assert api.call("GET", f"/learners/{gone}/mastery", role=Role.SERVICE).status_code == 404

    # Mixed with other learners' new answers (a re-sync): theirs are stored, the erased rows rejected.
    fresh = renamed([row for row in log if row["learner_id"] in kept][:20], "resync")
    batch = [row for pair in zip(theirs[:20], fresh, strict=False) for row in pair]
    response = post(api, batch)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accepted"] == [row["event_id"] for row in fresh] and body["learners_created"] == 0
    assert [(r["index"], r["reason"]) for r in body["rejected"]] == [
        (i, "erased") for i, row in enumerate(batch) if row["learner_id"] == gone
    ]
    now = counts(graph)
    assert (now["answers"], now["learners"]) == (after["answers"] + len(fresh), after["learners"])
    assert api.call("GET", f"/learners/{gone}/mastery", role=Role.SERVICE).status_code == 404

    # Atomic: the erased rows refuse the whole batch (409, every one listed), and nothing is stored.
    more = renamed([row for row in log if row["learner_id"] in kept][:10], "atomic")
    before = counts(graph)
    refused = post(api, [*more[:5], *theirs[:3], *more[5:]], atomic="true")
    assert refused.status_code == 409, refused.text
    assert [(r["index"], r["reason"]) for r in refused.json()["rejected"]] == [
        (5, "erased"),
        (6, "erased"),
        (7, "erased"),
    ]
    assert counts(graph) == before
    assert post(api, more, atomic="true").status_code == 200
    assert api.call("GET", f"/learners/{gone}/mastery", role=Role.SERVICE).status_code == 404

    # A new event id for the same learner id: a new learner, from that answer alone.
    new = renamed(theirs[:1], "after-erase")
    response = post(api, [*theirs[1:2], *new])
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == [new[0]["event_id"]] and response.json()["learners_created"] == 1
    assert [r["reason"] for r in response.json()["rejected"]] == ["erased"]
    mastery = api.call("GET", f"/learners/{gone}/mastery", role=Role.SERVICE)
    assert mastery.status_code == 200, mastery.text
    task = next(t for t in curriculum.tasks if t["id"] == new[0]["task_id"])
    # Only the new answer's practice: one attempt at each of its task's concepts, nothing from before.
    practised = {c["concept_id"]: c["attempts"] for c in mastery.json()["concepts"] if c["attempts"]}
    assert practised == dict.fromkeys(task["concept_ids"], 1)


def test_the_cli_erase_keeps_the_digests_too(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum, redis_client: redis.Redis
) -> None:
    log = make_answers(curriculum, 1, 15, seed=22)
    (learner_id,) = {row["learner_id"] for row in log}
    service.ingest(log)
    erased = CliRunner().invoke(app, ["erase-learner", learner_id, "--yes"])
    assert erased.exit_code == 0, erased.output
    replay = service.ingest(log)
    assert replay.accepted == [] and {r.reason for r in replay.rejected} == {"erased"}
    assert len(replay.rejected) == len(log) and counts(graph) == {"answers": 0, "learners": 0, "mastery": 0}


def test_erasing_an_unknown_learner_is_404_and_changes_nothing(
    api: Api, graph: Graph, curriculum: SyntheticCurriculum, redis_client: redis.Redis
) -> None:
    log = make_answers(curriculum, 1, 10, seed=6)
    assert api.call("POST", "/answers", role=Role.SERVICE, json=log).status_code == 200
    before = counts(graph)
    response = api.call("DELETE", "/learners/nobody", role=Role.SERVICE)
    assert response.status_code == 404 and response.json()["field"] == "learner_id"
    assert counts(graph) == before
    assert redis_client.keys("*nobody*") == []  # no erase mark for an id that was never there


def test_the_cli_asks_first_then_erases_as_the_api_does(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum, redis_client: redis.Redis
) -> None:
    log = make_answers(curriculum, 1, 20, seed=9)
    (learner_id,) = {row["learner_id"] for row in log}
    service.ingest(log)
    redis_client.set(plan_key(learner_id), "{}")
    runner = CliRunner()
    declined = runner.invoke(app, ["erase-learner", learner_id], input="n\n")
    assert declined.exit_code == 1 and counts(graph)["answers"] == 20
    erased = runner.invoke(app, ["erase-learner", learner_id, "--yes"])
    assert erased.exit_code == 0, erased.output
    assert f"erased learner {learner_id}: 20 answers" in erased.output
    assert counts(graph) == {"answers": 0, "learners": 0, "mastery": 0}
    assert PlanCache(redis_client).get(learner_id) is None  # the erase mark in its place


def test_the_clis_export_and_erase_of_a_learner_with_one_answer_say_it_in_the_singular(
    service: MasteryService, curriculum: SyntheticCurriculum, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """They read "with 1 answers" and "1 answers, mastery of 1 concepts" (a review, 5 December 2026)."""
    task = next(t["id"] for t in curriculum.tasks if len(t["concept_ids"]) == 1)
    one = {"event_id": "e1", "learner_id": "ann", "task_id": task, "correct": True}
    assert not service.ingest([{**one, "answered_at": "2026-11-02T10:00:00Z"}]).rejected
    runner = CliRunner()
    exported = runner.invoke(app, ["export-learner", "ann", "--out", str(tmp_path / "ann.json")])
    assert exported.exit_code == 0, exported.output
    # rich folds the line at 80 columns under CliRunner, before the long temporary path.
    said = " ".join(exported.output.split())
    assert f"exported learner ann with 1 answer to {tmp_path / 'ann.json'}" in said
    erased = runner.invoke(app, ["erase-learner", "ann", "--yes"])
    assert erased.exit_code == 0, erased.output
    assert "erased learner ann: 1 answer, mastery of 1 concept, 0 stored plans" in erased.output


class InTransaction:
    """A graph whose `execute_write` runs its work in one transaction the test holds open."""

    def __init__(self, tx: Any) -> None:
        self.tx = tx

    def execute_write(self, work: Any) -> Any:
        return work(self.tx)


def erase_held_open_while(
    graph: Graph, learner_id: str, call: Any, *, as_the_store_does: bool = False
) -> dict[str, Any]:
    """Runs `call` in a thread while an erase of `learner_id` holds the learner's lock (its transaction
    open, uncommitted), waits until `call` is blocked behind it, commits the erase; returns what `call`
    returned or raised. `as_the_store_does`: the whole `MasteryStore.erase_learner`, digests kept, instead
    of its last statement alone."""
    import threading

    from kgplatform.graph.queries import query_text
    from tests.integration.locks import wait_until_blocked

    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = call()
        except Exception as error:  # noqa: BLE001 - the test reports it
            outcome["error"] = error

    with graph.session() as session, session.begin_transaction() as holder:
        if as_the_store_does:
            assert MasteryStore(InTransaction(holder)).erase_learner(learner_id) is not None  # type: ignore[arg-type]
        else:
            holder.run(query_text("mastery/erase_learner"), {"learner_id": learner_id}).consume()
        caller = threading.Thread(target=run)
        caller.start()
        wait_until_blocked(graph)
        holder.commit()
    caller.join(timeout=60)
    return outcome


def test_an_ingestion_behind_the_erase_creates_a_new_learner(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    """README: an ingestion that comes after the erase (waiting on the learner's lock) finds no learner
    and creates a new one with only its own answers."""
    log = make_answers(curriculum, 1, 20, seed=11)
    (learner_id,) = {row["learner_id"] for row in log}
    service.ingest(log[:10])
    outcome = erase_held_open_while(graph, learner_id, lambda: service.ingest(log[10:11]))
    assert "error" not in outcome, repr(outcome.get("error"))
    # Before the fix: the answer was stored (accepted) with no learner node and no mastery, and a second
    # erase of the id was a 404 that left it there for good.
    assert counts(graph) == {"answers": 1, "learners": 1, "mastery": outcome["result"].mastery_updated}, (
        counts(graph),
        outcome["result"],
    )
    assert outcome["result"].learners_created == 1 and outcome["result"].mastery_updated > 0


def test_a_replay_waiting_behind_the_erase_is_rejected_and_only_its_new_answer_stored(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    """A re-sync that posts an old answer with a new one while the erase commits: its context read saw the
    old answer still stored, its new answer waits for the learner's lock; the erase commits, the ingest
    starts over and must then find the old answer erased (not stored, not new), and store the new one for
    a new learner."""
    log = make_answers(curriculum, 1, 20, seed=23)
    (learner_id,) = {row["learner_id"] for row in log}
    service.ingest(log[:10])
    outcome = erase_held_open_while(
        graph, learner_id, lambda: service.ingest([log[0], log[10]]), as_the_store_does=True
    )
    assert "error" not in outcome, repr(outcome.get("error"))
    result = outcome["result"]
    assert result.accepted == [log[10]["event_id"]] and result.learners_created == 1, result
    assert [(r.index, r.reason) for r in result.rejected] == [(0, "erased")]
    assert counts(graph) == {"answers": 1, "learners": 1, "mastery": result.mastery_updated}


def test_goals_put_behind_the_erase_create_a_new_learner(
    api: Api, graph: Graph, curriculum: SyntheticCurriculum
) -> None:
    """PUT goals creates the learner on first sight: one waiting behind an erase makes a new learner (it was
    a 422 naming a concept that exists)."""
    log = make_answers(curriculum, 1, 10, seed=12)
    (learner_id,) = {row["learner_id"] for row in log}
    assert api.call("POST", "/answers", role=Role.SERVICE, json=log).status_code == 200
    body = {"concept_ids": [curriculum.concepts[-1]["id"]]}
    outcome = erase_held_open_while(
        graph,
        learner_id,
        lambda: api.call("PUT", f"/learners/{learner_id}/goals", role=Role.SERVICE, json=body),
    )
    assert "error" not in outcome, repr(outcome.get("error"))
    assert outcome["result"].status_code == 200, outcome["result"].text
    assert counts(graph)["learners"] == 1


def test_a_plan_made_before_the_erase_is_never_cached_after_it(
    api: Api, curriculum: SyntheticCurriculum, redis_client: redis.Redis
) -> None:
    """A drain, a batch chunk or a request that read the learner before the erase committed caches its plan
    after the erase dropped the key: the hit path served it, as fresh (the answer stamp was dropped too),
    for a week. The erase leaves a dated mark that refuses every plan made before it."""
    log = make_answers(curriculum, 1, 30, seed=13)
    (learner_id,) = {row["learner_id"] for row in log}
    assert api.call("POST", "/answers", role=Role.SERVICE, json=log[:20]).status_code == 200
    assert api.call("GET", f"/learners/{learner_id}/next-tasks", role=Role.SERVICE).status_code == 200
    cache = PlanCache(redis_client)
    made_before = cache.get(learner_id)  # as a worker that read the learner before the erase holds it
    assert made_before is not None

    assert api.call("DELETE", f"/learners/{learner_id}", role=Role.SERVICE).status_code == 200
    assert cache.get(learner_id) is None
    assert cache.put(made_before) is False  # an on-demand drain or a request finishing late
    assert cache.put_json_many([(learner_id, made_before.to_json())]) == 0  # a batch chunk
    assert cache.get(learner_id) is None
    served = api.call("GET", f"/learners/{learner_id}/next-tasks", role=Role.SERVICE)
    never_seen = api.call("GET", "/learners/never-seen/next-tasks", role=Role.SERVICE)
    assert served.status_code == never_seen.status_code != 200, served.text

    # A new learner of the same id: plans made from now on are cached and served as usual.
    assert api.call("POST", "/answers", role=Role.SERVICE, json=log[20:]).status_code == 200
    fresh = api.call("GET", f"/learners/{learner_id}/next-tasks", role=Role.SERVICE)
    assert fresh.status_code == 200, fresh.text
    cached = cache.get(learner_id)
    assert cached is not None and cached.created_at > made_before.created_at
