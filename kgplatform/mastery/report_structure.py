"""The curricula's structure as a learner's feedback report shows it (names, prerequisites, whether tasks
exercise a concept, tags), kept between requests while the curricula's stamps stay the same, and the
report's rows made from it and the learner's own part.

Reading 1,500 concepts' prerequisites, tasks and tags for every report was most of its time (about 60% of
a report's 250 ms on a busy 2-core machine, `bench/bench_report_read.py`), the same for every learner of a
curriculum. The stamps are those the planner trusts to call a plan stale (`planning/get_input_stamps`):
every edit and every import that changes something writes an audit entry, a curriculum's own changes move
its updated_at, and a change of which concepts tasks exercise bumps the structure's revision. The key holds
every curriculum's stamps, not only the learner's: a prerequisite or a task may link two curricula.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from kgplatform.single_flight import SingleFlight

T = TypeVar("T")
# The report graphs kept at most (`ReportStructures.graph`): a few curricula's combinations, and learners
# with concepts of their own; 0.24 MiB each at 1,500 concepts (tracemalloc).
GRAPHS = 64

# A concept as mastery/get_report_curricula lists it.
Concept = Sequence[Any]
# The learner's values of a concept they never practised (mastery/get_report_concepts' nulls).
NO_MASTERY: Mapping[str, Any] = {
    "p_mastery": None,
    "attempts": None,
    "correct": None,
    "model_version": None,
    "last_practised": None,
    "as_of": None,
    "updated_at": None,
    "goal": False,
    "p_practised": None,
}


class ReportStructures:
    """The structures read for one key (the curricula's stamps), shared by the API's threads; a new key
    drops them all. A curriculum without any stamp is read every time (nothing would tell its change)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: Hashable = None
        self._held: dict[str, list[Concept]] = {}
        self._graphs: dict[Hashable, Any] = {}
        # Reports that miss together (a class's, fetched at once after an edit) share one read of the same
        # curricula and one make of the same graph; each did its own until 7 December 2026.
        self._reads: SingleFlight[dict[str, list[Concept]]] = SingleFlight()
        self._makes: SingleFlight[Any] = SingleFlight()

    def curricula(
        self,
        key: Hashable,
        curriculum_ids: Iterable[str],
        read: Callable[[list[str]], Mapping[str, list[Concept]]],
        cacheable: Callable[[str], bool] = lambda _: True,
    ) -> dict[str, list[Concept]]:
        """The structure of each curriculum (its concepts, as get_report_curricula lists them), read with
        `read` for those not held for `key`. A curriculum deleted meanwhile is left out."""
        wanted = list(curriculum_ids)
        with self._lock:
            if key != self._key:
                self._key, self._held, self._graphs = key, {}, {}
            found = {cid: self._held[cid] for cid in wanted if cid in self._held}
        missing = [cid for cid in wanted if cid not in found]
        if missing:
            found.update(
                self._reads.run((key, tuple(missing)), lambda: self._read(key, missing, read, cacheable))
            )
        return found

    def _read(
        self,
        key: Hashable,
        missing: list[str],
        read: Callable[[list[str]], Mapping[str, list[Concept]]],
        cacheable: Callable[[str], bool],
    ) -> dict[str, list[Concept]]:
        fresh = dict(read(missing))
        with self._lock:
            # Read under `key`, so kept under it; a structure read after a change its stamps do not show
            # yet is newer than its key, and replaced once the key moves.
            if key == self._key:
                self._held.update({cid: rows for cid, rows in fresh.items() if cacheable(cid)})
        return fresh

    def graph(self, key: Hashable, shown: Hashable, make: Callable[[], T]) -> T:
        """What `make` computes from the structure of the curricula `shown` (with the learner's concepts
        no curriculum holds, in `shown` too), kept for `key` as the structures are: the report's
        prerequisites and their order (`feedback.ReportGraph`), the same for every learner of those
        curricula. At most GRAPHS kept: learners with concepts outside any curriculum each have their own."""
        with self._lock:
            if key == self._key and shown in self._graphs:
                return self._graphs[shown]
        return self._makes.run((key, shown), lambda: self._make_graph(key, shown, make))

    def _make_graph(self, key: Hashable, shown: Hashable, make: Callable[[], T]) -> T:
        made = make()
        with self._lock:
            if key == self._key:
                if len(self._graphs) >= GRAPHS:
                    self._graphs.clear()
                self._graphs[shown] = made
        return made

    def clear(self) -> None:
        with self._lock:
            self._key, self._held, self._graphs = None, {}, {}


def report_rows(
    own: Sequence[Mapping[str, Any]], loose: Iterable[Concept], curricula: Iterable[Sequence[Concept]]
) -> list[dict[str, Any]]:
    """The rows mastery/get_report_concepts gave (`MasteryStore.report_concepts`): every concept of the
    curricula and the learner's own (`own`, with `loose` for those no curriculum holds), each once, with
    the learner's values where they have mastery or a goal, in the order Neo4j sorts ids (UTF-16 code
    units: the report breaks some ties in this order)."""
    structure: dict[str, Concept] = {}
    for concepts in curricula:
        for concept in concepts:
            structure.setdefault(concept[0], concept)
    for concept in loose:
        structure.setdefault(concept[0], concept)
    mine = {row["concept_id"]: row for row in own}
    rows = []
    for concept_id in sorted(structure, key=lambda cid: cid.encode("utf-16-be", "surrogatepass")):
        _, name, curriculum_id, prerequisites, has_tasks, tags = structure[concept_id]
        learner = mine.get(concept_id, NO_MASTERY)
        rows.append(
            {
                "concept_id": concept_id,
                "name": name,
                "curriculum_id": curriculum_id,
                **{k: learner[k] for k in NO_MASTERY},
                "prerequisites": prerequisites,
                "has_tasks": has_tasks,
                "tags": tags,
            }
        )
    return rows


# The process's structures, which every `MasteryService` uses unless given others (the API makes a service
# per request).
PROCESS_STRUCTURES = ReportStructures()
