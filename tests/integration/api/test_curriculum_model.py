"""Long random sequences of designers' and a service's requests against the real app on the real Neo4j and
Redis, checked after every step against a plain-Python model of what the graph should hold.

Two designer keys edit one curriculum (concepts, prerequisites, tasks, imports), each with the ETags it
last read, so that one's edit makes the other's ETag stale; a service key posts answers (new, repeated in a
batch, replayed, conflicting, on unknown tasks, malformed) and sets goals. After each step: the export
equals the model, the graph has no prerequisite cycle, the curriculum's audit trail holds one entry per
accepted change naming its key, and each learner's mastery `attempts` and goals equal the model's. A
refused request (4xx) must name its field and change nothing, which the same comparisons show.

CI runs a fixed number of derandomised examples (under ~90 s). To hunt longer:

    KGP_MODEL_EXAMPLES=300 KGP_MODEL_STEPS=40 KGP_MODEL_SEED=7 \\
        pytest -s tests/integration/api/test_curriculum_model.py

(the machine's plumbing and the run: model_machine.py).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
import redis
from fastapi.testclient import TestClient
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from kgplatform.auth.models import Role
from kgplatform.graph.driver import Graph
from tests.integration.api.model_machine import ApiMachine, run_machine

CURRICULUM = "m"
CONCEPT_IDS = [f"c{i}" for i in range(5)]
SEED_CONCEPTS = CONCEPT_IDS[:3]  # what each example starts with (`import_seed`)
TASK_IDS = [f"t{i}" for i in range(3)]
LEARNER_IDS = ["l0", "l1"]
DESIGNERS = ["ann", "bob"]
KINDS = ["exercise", "quiz", "reading"]
UNKNOWN = "nowhere"

names = st.sampled_from(["Fractions", "Algebra", "Ratios", "Åreas", "Sets"])
weights = st.sampled_from([0.5, 1.0, 2.0])
concept_ids = st.sampled_from(CONCEPT_IDS)
task_ids = st.sampled_from(TASK_IDS)
designers = st.sampled_from(DESIGNERS)
# fresh: read just before; seen: what this designer last read (maybe stale, maybe never); none: no If-Match
match_modes = st.sampled_from(["fresh", "fresh", "seen", "none"])

# Counts over every example of a run, printed at the end (the report of what was exercised).
RULES: Counter[str] = Counter()
OUTCOMES: Counter[str] = Counter()


@dataclass
class Seen:
    """An ETag a designer read and the model's change stamp of that entity at that moment."""

    etag: str
    stamp: int


