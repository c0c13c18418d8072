"""Each process's curricula as planning arrays: the API's requests and a worker's chunks alike.

A graph is rebuilt when its curriculum or the transfer model moves (its input stamps), and only the
`keep` most recently used are kept: each holds dense concept x concept arrays. Requests run on a
thread pool, so the cache's dict is only touched under a lock; a graph is built outside it, once for all
the requests that miss on the same stamps meanwhile (every learner's first request after an edit): they
wait for that build and take its graph, or its error (`single_flight`). Each request built its own until
7 December 2026.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from kgplatform.planning.graph import MAX_CACHED_GRAPHS, ConceptGraph
from kgplatform.planning.stamps import InputStamps
from kgplatform.planning.store import PlanStore
from kgplatform.single_flight import SingleFlight


class ConceptGraphs:
    def __init__(self, store: PlanStore, keep: int = MAX_CACHED_GRAPHS) -> None:
        self.store = store
        self.keep = keep
        self._graphs: dict[str, tuple[InputStamps, ConceptGraph]] = {}
        self._lock = threading.Lock()
        self._builds: SingleFlight[ConceptGraph] = SingleFlight()

    def get(self, curriculum_id: str, stamps: InputStamps) -> ConceptGraph:
        held = self._held(curriculum_id, stamps)
        if held is not None:
            return held
        return self._builds.run((curriculum_id, stamps), lambda: self._build(curriculum_id, stamps))

    def _held(self, curriculum_id: str, stamps: InputStamps) -> ConceptGraph | None:
        with self._lock:
            held = self._graphs.get(curriculum_id)
            if held is None or held[0] != stamps:
                return None
            self._keep(curriculum_id, held)
            return held[1]

    def _build(self, curriculum_id: str, stamps: InputStamps) -> ConceptGraph:
        # Kept by a build that ended between this call's look and its run: taken, not built again.
        held = self._held(curriculum_id, stamps)
        if held is not None:
            return held
        graph = self.store.concept_graph(curriculum_id)
        with self._lock:
            self._keep(curriculum_id, (stamps, graph))
        return graph

    def _keep(self, curriculum_id: str, held: tuple[InputStamps, ConceptGraph]) -> None:
        """Caller holds the lock."""
        self._graphs.pop(curriculum_id, None)  # re-inserted last: the least recently used go first
        self._graphs[curriculum_id] = held
        while len(self._graphs) > self.keep:
            del self._graphs[next(iter(self._graphs))]

    def __len__(self) -> int:
        return len(self._graphs)

    def __iter__(self) -> Iterator[str]:
        """The curricula held, least recently used first."""
        with self._lock:
            return iter(list(self._graphs))
