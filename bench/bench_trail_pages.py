"""Pages of long key, roster, curriculum and concept audit trails against the same page of a short trail,
deep pages by cursor against the same pages by offset, and a concept's pages against the read before
V0020's indexes (the whole trail read and sorted for each page), measured in one run.

On one Neo4j, writes (one UNWIND per batch of 10,000, not through the routes) a short trail of --short
entries and, for each of --entries, a long one, for one key (`KeyChange`, auth/create_key_change), one
class (`RosterChange`, classes/create_roster_change), one curriculum (`AuditEntry`) and one concept (since
4 December 2026: its entries in turn from its four sources, its own, either end of an edge, and task entries
linked to it), with times a second apart. Then reads, through the stores' calls the routes make
(`auth.store.key_changes`, `classes.store.roster_changes`, `curriculum.store.read_audit` without filters: a
page of 50 with the trail's `total`), --reads times per case after --warmup untimed reads:
  first page              offset 0
  middle page             offset entries / 2
  middle page, cursor     the same page from the cursor of the page before it (`next`, since 4 December
                          2026)
  last page               the last 50
  last page, cursor       the same page from the cursor of the page before it
  every key               the keys' trail of every key (key_id null; it holds all the bench's key entries,
                          and any the graph held before), first page, and its middle page both ways
Prints p50/p99 in milliseconds, each case's p50 ratio to the first page of the short trail of the same
kind (the baseline, read in the same run), for a page by cursor, its p50 ratio to the same page by offset
(read in the same run, just before), and for a concept's page its p50 ratio to the same page read by the
query before V0020 (cypher/bench/read_concept_audit_whole, read in the same run, just after: `x old`).
Each case checks it lists the same entries every way.

It deletes only its own entries (key ids, class ids and curricula starting with `bench-trail-`), before and
after; point it at your own Neo4j (see CONTRIBUTING.md). Example:
    python bench/bench_trail_pages.py --entries 10000,100000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from kgplatform.audit import cursor
from kgplatform.audit.cursor import After
from kgplatform.audit.window import WHOLE
from kgplatform.auth import store as keys
from kgplatform.classes import store as classes
from kgplatform.curriculum import store as curricula
from kgplatform.curriculum.models import AuditFilter
from kgplatform.graph.driver import Graph
from kgplatform.graph.migrations import migrate
from kgplatform.graph.values import native
from kgplatform.settings import get_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_curriculum_edits import percentile  # noqa: E402
from timing import timed  # noqa: E402

PREFIX = "bench-trail-"
PAGE = 50
BATCH = 10_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", default="10000,100000", help="long trails' lengths, comma-separated")
    parser.add_argument("--short", type=int, default=100, help="the baseline trail's length")
    parser.add_argument("--reads", type=int, default=20, help="timed reads per case")
    parser.add_argument("--warmup", type=int, default=3, help="untimed reads per case first")
    return parser.parse_args()


def seed(graph: Graph, query: str, param: str, owner: str, entries: int, now: datetime) -> None:
    for start in range(0, entries, BATCH):
        rows = [
            {"id": uuid.uuid4().hex, "at": now - timedelta(seconds=entries - i)}
            for i in range(start, min(entries, start + BATCH))
        ]
        graph.write(query, rows=rows, **{param: owner})


def read_entity_trail(
    entity_type: str, graph: Graph, owner: str | None, offset: int, after: After | None
) -> dict[str, Any]:
    """A page of a curriculum's (`entity_type` "curriculum") or a concept's trail, as the routes read it."""
    total, items, following = curricula.read_audit(
        graph,
        entity_type=entity_type,
        entity_id=owner or "",
        offset=offset,
        limit=PAGE,
        filters=AuditFilter(),
        after=after,
    )
    return {"total": total, "items": items, "next": following}


def seed_curriculum(graph: Graph, owner: str, entries: int, now: datetime) -> None:
    for start in range(0, entries, BATCH):
        rows = [
            {
                "id": uuid.uuid4().hex,
                "at": now - timedelta(seconds=entries - i),
                "actor": "bench",
                "action": "update",
                "entity_type": "concept",
                "entity_id": f"c{i}",
            }
            for i in range(start, min(entries, start + BATCH))
        ]
        graph.write("bench/create_audit_bench_entries", rows=rows, curriculum_id=owner)


def read_concept_whole(graph: Graph, owner: str | None, offset: int, after: After | None) -> dict[str, Any]:
    """The same page by the query before V0020, with the parameters `curriculum.store.read_audit` gives."""
    [row] = graph.read(
        "bench/read_concept_audit_whole",
        id=owner or "",
        offset=offset,
        limit=PAGE,
        actor=None,
        action=None,
        entity_type=None,
        **WHOLE.query_params(),
        **cursor.query_params(after),
    )
    items, following = cursor.split_page(row["items"], PAGE)
    return {"total": row["total"], "items": native(items), "next": following}


def seed_concept(graph: Graph, owner: str, entries: int, now: datetime) -> None:
    """A concept (its id the curriculum's) whose entries come in turn from its four sources."""
    sources = ["own", "prerequisite", "dependant", "link"]
    for start in range(0, entries, BATCH):
        rows = [
            {"id": uuid.uuid4().hex, "at": now - timedelta(seconds=entries - i), "source": sources[i % 4]}
            for i in range(start, min(entries, start + BATCH))
        ]
        graph.write("bench/create_concept_trail_bench_entries", rows=rows, curriculum_id=owner, concept=owner)


def clean(graph: Graph) -> None:
    while graph.write("bench/delete_trail_bench_entries", prefix=PREFIX, limit=20_000)[0]["deleted"]:
        pass


def main() -> None:
    args = parse_args()
    lengths = [int(n) for n in args.entries.split(",")]
    settings = get_settings()
    graph = Graph.connect(settings.neo4j)
    migrate(graph)
    now = datetime.now(UTC)
    # kind -> (read(owner, offset, after) -> {total, items, next}, seeding query, its owner parameter)
    Read = Callable[[str | None, int, After | None], dict[str, Any]]
    kinds: dict[str, tuple[Read, str, str]] = {
        "key": (
            lambda owner, offset, after: keys.key_changes(graph, owner, offset, PAGE, after),
            "bench/create_key_change_bench_entries",
            "key_id",
        ),
        "roster": (
            lambda owner, offset, after: classes.roster_changes(graph, owner or "", offset, PAGE, after),
            "bench/create_roster_change_bench_entries",
            "class_id",
        ),
        "curric": (partial(read_entity_trail, "curriculum", graph), "", "curriculum_id"),
        "concept": (partial(read_entity_trail, "concept", graph), "", "curriculum_id"),
    }
    # kind, case, total, samples, items, the p50 of the same page by offset (cursor cases only), the p50 of
    # the same page by the query before V0020 (concept cases only)
    results: list[tuple[str, str, int, list[float], int, float | None, float | None]] = []
    clean(graph)
    try:
        for kind, (read, query, param) in kinds.items():
            for length in [args.short, *lengths]:
                if kind == "curric":
                    seed_curriculum(graph, f"{PREFIX}{kind}-{length}", length, now)
                elif kind == "concept":
                    seed_concept(graph, f"{PREFIX}{kind}-{length}", length, now)
                else:
                    seed(graph, query, param, f"{PREFIX}{kind}-{length}", length, now)
            short = f"{PREFIX}{kind}-{args.short}"
            # name, owner, offset, and whether the page is also read by cursor
            cases: list[tuple[str, str | None, int, bool]] = [
                (f"short ({args.short}), first page", short, 0, False)
            ]
            for length in lengths:
                owner = f"{PREFIX}{kind}-{length}"
                cases += [
                    (f"{length}, first page", owner, 0, False),
                    (f"{length}, middle page", owner, length // 2, True),
                    (f"{length}, last page", owner, length - PAGE, True),
                ]
            if kind == "key":
                every = keys.key_changes(graph, None, 0, 1)["total"]
                cases += [
                    ("every key, first page", None, 0, False),
                    ("every key, middle page", None, every // 2, True),
                ]

            def versus_old(
                owner: str | None, offset: int, after: After | None, listed: dict[str, Any]
            ) -> float:
                """The p50 of the same page read by the query before V0020, which lists it alike."""
                old = partial(read_concept_whole, graph, owner, offset, after)
                assert old() == listed, (owner, offset, after)
                return statistics.median(timed(old, args.warmup, args.reads, lambda p: len(p["items"]))[0])

            for name, case_owner, offset, by_cursor in cases:
                page = partial(read, case_owner, offset, None)
                samples, items = timed(page, args.warmup, args.reads, lambda p: len(p["items"]))
                listed = page()
                old_p50 = versus_old(case_owner, offset, None, listed) if kind == "concept" else None
                results.append((kind, name, listed["total"], samples, items, None, old_p50))
                if not by_cursor:
                    continue
                # The cursor a reader paging by `next` holds there: the page before's (all cases here are
                # at least a page deep).
                after = cursor.decode(read(case_owner, offset - PAGE, None)["next"])
                by_next = partial(read, case_owner, 0, after)
                assert by_next()["items"] == listed["items"], (kind, name)
                samples_c, items_c = timed(by_next, args.warmup, args.reads, lambda p: len(p["items"]))
                offset_p50 = statistics.median(samples)
                old_p50 = versus_old(case_owner, 0, after, by_next()) if kind == "concept" else None
                results.append(
                    (kind, f"{name}, cursor", listed["total"], samples_c, items_c, offset_p50, old_p50)
                )
    finally:
        clean(graph)
        graph.close()

    print(
        f"key, roster, curriculum and concept audit trails, pages of {PAGE} with their total: {args.reads} "
        f"timed reads per case after {args.warmup} warm-up, Neo4j {settings.neo4j.uri}"
    )
    print(
        f"{'trail':<7} {'case':<32} {'total':>8} {'items':>6} {'p50 ms':>8} {'p99 ms':>8} {'x short':>8} "
        f"{'x offset':>8} {'x old':>8}"
    )
    base: dict[str, float] = {}
    for kind, name, total, samples, items, offset_p50, old_p50 in results:
        p50 = statistics.median(samples)
        base.setdefault(kind, p50)
        versus = f"{p50 / offset_p50:>8.2f}" if offset_p50 else f"{'':>8}"
        versus_whole = f"{p50 / old_p50:>8.2f}" if old_p50 else f"{'':>8}"
        print(
            f"{kind:<7} {name:<32} {total:>8} {items:>6} {p50:>8.2f} {percentile(samples, 0.99):>8.2f} "
            f"{p50 / base[kind]:>8.2f} {versus} {versus_whole}"
        )


if __name__ == "__main__":
    main()
