"""Long random sequences of the learner side's requests against the real app on the real Neo4j and Redis,
checked after every step against a plain-Python model: classes and rosters, teacher keys and their scopes,
goals, interests, answers (those after an erasure too), a learner's export and erasure, and every role's
refusals (docs/api.md, "Keys and roles" and "Teacher keys scoped to classes"; docs/learner-data.md).

A service key and an admin key send rosters, class names, goals, interests and answers and erase learners;
the admin key also exports learners, reads the trails and changes, revokes and issues teacher keys (scoped,
rescoped, unscoped); two teacher keys read; a designer key reads nothing of a learner. After each step:
each teacher lists exactly the stored learners and classes it may read (every one when unscoped), and any
other learner or class, stored or not, is the unknown one's 404 word for word; the service lists exactly
the stored learners with their answer counts; each roster and each class's trail are the model's (an
erased learner's id gone from the entries, their counts kept); the keys' trail holds one entry per teacher
key created, rescoped and revoked; each learner's export holds exactly the model's goals, interests,
mastery attempts, answers, classes and roster changes; and one of the roles' refusals (a 403 naming the
key's header, nothing changed). An erasure's counts equal what the export listed just before, and every
reader then gets the unknown learner's 404. Every refusal names its field; nothing answers 500
(model_machine.py).

CI runs a fixed number of derandomised examples (about 30 s on a loaded 2-core machine). To hunt longer:

    KGP_MODEL_EXAMPLES=200 KGP_MODEL_STEPS=40 KGP_MODEL_SEED=7 \\
        pytest -s tests/integration/api/test_learner_model.py
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable
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
# The tasks and the concepts each exercises; c0 carries the tag "geo" (an interest that matches something).
TASKS = {"t0": ["c0"], "t1": ["c1", "c2"]}
CONCEPT_IDS = ["c0", "c1", "c2"]
LEARNER_IDS = ["l0", "l1", "l2", "l3"]
BAD_LEARNER_ID = "l 9"  # whitespace: the id rule refuses it
CLASS_IDS = ["7A", "7B", "7C", "8D"]  # 8D is no teacher's: the only class a deletion can take
# The teachers' classes at the start of each example (an admin changes them: `rescope_teacher`).
TEACHERS = {"ms-a": ["7A"], "mr-b": ["7B", "7C"]}
BAD_TAG = "bad\u200btag"  # an invisible formatting character: refused
WRITERS = ["svc", "adm"]  # the keys that may send rosters, goals, interests and answers and erase
UNKNOWN = "nowhere"

learner_ids = st.sampled_from(LEARNER_IDS)
class_ids = st.sampled_from(CLASS_IDS)
teachers = st.sampled_from(sorted(TEACHERS))
writers = st.sampled_from(WRITERS)

# What each role may not do (docs/api.md, "Keys and roles"; docs/learner-data.md): a teacher key every write,
# the raw answers, the export, the trails, the keys and the jobs; a designer key anything of a learner or a
# class; a service key the export and the classes' trails (an admin's).
TEACHER_REFUSED = [
    ("PUT", "goals"),
    ("PUT", "interests"),
    ("DELETE", "learner"),
    ("POST", "answers"),
    ("GET", "answers"),
    ("GET", "export"),
    ("PUT", "roster"),
    ("PUT", "class"),
    ("DELETE", "class"),
    ("GET", "class audit"),
    ("PATCH", "key"),
    ("GET", "key audit"),
    ("GET", "jobs"),
    ("GET", "curriculum audit"),
]
DESIGNER_REFUSED = [*TEACHER_REFUSED[:-1], ("GET", "learners"), ("GET", "mastery")]
REFUSALS = [
    *((teacher, request) for request in TEACHER_REFUSED for teacher in sorted(TEACHERS)),
    *(("des", request) for request in DESIGNER_REFUSED),
    ("svc", ("GET", "export")),
    ("svc", ("GET", "class audit")),
    ("svc", ("PATCH", "key")),
    ("svc", ("GET", "key audit")),
]
REFUSAL_TURNS = itertools.count()  # over the whole run: a short example still moves on through them

RULES: Counter[str] = Counter()
OUTCOMES: Counter[str] = Counter()


@dataclass
class Learner:
    goals: set[str] = field(default_factory=set)
    interests: set[str] = field(default_factory=set)
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)  # event_id -> the posted row
    roster_changes: list[tuple[str, str]] = field(default_factory=list)  # (class_id, added|removed)

    def attempts(self) -> dict[str, int]:
        """MASTERY attempts per concept: each answer reaches the concepts its task exercises."""
        counts: Counter[str] = Counter()
        for answer in self.answers.values():
            counts.update(TASKS[answer["task_id"]])
        return dict(counts)


@dataclass
class Entry:
    """A roster audit entry as the trail should list it."""

    action: str
    added: set[str]
    removed: set[str]
    # The counts, which an erasure leaves as they were (it takes the learner's id out of `added_ids` and
    # `removed_ids` only).
    counts: tuple[int, int] = (0, 0)

    @classmethod
    def of(cls, action: str, added: set[str], removed: set[str]) -> Entry:
        return cls(action, set(added), set(removed), (len(added), len(removed)))


@dataclass
class Model:
    learners: dict[str, Learner] = field(default_factory=dict)
    classes: dict[str, set[str]] = field(default_factory=dict)  # stored classes -> their members
    names: dict[str, str | None] = field(default_factory=dict)
    trails: dict[str, list[Entry]] = field(default_factory=dict)  # class_id -> entries, oldest first
    scopes: dict[str, list[str]] = field(default_factory=dict)  # teacher key -> its classes (none: all)
    erased_events: set[str] = field(default_factory=set)

    def learner(self, learner_id: str) -> Learner:
        """The learner, created on first sight (a roster, goals, interests or an answer does)."""
        return self.learners.setdefault(learner_id, Learner())

    def visible(self, teacher: str) -> set[str]:
        """The stored learners a teacher key reads: the members of its classes."""
        if not self.scopes[teacher]:  # an unscoped teacher key reads every learner
            return set(self.learners)
        members = set().union(*(self.classes.get(c, set()) for c in self.scopes[teacher]))
        return members & set(self.learners)

    def readable_classes(self, teacher: str) -> set[str]:
        """The stored classes a teacher key reads: its own, or every one when unscoped."""
        scope = self.scopes[teacher]
        return set(self.classes) & set(scope) if scope else set(self.classes)

    def erase(self, learner_id: str) -> None:
        learner = self.learners.pop(learner_id)
        self.erased_events.update(learner.answers)
        for members in self.classes.values():
            members.discard(learner_id)
        for entries in self.trails.values():
            for entry in entries:
                entry.added.discard(learner_id)
                entry.removed.discard(learner_id)


class LearnerMachine(ApiMachine):
    """Drives the learner side of the API and keeps `Model` in step with what each answer says."""

    RULES = RULES
    OUTCOMES = OUTCOMES

    def __init__(self) -> None:
        super().__init__()
        self.model = Model(scopes={name: list(classes) for name, classes in TEACHERS.items()})
        for name, role in [("svc", Role.SERVICE), ("adm", Role.ADMIN), ("des", Role.DESIGNER)]:
            self.issue(name, role)
        # The teacher keys' entries in the keys' audit trail: (actor, action, key name, classes, before).
        self.key_trail: list[tuple[str, str, str, list[str], list[str] | None]] = []
        for name, classes in TEACHERS.items():
            self.issue(name, Role.TEACHER, classes)
            self.key_trail.append(("tests", "create", name, classes, None))
        self.events = 0
        self.turn = 0  # which learner the teachers' invariant reads
        self.posted: dict[str, dict[str, Any]] = {}  # event_id -> row, erased ones too
        self.import_curriculum()

    def import_curriculum(self) -> None:
        response = self.call("des", "POST", "/curricula", json={"id": CURRICULUM, "name": "Maths"})
        self.expect(response, 201)
        document = {
            "concepts": [
                {"id": cid, "name": cid.upper(), "tags": ["geo"] if cid == "c0" else []}
                for cid in CONCEPT_IDS
            ],
            "prerequisites": [{"prerequisite": "c0", "concept": "c1", "weight": 1.0}],
            "tasks": [
                {"id": tid, "title": f"Task {tid}", "kind": "quiz", "concepts": cids}
                for tid, cids in TASKS.items()
            ],
        }
        self.expect(self.call("des", "POST", f"/curricula/{CURRICULUM}/import", json=document), 200)

    def refused(self, response: httpx.Response, status: int, field: str, detail: str | None = None) -> None:
        self.expect(response, status)
        problem = response.json()
        assert problem["field"] == field, response.text
        if detail is not None:
            assert problem["detail"] == detail, response.text

    def unknown_learner(self, response: httpx.Response, learner_id: str) -> None:
        """The unknown learner's 404, word for word (docs/api.md: a scoped key's out-of-scope answer)."""
        self.refused(response, 404, "learner_id", f"learner {learner_id!r} does not exist")

    # --- classes and rosters --------------------------------------------------------------------------

    @rule(
        who=writers,
        class_id=class_ids,
        members=st.lists(learner_ids, max_size=3),
        bad=st.sampled_from([False, False, False, True]),
    )
    def put_roster(self, who: str, class_id: str, members: list[str], bad: bool) -> None:
        RULES["put_roster"] += 1
        ids = [*members, BAD_LEARNER_ID] if bad else members
        response = self.call(who, "PUT", f"/classes/{class_id}/learners", json={"learner_ids": ids})
        if bad:
            self.refused(response, 422, f"learner_ids.{len(members)}")
            return
        self.expect(response, 200)
        before = self.model.classes.get(class_id, set())
        after = set(members)
        created = [lid for lid in after if lid not in self.model.learners]
        assert response.json() == {
            "class_id": class_id,
            "members": len(after),
            "added": len(after - before),
            "removed": len(before - after),
            "created": len(created),
        }, response.text
        for lid in after:
            self.model.learner(lid)
        if class_id not in self.model.classes:
            self.model.names[class_id] = None
        if after != before or class_id not in self.model.classes:
            self.model.trails.setdefault(class_id, []).append(
                Entry.of("replace", after - before, before - after)
            )
        for lid in sorted(after - before):
            self.model.learners[lid].roster_changes.append((class_id, "added"))
        for lid in sorted(before - after):
            self.model.learners[lid].roster_changes.append((class_id, "removed"))
        self.model.classes[class_id] = after

    @rule(who=writers, class_id=class_ids, name=st.sampled_from(["Year 7", "Set B", None, " "]))
    def name_class(self, who: str, class_id: str, name: str | None) -> None:
        RULES["name_class"] += 1
        response = self.call(who, "PUT", f"/classes/{class_id}", json={"name": name})
        if name == " ":
            self.refused(response, 422, "name")
            return
        self.expect(response, 200)
        # A class named on first sight is created, empty, and the entry says so (as a new roster's does).
        new = class_id not in self.model.classes
        members = self.model.classes.setdefault(class_id, set())
        assert response.json() == {"class_id": class_id, "name": name, "members": len(members)}
        if new or self.model.names[class_id] != name:
            self.model.trails.setdefault(class_id, []).append(Entry.of("rename", set(), set()))
        self.model.names[class_id] = name

    @rule(who=writers, class_id=class_ids)
    def delete_class(self, who: str, class_id: str) -> None:
        RULES["delete_class"] += 1
        response = self.call(who, "DELETE", f"/classes/{class_id}")
        holders = sorted(t for t, classes in self.model.scopes.items() if class_id in classes)
        if class_id not in self.model.classes:
            self.refused(response, 404, "class_id", f"class {class_id!r} does not exist")
        elif holders:
            self.refused(response, 409, "class_id")
            assert sorted(k["name"] for k in response.json()["keys"]) == holders, response.text
        else:
            self.expect(response, 200)
            members = self.model.classes.pop(class_id)
            del self.model.names[class_id]
            assert response.json()["members"] == len(members), response.text
            self.model.trails.setdefault(class_id, []).append(Entry.of("delete", set(), members))
            for lid in sorted(members):
                self.model.learners[lid].roster_changes.append((class_id, "removed"))

    @rule(
        teacher=teachers,
        form=st.sampled_from(["classes", "classes", "add_classes", "remove_classes", "unscoped"]),
        classes=st.lists(class_ids, max_size=2, unique=True),
    )
    def rescope_teacher(self, teacher: str, form: str, classes: list[str]) -> None:
        """An admin changes a teacher key's classes: the whole new list, classes added or removed, or none
        (`unscoped`: every learner). An empty list is a 422; removing every class, or adding or removing
        one on an unscoped key, a 409 (a key with none is not one reading everyone, and the reverse)."""
        RULES[f"rescope_teacher {form}"] += 1
        path = f"/api-keys/{self.key_ids[teacher]}"
        body: dict[str, Any] = {"unscoped": True} if form == "unscoped" else {form: classes}
        response = self.call("adm", "PATCH", path, json=body)
        held = self.model.scopes[teacher]
        after = {
            "classes": classes,
            "add_classes": list(dict.fromkeys([*held, *classes])),
            "remove_classes": [c for c in held if c not in classes],
            "unscoped": [],
        }[form]
        if form != "unscoped" and not classes:
            self.refused(response, 422, form)
        elif form in ("add_classes", "remove_classes") and not held:
            self.refused(response, 409, form)
        elif form != "unscoped" and not after:
            self.refused(response, 409, "remove_classes")
        else:
            self.expect(response, 200)
            body = response.json()
            assert body["classes"] == after, response.text
            unsent = [c for c in after if c not in self.model.classes]
            assert body["classes_without_roster"] == unsent, response.text
            if after != held:  # the classes it holds again change nothing, and write no entry
                self.key_trail.append((self.actors["adm"], "update", teacher, after, held))
            self.model.scopes[teacher] = after

    @rule(teacher=teachers)
    def rotate_teacher_key(self, teacher: str) -> None:
        """An admin revokes a teacher's key and issues a new one with its classes: the old secret is a 401
        at once (this process), and the revoked key no longer holds its classes against a deletion."""
        RULES["rotate_teacher_key"] += 1
        old = self.keys[teacher]
        self.expect(self.call("adm", "DELETE", f"/api-keys/{self.key_ids[teacher]}"), 200)
        body = {"name": teacher, "role": "teacher", "classes": self.model.scopes[teacher] or None}
        response = self.call("adm", "POST", "/api-keys", json=body)
        self.expect(response, 201)
        issued = response.json()
        assert issued["classes"] == self.model.scopes[teacher], response.text
        self.keys[teacher], self.key_ids[teacher] = issued["secret"], issued["id"]
        scope = self.model.scopes[teacher]
        self.key_trail.append((self.actors["adm"], "revoke", teacher, scope, None))
        self.key_trail.append((self.actors["adm"], "create", teacher, scope, None))
        refused = self.client.get("/learners", headers={"X-API-Key": old})
        assert refused.status_code == 401 and refused.json()["field"] == "X-API-Key", refused.text

    # --- goals, interests, answers --------------------------------------------------------------------

    @rule(
        who=writers, learner=learner_ids, goals=st.lists(st.sampled_from([*CONCEPT_IDS, UNKNOWN]), max_size=2)
    )
    def put_goals(self, who: str, learner: str, goals: list[str]) -> None:
        RULES["put_goals"] += 1
        response = self.call(who, "PUT", f"/learners/{learner}/goals", json={"concept_ids": goals})
        if UNKNOWN in goals:
            self.expect(response, 422)
            return
        self.expect(response, 200)
        assert response.json()["goals"] == sorted(set(goals)), response.text
        self.model.learner(learner).goals = set(goals)

    @rule(
        who=writers,
        learner=learner_ids,
        tags=st.lists(st.sampled_from(["geo", "Art", "music", BAD_TAG]), max_size=2),
    )
    def put_interests(self, who: str, learner: str, tags: list[str]) -> None:
        RULES["put_interests"] += 1
        response = self.call(who, "PUT", f"/learners/{learner}/interests", json={"tags": tags})
        if BAD_TAG in tags:
            self.refused(response, 422, f"tags.{tags.index(BAD_TAG)}")
            return
        self.expect(response, 200)
        want = set(tags)  # kept as sent (the planner matches them whatever their case)
        assert set(response.json()["interests"]) == want, response.text
        self.model.learner(learner).interests = want

    @rule(
        who=writers,
        learner=learner_ids,
        task=st.sampled_from(sorted(TASKS)),
        kinds=st.lists(st.sampled_from(["new", "new", "replay", "erased"]), min_size=1, max_size=2),
        day=st.integers(1, 28),
    )
    def post_answers(self, who: str, learner: str, task: str, kinds: list[str], day: int) -> None:
        """A batch of new answers, replays of stored ones (duplicates) and of erased ones (rejected as
        `erased`; a batch of nothing else is a 409), so that answers come after erasures too."""
        stored = sorted((e, lid) for lid, lr in self.model.learners.items() for e in lr.answers)
        erased = sorted(self.model.erased_events)
        rows, expected = [], []
        for i, kind in enumerate(kinds):
            if kind == "replay" and stored:
                event, owner = stored[(day + i) % len(stored)]
                rows.append(self.model.learners[owner].answers[event])
                expected.append("duplicate")
            elif kind == "erased" and erased:
                rows.append(self.posted[erased[(day + i) % len(erased)]])
                expected.append("erased")
            else:
                self.events += 1
                rows.append(
                    {
                        "event_id": f"e{self.events}",
                        "learner_id": learner,
                        "task_id": task,
                        "correct": (day + i) % 3 != 0,
                        "answered_at": f"2026-03-{(day + 5 * i) % 28 + 1:02d}T08:00:00Z",
                    }
                )
                expected.append("accepted")
            RULES[f"post_answers {expected[-1]}"] += 1
        if len({row["event_id"] for row in rows}) < len(rows):
            return  # the same stored row twice: a batch-internal duplicate, test_curriculum_model's part
        response = self.call(who, "POST", "/answers", json=rows)
        if set(expected) == {"erased"}:
            self.refused(response, 409, "event_id")
            return
        self.expect(response, 200)
        result = response.json()
        pairs = list(zip(rows, expected, strict=True))
        by_kind = {k: [r["event_id"] for r, e in pairs if e == k] for k in expected}
        assert sorted(result["accepted"]) == sorted(by_kind.get("accepted", [])), response.text
        assert sorted(result["duplicates"]) == sorted(by_kind.get("duplicate", [])), response.text
        assert sorted((r["index"], r["reason"]) for r in result["rejected"]) == [
            (i, "erased") for i, e in enumerate(expected) if e == "erased"
        ], response.text
        for row in (r for r, e in pairs if e == "accepted"):
            self.model.learner(learner).answers[row["event_id"]] = row
            self.posted[row["event_id"]] = row

    # --- erasure --------------------------------------------------------------------------------------

    @rule(who=writers, data=st.data())
    def erase_learner(self, who: str, data: st.DataObject) -> None:
        stored = sorted(self.model.learners)
        if stored and data.draw(st.integers(0, 3), label="stored?"):  # mostly one there is
            learner = data.draw(st.sampled_from(stored), label="learner")
        else:
            learner = data.draw(st.sampled_from([*LEARNER_IDS, UNKNOWN]), label="learner")
        RULES["erase_learner"] += 1
        exported = self.export(learner) if learner in self.model.learners else None
        response = self.call(who, "DELETE", f"/learners/{learner}")
        if exported is None:
            self.expect(response, 404)
            assert response.json()["field"] == "learner_id", response.text
            return
        self.expect(response, 200)
        assert response.json() == {
            "learner_id": learner,
            "answers": len(exported["answers"]),
            "mastery": len(exported["mastery"]),
            "plans": len(exported["plans"]),
            "redis_cleared": True,
        }, response.text
        self.model.erase(learner)
        # Nothing of theirs is read back: the same 404 to every reader, the export's included.
        for reader, route in [
            ("svc", "goals"),
            ("svc", "interests"),
            ("svc", "mastery"),
            ("svc", "next-tasks"),
            ("svc", "answers"),
            ("adm", "export"),
        ]:
            self.unknown_learner(self.call(reader, "GET", f"/learners/{learner}/{route}"), learner)

    # --- reads ----------------------------------------------------------------------------------------

    @rule(
        teacher=teachers,
        learner=st.sampled_from([*LEARNER_IDS, UNKNOWN]),
        route=st.sampled_from(["mastery", "goals", "interests", "report", "report.png", "next-tasks"]),
    )
    def teacher_reads_learner(self, teacher: str, learner: str, route: str) -> None:
        RULES[f"teacher reads {route}"] += 1
        params = {"curriculum_id": CURRICULUM} if route == "next-tasks" else None
        response = self.call(teacher, "GET", f"/learners/{learner}/{route}", params=params)
        if learner in self.model.visible(teacher):
            self.expect(response, 200)
        else:
            self.unknown_learner(response, learner)

    @rule(teacher=teachers, class_id=class_ids)
    def teacher_reads_class(self, teacher: str, class_id: str) -> None:
        RULES["teacher reads roster"] += 1
        response = self.call(teacher, "GET", f"/classes/{class_id}/learners")
        if class_id in self.model.readable_classes(teacher):
            self.expect(response, 200)
            assert response.json()["learner_ids"] == sorted(self.model.classes[class_id]), response.text
        else:
            self.refused(response, 404, "class_id", f"class {class_id!r} does not exist")

    @rule(
        teacher=teachers,
        what=st.sampled_from(["learners", "classes"]),
        limit=st.integers(1, 2),
        prefix=st.sampled_from(["", "", "l", "l1", "7"]),
        since=st.sampled_from([None, None, 10, 20]),
    )
    def teacher_pages(self, teacher: str, what: str, limit: int, prefix: str, since: int | None) -> None:
        """A teacher pages through its learners (those whose id starts with `prefix`; with `since`, those
        who answered on or after that day of March) or its classes, `limit` at a time (a scoped key's page
        is picked in Python): each once, in id order."""
        RULES[f"teacher pages {what}"] += 1
        query: dict[str, Any] = {"prefix": prefix} if prefix else {}
        if what == "learners":
            want = sorted(lid for lid in self.model.visible(teacher) if lid.startswith(prefix))
            if since is not None:
                day = f"2026-03-{since:02d}T00:00:00Z"
                query["active_since"] = day
                answers = {lid: self.model.learners[lid].answers.values() for lid in want}
                want = [lid for lid in want if any(a["answered_at"] >= day for a in answers[lid])]
        else:
            want, query = sorted(self.model.readable_classes(teacher)), {}
        got: list[str] = []
        after = ""
        for _ in range(len(LEARNER_IDS) + len(CLASS_IDS) + 2):  # more pages than ids
            params = {"limit": limit, "after": after, **query}
            body = self.call(teacher, "GET", f"/{what}", params=params).json()
            got += [item["learner_id" if what == "learners" else "class_id"] for item in body["items"]]
            if body["next_after"] is None:
                break
            after = body["next_after"]
        assert got == want, (teacher, what, limit, query, got)

    @rule(learner=learner_ids)
    def service_reads_next_tasks(self, learner: str) -> None:
        """A service's read makes and stores a plan (derived data the export lists and the erase removes)."""
        RULES["service reads next-tasks"] += 1
        response = self.call(
            "svc", "GET", f"/learners/{learner}/next-tasks", params={"curriculum_id": CURRICULUM}
        )
        if learner in self.model.learners:
            self.expect(response, 200)
        else:
            self.unknown_learner(response, learner)

    # --- the roles' refusals --------------------------------------------------------------------------

    def refusal(self, method: str, what: str, learner: str) -> tuple[str, Any]:
        """The path and body of one of `REFUSALS`' requests about `learner`."""
        self.events += 1
        answer = {
            "event_id": f"e{self.events}",
            "learner_id": learner,
            "task_id": "t0",
            "correct": True,
            "answered_at": "2026-03-01T08:00:00Z",
        }
        path, body = {
            "goals": (f"/learners/{learner}/goals", {"concept_ids": ["c0"]}),
            "interests": (f"/learners/{learner}/interests", {"tags": ["geo"]}),
            "learner": (f"/learners/{learner}", None),
            "answers": ("/answers", [answer]) if method == "POST" else (f"/learners/{learner}/answers", None),
            "export": (f"/learners/{learner}/export", None),
            "mastery": (f"/learners/{learner}/mastery", None),
            "learners": ("/learners", None),
            "roster": ("/classes/7A/learners", {"learner_ids": [learner]}),
            "class": ("/classes/7A", {"name": "X"}),
            "class audit": ("/classes/7A/audit", None),
            "key": (f"/api-keys/{self.key_ids['ms-a']}", {"classes": ["7B"]}),
            "key audit": ("/api-keys/audit", None),
            "jobs": ("/jobs", None),
            "curriculum audit": (f"/curricula/{CURRICULUM}/audit", None),
        }[what]
        return path, body

    @invariant()
    def one_refusal_a_step(self) -> None:
        """One of `REFUSALS` a step, in turn (an invariant, not a rule, so that a short run tries them all):
        a 403 naming the key's header, and nothing changed, which the other invariants show."""
        turn = next(REFUSAL_TURNS)
        who, (method, what) = REFUSALS[turn % len(REFUSALS)]
        learner = LEARNER_IDS[turn % len(LEARNER_IDS)]
        RULES[f"refused {who} {method} {what}"] += 1
        path, body = self.refusal(method, what, learner)
        self.refused(self.call(who, method, path, json=body), 403, "X-API-Key")

    # --- invariants -----------------------------------------------------------------------------------

    def export(self, learner: str) -> dict[str, Any]:
        response = self.call("adm", "GET", f"/learners/{learner}/export")
        self.expect(response, 200)
        document: dict[str, Any] = response.json()
        return document

    def answer_counts(self, learners: Iterable[str]) -> dict[str, int]:
        return {lid: len(self.model.learners[lid].answers) for lid in learners}

    @invariant()
    def teachers_read_exactly_their_classes_learners(self) -> None:
        """Each teacher lists exactly the stored members of its classes and its stored classes; one learner
        of the pool a step (in turn) is read by each, as 200 or the unknown learner's 404."""
        self.turn += 1
        learner = LEARNER_IDS[self.turn % len(LEARNER_IDS)]
        for teacher in TEACHERS:
            visible = self.model.visible(teacher)
            listed = self.call(teacher, "GET", "/learners", params={"limit": 500})
            self.expect(listed, 200)
            assert {item["learner_id"] for item in listed.json()["items"]} == visible, (teacher, listed.text)
            classes = self.call(teacher, "GET", "/classes")
            stored = self.model.readable_classes(teacher)
            assert {item["class_id"] for item in classes.json()["items"]} == stored, (teacher, classes.text)
            # What the key is told of itself: its classes, each named (null: unnamed or never sent), and
            # those never sent (or deleted since).
            me = self.call(teacher, "GET", "/api-keys/me").json()
            scope = self.model.scopes[teacher]
            assert me["classes"] == scope, me
            assert me["class_names"] == {c: self.model.names.get(c) for c in scope}, me
            assert me["classes_without_roster"] == [c for c in scope if c not in self.model.classes], me
            response = self.call(teacher, "GET", f"/learners/{learner}/goals")
            if learner in visible:
                self.expect(response, 200)
                assert set(response.json()["goals"]) == self.model.learners[learner].goals, response.text
            else:
                self.unknown_learner(response, learner)

    @invariant()
    def key_trail_equals_the_model(self) -> None:
        """The keys' trail holds one entry per teacher key created, revoked and rescoped, with its classes."""
        trail = self.call("adm", "GET", "/api-keys/audit", params={"limit": 500}).json()["items"]
        got = [
            (i["actor"], i["action"], i["key_name"], i["classes"], i["classes_before"])
            for i in trail
            if i["role"] == "teacher"
        ]
        assert got == self.key_trail[::-1], (got, self.key_trail)

    @invariant()
    def rosters_and_trails_equal_the_model(self) -> None:
        """Each stored class's roster and name; each trail (its learners' ids and counts, newest first)."""
        for class_id in sorted(self.model.classes):
            body = self.call("svc", "GET", f"/classes/{class_id}/learners").json()
            assert body["learner_ids"] == sorted(self.model.classes[class_id]), body
            assert body["name"] == self.model.names[class_id], body
            counts = {m["learner_id"]: m["answers"] for m in body["members"]}
            assert counts == self.answer_counts(self.model.classes[class_id]), body
        for class_id, entries in sorted(self.model.trails.items()):
            trail = self.call("adm", "GET", f"/classes/{class_id}/audit", params={"limit": 500})
            assert trail.json()["total"] == len(entries), trail.text
            got = [
                (i["action"], sorted(i["added_ids"]), sorted(i["removed_ids"]), (i["added"], i["removed"]))
                for i in trail.json()["items"]
            ]
            want = [(e.action, sorted(e.added), sorted(e.removed), e.counts) for e in reversed(entries)]
            assert got == want, (class_id, got, want)

    @invariant()
    def each_export_is_the_model(self) -> None:
        """The service lists exactly the stored learners, and each one's export holds exactly the model's
        goals, interests, mastery attempts, answers, classes and roster changes."""
        listed = self.call("svc", "GET", "/learners", params={"limit": 500})
        counts = {item["learner_id"]: item["answers"] for item in listed.json()["items"]}
        assert counts == self.answer_counts(self.model.learners), listed.text
        for learner, model in sorted(self.model.learners.items()):
            document = self.export(learner)
            assert document["learner_id"] == learner
            assert set(document["goals"]) == model.goals, document
            assert set(document["interests"]) == model.interests, document
            assert {m["concept_id"]: m["attempts"] for m in document["mastery"]} == model.attempts(), document
            assert {a["event_id"]: a["task_id"] for a in document["answers"]} == {
                e: a["task_id"] for e, a in model.answers.items()
            }, document
            classes = {c: self.model.names[c] for c, held in self.model.classes.items() if learner in held}
            assert {c["class_id"]: c["name"] for c in document["classes"]} == classes, document
            got = sorted((r["class_id"], r["change"]) for r in document["roster_changes"])
            assert got == sorted(model.roster_changes), (learner, got)


def test_random_learner_sequences_keep_the_api_equal_to_the_model(
    app_client: TestClient, graph: Graph, redis_client: redis.Redis
) -> None:
    run_machine(LearnerMachine, app_client, graph, redis_client, examples=18, steps=20)
