"""Each process's curricula as planning arrays: the API's requests and a worker's chunks alike.

A graph is rebuilt when its curriculum or the transfer model moves (its input stamps), and only the
`keep` most recently used are kept: each holds dense concept x concept arrays. Requests run on a
thread pool, so the cache's dict is only touched under a lock; a graph is built outside it, once for all
the requests that miss on the same stamps meanwhile (every learner's first request after an edit): they
wait for that build and take its graph, or its error.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future

from kgplatform.planning.graph import MAX_CACHED_GRAPHS, ConceptGraph
from kgplatform.planning.stamps import InputStamps
from kgplatform.planning.store import PlanStore


class ConceptGraphs:
    def __init__(self, store: PlanStore, keep: int = MAX_CACHED_GRAPHS) -> None:
        self.store = store
        self.keep = keep
        self._graphs: dict[str, tuple[InputStamps, ConceptGraph]] = {}
        # The builds in progress, by curriculum, with the stamps each was asked for. Each request used to
        # build its own graph (a review, 7 December 2026): N requests missing at once read the curriculum
        # N times and built its arrays N times, in one process's GIL.
        self._building: dict[str, tuple[InputStamps, Future[ConceptGraph]]] = {}
        self._lock = threading.Lock()

    def get(self, curriculum_id: str, stamps: InputStamps) -> ConceptGraph:
        with self._lock:
            held = self._graphs.get(curriculum_id)
            if held is not None and held[0] == stamps:
                self._keep(curriculum_id, held)
                return held[1]
            building = self._building.get(curriculum_id)
            if building is None or building[0] != stamps:
                building = (stamps, Future())
                self._building[curriculum_id] = building
                mine = True
            else:
                mine = False
        if not mine:
            return building[1].result()
        return self._build(curriculum_id, stamps, building[1])

    def _build(self, curriculum_id: str, stamps: InputStamps, done: Future[ConceptGraph]) -> ConceptGraph:
        """Builds the graph for this call and those waiting on `done`: kept, then handed to them, and only
        then no longer in progress, so that a call arriving in between finds it kept."""
        try:
            graph = self.store.concept_graph(curriculum_id)
        except BaseException as error:
            done.set_exception(error)
            raise
        else:
            with self._lock:
                self._keep(curriculum_id, (stamps, graph))
            done.set_result(graph)
            return graph
        finally:
            with self._lock:
                building = self._building.get(curriculum_id)
                if building is not None and building[1] is done:  # not a build asked for other stamps since
                    del self._building[curriculum_id]

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