@dataclass
class Model:
    """What the curriculum and the learners should hold: the plain-Python truth the API is checked against."""

    concepts: dict[str, dict[str, Any]] = field(default_factory=dict)
    edges: dict[tuple[str, str], float] = field(default_factory=dict)
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Every accepted change moves an entity's stamp; an ETag read at another stamp is stale.
    stamps: Counter[tuple[str, ...]] = field(default_factory=Counter)
    clock: int = 0
    seen: dict[str, dict[tuple[str, ...], Seen]] = field(default_factory=lambda: defaultdict(dict))
    audit: list[tuple[str, ...]] = field(default_factory=list)  # (actor, action, entity_type, entity_id)
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)  # event_id -> the stored row
    # (learner, concept) -> MASTERY attempts, as last traced (at the learner's last stored answer)
    attempts: Counter[tuple[str, str]] = field(default_factory=Counter)
    goals: dict[str, set[str]] = field(default_factory=dict)

    def touch(self, *keys: tuple[str, ...]) -> None:
        self.clock += 1
        for key in keys:
            self.stamps[key] = self.clock

    def fresh(self, designer: str, key: tuple[str, ...]) -> bool:
        seen = self.seen[designer].get(key)
        return seen is not None and seen.stamp == self.stamps[key]

    def reaches(self, start: str, goal: str) -> bool:
        """Whether a path of prerequisite edges leads from `start` to `goal`."""
        todo, done = [start], set()
        while todo:
            node = todo.pop()
            if node == goal:
                return True
            if node not in done:
                done.add(node)
                todo.extend(c for (p, c) in self.edges if p == node)
        return False

    def needed(self, concept: str) -> bool:
        """A plain delete refuses a concept with dependants, a task exercising only it or a learner's goal."""
        return (
            any(p == concept for p, _ in self.edges)
            or any(t["concepts"] == [concept] for t in self.tasks.values())
            or any(concept in goals for goals in self.goals.values())
        )

    def remove_concept(self, concept: str) -> list[tuple[str, tuple[str, ...]]]:
        """What a delete (with or without cascade, once allowed) removes with the concept; returns the audit
        entry each removed edge and changed task gets (a task trimmed: `update`; left with none: `delete`)."""
        changed: list[tuple[str, tuple[str, ...]]] = []
        for edge in [e for e in self.edges if concept in e]:
            del self.edges[edge]
            self.touch(("edge", *edge), ("concept", edge[0]), ("concept", edge[1]))
            changed.append(("delete", ("edge", *edge)))
        for task_id, task in list(self.tasks.items()):
            if concept in task["concepts"]:
                task["concepts"] = [c for c in task["concepts"] if c != concept]
                changed.append(("update" if task["concepts"] else "delete", ("task", task_id)))
                if not task["concepts"]:
                    del self.tasks[task_id]
                self.touch(("task", task_id), *(("concept", c) for c in task["concepts"]))
        del self.concepts[concept]
        self.touch(("concept", concept))
        for goals in self.goals.values():
            goals.discard(concept)
        for key in [k for k in self.attempts if k[1] == concept]:
            del self.attempts[key]
        return changed

    def trace(self, learner: str) -> None:
        """A learner's mastery after an answer of theirs is stored: the replay of their whole history under
        the curriculum of that moment (an answer reaches the concepts its task exercises now:
        docs/tracing.md, "Curriculum changes")."""
        for key in [k for k in self.attempts if k[0] == learner]:
            del self.attempts[key]
        for answer in self.answers.values():
            if answer["learner_id"] == learner and answer["task_id"] in self.tasks:
                for cid in self.tasks[answer["task_id"]]["concepts"]:
                    self.attempts[(learner, cid)] += 1


class CurriculumMachine(ApiMachine):
    """Drives the app through its HTTP routes and keeps `Model` in step with what each answer says."""

    RULES = RULES
    OUTCOMES = OUTCOMES

    def __init__(self) -> None:
        super().__init__()
        self.model = Model()
        for name, role in [("ann", Role.DESIGNER), ("bob", Role.DESIGNER), ("svc", Role.SERVICE)]:
            self.issue(name, role)
        self.events = 0
        response = self.call("ann", "POST", "/curricula", json={"id": CURRICULUM, "name": "Maths"})
        assert response.status_code == 201, response.text
        self.accepted("ann", "create", ("curriculum", CURRICULUM))
        self.import_seed()

    def import_seed(self) -> None:
        """Three concepts, an edge and two tasks, so that answers and edits have something to reach."""
        concepts = {
            cid: {"name": cid.upper(), "description": "", "tags": [], "difficulty": None}
            for cid in SEED_CONCEPTS
        }
        tasks = {"t0": ["c0"], "t1": ["c1", "c2"]}
        document = {
            "concepts": [{"id": cid, **row} for cid, row in concepts.items()],
            "prerequisites": [{"prerequisite": "c0", "concept": "c1", "weight": 1.0}],
            "tasks": [
                {"id": tid, "title": f"Task {tid}", "kind": "quiz", "concepts": cids}
                for tid, cids in tasks.items()
            ],
        }
        response = self.call("bob", "POST", f"/curricula/{CURRICULUM}/import", json=document)
        assert response.status_code == 200, response.text
        self.model.concepts.update(concepts)
        self.model.edges[("c0", "c1")] = 1.0
        for tid, cids in tasks.items():
            self.model.tasks[tid] = {"title": f"Task {tid}", "kind": "quiz", "concepts": cids}
        self.accepted("bob", "import", ("curriculum", CURRICULUM))

    # --- plumbing -------------------------------------------------------------------------------------

    def read(self, who: str, key: tuple[str, ...], path: str, **kw: Any) -> httpx.Response:
        response = self.call(who, "GET", path, **kw)
        if response.status_code == 200:
            # A curriculum's ETag is its newest audit entry: it moves with every entry.
            stamp = len(self.model.audit) if key[0] == "curriculum" else self.model.stamps[key]
            self.model.seen[who][key] = Seen(response.headers["ETag"], stamp)
        return response

    def if_match(self, who: str, mode: str, key: tuple[str, ...], path: str, **kw: Any) -> str | None:
        """The If-Match a designer sends, and whether the model expects it to be current."""
        if mode == "fresh":
            self.read(who, key, path, **kw)
        if mode == "none" or key not in self.model.seen[who]:
            return None
        return self.model.seen[who][key].etag

    def guarded(
        self,
        who: str,
        mode: str,
        key: tuple[str, ...],
        method: str,
        path: str,
        *,
        params: Any = None,
        **kw: Any,
    ) -> tuple[httpx.Response, str | None, bool]:
        """A guarded edit of the entity at `path` (read there for a fresh ETag): the response, the If-Match
        sent, and whether the model holds that ETag current."""
        tag = self.if_match(who, mode, key, path, params=params)
        current = self.model.fresh(who, key)
        return self.call(who, method, path, if_match=tag, params=params, **kw), tag, current

    def past_the_guard(
        self, response: httpx.Response, exists: bool, tag: str | None, current: bool, missing: tuple[int, ...]
    ) -> bool:
        """Checks the refusals every guarded edit shares (`missing` for an entity the model does not hold, 428
        without an If-Match, 412 with a stale one); True when the edit got past them."""
        if not exists:
            self.expect(response, *missing)
        elif tag is None:
            self.expect(response, 428)
        elif not current:
            self.expect(response, 412)
        else:
            return True
        return False

    def pick(self, data: st.DataObject, stored: list[str], pool: list[str]) -> str:
        """Mostly a stored id (so that edits reach something), sometimes any id of the pool."""
        if stored and data.draw(st.integers(0, 3), label="stored?"):
            return data.draw(st.sampled_from(sorted(stored)))
        return data.draw(st.sampled_from(pool))

    def pick_edge(self, data: st.DataObject) -> tuple[str, str]:
        edges = [f"{p}>{c}" for p, c in self.model.edges]
        pool = [f"{p}>{c}" for p in CONCEPT_IDS for c in CONCEPT_IDS]
        p, c = self.pick(data, edges, pool).split(">")
        return p, c

    def has_trail(self, entity_type: str, entity_id: str) -> bool:
        return any(entry[2:] == (entity_type, entity_id) for entry in self.model.audit)

    def accepted(self, who: str, action: str, entity: tuple[str, ...]) -> None:
        kind, *ids = entity
        name = {"edge": "prerequisite"}.get(kind, kind)
        self.model.audit.append((self.actors[who], action, name, " -> ".join(ids)))

    # --- concepts -------------------------------------------------------------------------------------

    @rule(who=designers, cid=concept_ids, name=names)
    def create_concept(self, who: str, cid: str, name: str) -> None:
        RULES["create_concept"] += 1
        body = {"id": cid, "name": name, "tags": ["t"], "difficulty": 0.5}
        response = self.call(who, "POST", f"/curricula/{CURRICULUM}/concepts", json=body)
        if cid in self.model.concepts:
            self.expect(response, 409)
            return
        self.expect(response, 201)
        self.model.concepts[cid] = {"name": name, "description": "", "tags": ["t"], "difficulty": 0.5}
        self.model.touch(("concept", cid))
        self.model.seen[who][("concept", cid)] = Seen(
            response.headers["ETag"], self.model.stamps[("concept", cid)]
        )
        self.accepted(who, "create", ("concept", cid))

    @rule(who=designers, data=st.data())
    def read_concept(self, who: str, data: st.DataObject) -> None:
        cid = self.pick(data, list(self.model.concepts), CONCEPT_IDS)
        RULES["read_concept"] += 1
        response = self.read(who, ("concept", cid), f"/concepts/{cid}")
        self.expect(response, 200 if cid in self.model.concepts else 404)

    @rule(who=designers, data=st.data(), mode=match_modes, name=names, description=st.sampled_from(["", "d"]))
    def patch_concept(self, who: str, data: st.DataObject, mode: str, name: str, description: str) -> None:
        cid = self.pick(data, list(self.model.concepts), CONCEPT_IDS)
        RULES["patch_concept"] += 1
        key = ("concept", cid)
        body = {"name": name, "description": description}
        response, tag, current = self.guarded(who, mode, key, "PATCH", f"/concepts/{cid}", json=body)
        if self.past_the_guard(response, cid in self.model.concepts, tag, current, missing=(404, 428)):
            self.expect(response, 200)
            concept = self.model.concepts[cid]
            if (concept["name"], concept["description"]) != (name, description):  # else nothing to write
                concept.update(name=name, description=description)
                self.model.touch(key)
                self.accepted(who, "update", key)
            self.model.seen[who][key] = Seen(response.headers["ETag"], self.model.stamps[key])

    @rule(who=designers, data=st.data(), mode=match_modes, cascade=st.booleans())
    def delete_concept(self, who: str, data: st.DataObject, mode: str, cascade: bool) -> None:
        cid = self.pick(data, list(self.model.concepts), CONCEPT_IDS)
        RULES["delete_concept"] += 1
        key = ("concept", cid)
        response, tag, current = self.guarded(
            who, mode, key, "DELETE", f"/concepts/{cid}", params={"cascade": str(cascade).lower()}
        )
        if not self.past_the_guard(response, cid in self.model.concepts, tag, current, missing=(404, 428)):
            return
        if not cascade and self.model.needed(cid):
            self.expect(response, 409)
        else:
            self.expect(response, 200)
            for action, entity in self.model.remove_concept(cid):
                self.accepted(who, action, entity)
            self.accepted(who, "delete", key)

    # --- prerequisites --------------------------------------------------------------------------------

    @rule(who=designers, p=concept_ids, c=st.sampled_from([*CONCEPT_IDS, UNKNOWN]), weight=weights)
    def add_prerequisite(self, who: str, p: str, c: str, weight: float) -> None:
        RULES["add_prerequisite"] += 1
        body = {"prerequisite": p, "concept": c, "weight": weight}
        response = self.call(who, "POST", "/prerequisites", json=body)
        if p == c:
            self.expect(response, 422)
        elif p not in self.model.concepts or c not in self.model.concepts:
            self.expect(response, 404)
        elif (p, c) in self.model.edges:
            self.expect(response, 409)
        elif self.model.reaches(c, p):
            self.expect(response, 409)
            assert response.json()["cycle"][0] == p, response.text
        else:
            self.expect(response, 201)
            self.model.edges[(p, c)] = weight
            self.model.touch(("edge", p, c), ("concept", p), ("concept", c))
            self.model.seen[who][("edge", p, c)] = Seen(
                response.headers["ETag"], self.model.stamps[("edge", p, c)]
            )
            self.accepted(who, "create", ("edge", p, c))

    @rule(who=designers, data=st.data(), mode=match_modes, weight=weights)
    def reweight_prerequisite(self, who: str, data: st.DataObject, mode: str, weight: float) -> None:
        p, c = self.pick_edge(data)
        RULES["reweight_prerequisite"] += 1
        key = ("edge", p, c)
        params = {"prerequisite": p, "concept": c}
        response, tag, current = self.guarded(
            who, mode, key, "PATCH", "/prerequisites", params=params, json={"weight": weight}
        )
        if self.past_the_guard(response, (p, c) in self.model.edges, tag, current, missing=(404, 412, 428)):
            self.expect(response, 200)
            if self.model.edges[(p, c)] != weight:
                self.model.edges[(p, c)] = weight
                self.model.touch(key, ("concept", p), ("concept", c))
                self.accepted(who, "update", key)
            self.model.seen[who][key] = Seen(response.headers["ETag"], self.model.stamps[key])

    @rule(who=designers, data=st.data(), mode=match_modes)
    def remove_prerequisite(self, who: str, data: st.DataObject, mode: str) -> None:
        p, c = self.pick_edge(data)
        RULES["remove_prerequisite"] += 1
        key = ("edge", p, c)
        params = {"prerequisite": p, "concept": c}
        response, tag, current = self.guarded(who, mode, key, "DELETE", "/prerequisites", params=params)
        if (p, c) not in self.model.edges:
            self.expect(response, 404, 412)
        elif tag is not None and not current:  # an edge's removal may come without an If-Match
            self.expect(response, 412)
        else:
            self.expect(response, 204)
            del self.model.edges[(p, c)]
            self.model.touch(key, ("concept", p), ("concept", c))
            self.accepted(who, "delete", key)

    # --- tasks ----------------------------------------------------------------------------------------

    @rule(
        who=designers,
        tid=task_ids,
        concepts=st.lists(st.sampled_from([*CONCEPT_IDS, UNKNOWN]), min_size=1, max_size=3, unique=True),
        kind=st.sampled_from(KINDS),
    )
    def create_task(self, who: str, tid: str, concepts: list[str], kind: str) -> None:
        RULES["create_task"] += 1
        body = {"id": tid, "title": f"Task {tid}", "kind": kind, "concepts": concepts}
        response = self.call(who, "POST", f"/curricula/{CURRICULUM}/tasks", json=body)
        if tid in self.model.tasks:
            self.expect(response, 409, 404)
        elif any(c not in self.model.concepts for c in concepts):
            self.expect(response, 404, 422)
        else:
            self.expect(response, 201)
            self.model.tasks[tid] = {"title": f"Task {tid}", "kind": kind, "concepts": concepts}
            self.model.touch(("task", tid), *(("concept", c) for c in concepts))
            self.model.seen[who][("task", tid)] = Seen(
                response.headers["ETag"], self.model.stamps[("task", tid)]
            )
            self.accepted(who, "create", ("task", tid))

    @rule(
        who=designers,
        data=st.data(),
        mode=match_modes,
        concepts=st.lists(concept_ids, min_size=1, max_size=2, unique=True),
    )
    def patch_task(self, who: str, data: st.DataObject, mode: str, concepts: list[str]) -> None:
        tid = self.pick(data, list(self.model.tasks), TASK_IDS)
        RULES["patch_task"] += 1
        key = ("task", tid)
        response, tag, current = self.guarded(
            who, mode, key, "PATCH", f"/tasks/{tid}", json={"concepts": concepts}
        )
        if not self.past_the_guard(response, tid in self.model.tasks, tag, current, missing=(404, 428)):
            return
        if any(c not in self.model.concepts for c in concepts):
            self.expect(response, 404, 422)
        else:
            self.expect(response, 200)
            before = self.model.tasks[tid]["concepts"]
            if before != concepts:
                self.model.tasks[tid]["concepts"] = concepts
                self.model.touch(key, *(("concept", c) for c in {*before, *concepts}))
                self.accepted(who, "update", key)
            self.model.seen[who][key] = Seen(response.headers["ETag"], self.model.stamps[key])

    @rule(who=designers, data=st.data(), mode=match_modes)
    def delete_task(self, who: str, data: st.DataObject, mode: str) -> None:
        tid = self.pick(data, list(self.model.tasks), TASK_IDS)
        RULES["delete_task"] += 1
        key = ("task", tid)
        response, tag, current = self.guarded(who, mode, key, "DELETE", f"/tasks/{tid}")
        if self.past_the_guard(response, tid in self.model.tasks, tag, current, missing=(404, 428)):
            self.expect(response, 204)
            task = self.model.tasks.pop(tid)
            self.model.touch(key, *(("concept", c) for c in task["concepts"]))
            self.accepted(who, "delete", key)

    # --- imports --------------------------------------------------------------------------------------

    @rule(
        who=designers,
        concepts=st.dictionaries(concept_ids, names, max_size=2),
        edges=st.lists(st.tuples(st.sampled_from([*CONCEPT_IDS, UNKNOWN]), concept_ids), max_size=2),
        mode=st.sampled_from(["fresh", "seen", "none"]),
    )
    def import_curriculum(
        self, who: str, concepts: dict[str, str], edges: list[tuple[str, str]], mode: str
    ) -> None:
        """A merge import (the API's only kind: imports never delete) of a few concept and edge rows."""
        RULES["import_curriculum"] += 1
        key = ("curriculum", CURRICULUM)
        if mode == "fresh":
            self.read(who, key, f"/curricula/{CURRICULUM}/export")
        tag = None if mode == "none" else getattr(self.model.seen[who].get(key), "etag", None)
        current = tag is None or len(self.model.audit) == self.model.seen[who][key].stamp
        document = {
            "concepts": [{"id": cid, "name": name} for cid, name in concepts.items()],
            "prerequisites": [{"prerequisite": p, "concept": c} for p, c in dict.fromkeys(edges)],
        }
        response = self.call(who, "POST", f"/curricula/{CURRICULUM}/import", if_match=tag, json=document)
        known = {*self.model.concepts, *concepts}
        edges = list(dict.fromkeys(edges))
        after = {**self.model.edges, **{e: 1.0 for e in edges}}
        probe = Model(edges=after)
        bad = any(p == c or p not in known or c not in known for p, c in edges) or any(
            probe.reaches(c, p) for p, c in after
        )
        if bad:  # the rows are checked before the If-Match: a stale one may be either refusal
            self.expect(response, 422, 409, *(() if current else (412,)))
        elif not current:
            self.expect(response, 412)
        else:
            self.expect(response, 200)
            # One summary entry when anything changed, plus one per stored entity it updated, and one per
            # entity it created that has a trail already (removed earlier): its trail says who put it back.
            changed = False
            for cid, name in concepts.items():
                # A field left out keeps what is stored; a new concept gets the defaults.
                row = self.model.concepts.get(cid)
                if row is None or row["name"] != name:
                    changed = True
                    if row is not None or self.has_trail("concept", cid):
                        self.accepted(who, "import", ("concept", cid))
                    defaults = {"description": "", "tags": [], "difficulty": None}
                    self.model.concepts[cid] = {**(row or defaults), "name": name}
                    self.model.touch(("concept", cid))
            for p, c in edges:
                if (p, c) not in self.model.edges:
                    changed = True
                    if self.has_trail("prerequisite", f"{p} -> {c}"):
                        self.accepted(who, "import", ("edge", p, c))
                    self.model.edges[(p, c)] = 1.0
                    self.model.touch(("edge", p, c), ("concept", p), ("concept", c))
            if changed:
                self.accepted(who, "import", ("curriculum", CURRICULUM))

    # --- answers and goals ----------------------------------------------------------------------------

    @rule(
        kinds=st.lists(
            st.sampled_from(["new", "repeat", "replay", "conflict", "unknown_task", "malformed"]),
            min_size=1,
            max_size=4,
        ),
        learner=st.sampled_from(LEARNER_IDS),
        data=st.data(),
        day=st.integers(1, 28),
        correct=st.booleans(),
    )
    def post_answers(
        self, kinds: list[str], learner: str, data: st.DataObject, day: int, correct: bool
    ) -> None:
        task = self.pick(data, list(self.model.tasks), TASK_IDS)
        RULES["post_answers"] += 1
        rows: list[dict[str, Any]] = []
        expected: list[str] = []  # accepted / duplicate / rejected, per row
        batch_new: dict[str, dict[str, Any]] = {}
        for i, kind in enumerate(kinds):
            stored = list(self.model.answers)
            if kind == "repeat" and batch_new:
                rows.append(dict(next(iter(batch_new.values()))))
                expected.append("duplicate")
            elif kind in ("replay", "conflict") and stored:
                row = dict(self.model.answers[stored[(day + i) % len(stored)]])
                if kind == "conflict":
                    row["learner_id"] = "l9" if row["learner_id"] != "l9" else "l8"
                rows.append(row)
                expected.append("duplicate" if kind == "replay" else "rejected")
            elif kind == "malformed":
                self.events += 1
                rows.append({"event_id": f"e{self.events}", "learner_id": learner, "task_id": task})
                expected.append("rejected")
            else:
                self.events += 1
                tid = UNKNOWN if kind == "unknown_task" else task
                row = {
                    "event_id": f"e{self.events}",
                    "learner_id": learner,
                    "task_id": tid,
                    "correct": correct,
                    "answered_at": f"2026-03-{(day + 3 * i) % 28 + 1:02d}T08:00:00Z",
                }
                rows.append(row)
                if tid in self.model.tasks:
                    batch_new[row["event_id"]] = row
                    expected.append("accepted")
                else:
                    expected.append("rejected")
        response = self.call("svc", "POST", "/answers", json=rows)
        if "accepted" not in expected and "duplicate" not in expected:
            self.expect(response, 422, 409)
            return
        self.expect(response, 200)
        result = response.json()
        got_rejected = {r["index"] for r in result["rejected"]}
        want_rejected = {i for i, e in enumerate(expected) if e == "rejected"}
        assert got_rejected == want_rejected, (rows, result)
        want_accepted = [rows[i]["event_id"] for i, e in enumerate(expected) if e == "accepted"]
        want_duplicates = [rows[i]["event_id"] for i, e in enumerate(expected) if e == "duplicate"]
        assert sorted(result["accepted"]) == sorted(want_accepted), (rows, result)
        assert sorted(result["duplicates"]) == sorted(want_duplicates), (rows, result)
        for i, e in enumerate(expected):
            if e == "accepted":
                row = rows[i]
                self.model.answers[row["event_id"]] = row
                self.model.goals.setdefault(row["learner_id"], set())
        for learner_id in {rows[i]["learner_id"] for i, e in enumerate(expected) if e == "accepted"}:
            self.model.trace(learner_id)
        OUTCOMES["answers accepted"] += len(want_accepted)
        OUTCOMES["answers duplicate"] += len(want_duplicates)
        OUTCOMES["answers rejected"] += len(want_rejected)

    @rule(
        learner=st.sampled_from(LEARNER_IDS),
        goals=st.lists(st.sampled_from([*CONCEPT_IDS, UNKNOWN]), max_size=3),
    )
    def set_goals(self, learner: str, goals: list[str]) -> None:
        RULES["set_goals"] += 1
        response = self.call("svc", "PUT", f"/learners/{learner}/goals", json={"concept_ids": goals})
        if any(g not in self.model.concepts for g in goals):
            self.expect(response, 422)
        else:
            self.expect(response, 200)
            self.model.goals[learner] = set(goals)

    # --- invariants -----------------------------------------------------------------------------------

    @invariant()
    def export_equals_model(self) -> None:
        response = self.call("ann", "GET", f"/curricula/{CURRICULUM}/export")
        document = response.json()
        concepts = {
            c["id"]: {k: c[k] for k in ("name", "description", "tags", "difficulty")}
            for c in document["concepts"]
        }
        assert concepts == self.model.concepts
        assert {
            (e["prerequisite"], e["concept"]): e["weight"] for e in document["prerequisites"]
        } == self.model.edges
        tasks = {
            t["id"]: {"title": t["title"], "kind": t["kind"], "concepts": t["concepts"]}
            for t in document["tasks"]
        }
        assert {k: {**v, "concepts": sorted(v["concepts"])} for k, v in tasks.items()} == {
            k: {**v, "concepts": sorted(v["concepts"])} for k, v in self.model.tasks.items()
        }

    @invariant()
    def no_prerequisite_cycle(self) -> None:
        assert not any(self.model.reaches(c, p) for p, c in self.model.edges)

    @invariant()
    def one_audit_entry_per_accepted_change(self) -> None:
        response = self.call("ann", "GET", f"/curricula/{CURRICULUM}/audit", params={"limit": 200})
        items = response.json()["items"]
        # An import's entries share its transaction's instant, so their order among themselves is the ids'.
        entries = [(i["actor"], i["action"], i["entity_type"], i["entity_id"]) for i in items]
        assert sorted(entries) == sorted(self.model.audit)

    @invariant()
    def mastery_attempts_count_accepted_answers(self) -> None:
        for learner in LEARNER_IDS:
            response = self.call("svc", "GET", f"/learners/{learner}/mastery")
            if learner not in self.model.goals:
                self.expect(response, 404)
                continue
            got = {m["concept_id"]: m["attempts"] for m in response.json()["concepts"]}
            want = {c: n for (lid, c), n in self.model.attempts.items() if lid == learner and n}
            assert got == want, (learner, got, want)

    @invariant()
    def goals_equal_model(self) -> None:
        for learner, goals in self.model.goals.items():
            response = self.call("svc", "GET", f"/learners/{learner}/goals")
            assert set(response.json()["goals"]) == goals


def test_random_sequences_keep_the_graph_equal_to_the_model(
    app_client: TestClient, graph: Graph, redis_client: redis.Redis
) -> None:
    run_machine(CurriculumMachine, app_client, graph, redis_client, examples=30, steps=30)
