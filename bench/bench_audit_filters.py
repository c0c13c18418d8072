"""Reads of a large curriculum audit trail: filtered pages against the unfiltered first page.

In one run, on one Neo4j, over one curriculum holding --entries audit entries (20 actors, the four
actions, the four entity types, times spread over 30 days), reads the first page (50 entries) of the trail
through `service.read_audit`, --reads times per case after --warmup untimed reads:
  unfiltered, actor=one of 20, action=delete, entity_type=prerequisite, since=the last day, and all of
  those together.
Prints p50/p99 in milliseconds and each case's p50 ratio to the unfiltered read.

It creates its own curriculum (default id `bench-audit`) and deletes only it and its entries at the end;
point it at your own Neo4j (see CONTRIBUTING.md). Example:
    python bench/bench_audit_filters.py --entries 100000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kgplatform.curriculum import service
from kgplatform.curriculum.models import AuditAction, AuditFilter, AuditPage, EntityType
from kgplatform.graph.driver import Graph
from kgplatform.graph.migrations import migrate
from kgplatform.settings import get_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_curriculum_edits import percentile  # noqa: E402
from timing import timed  # noqa: E402

ACTORS = [f"designer-{i:02d}" for i in range(20)]
ACTIONS = [a.value for a in AuditAction]
TYPES = [t.value for t in EntityType]
SPAN = timedelta(days=30)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=100_000, help="audit entries in the trail")
    parser.add_argument("--reads", type=int, default=30, help="timed reads per case")
    parser.add_argument("--warmup", type=int, default=5, help="untimed reads per case first")
    parser.add_argument("--curriculum-id", default="bench-audit")
    return parser.parse_args()


def seed(graph: Graph, cid: str, entries: int, now: datetime) -> None:
    step = SPAN / entries
    for start in range(0, entries, 10_000):
        rows = [
            {
                "id": uuid.uuid4().hex,
                "at": now - SPAN + step * i,
                "actor": ACTORS[i % len(ACTORS)],
                "action": ACTIONS[(i // 3) % len(ACTIONS)],
                "entity_type": TYPES[(i // 7) % len(TYPES)],
                "entity_id": f"c{i % 997}",
            }
            for i in range(start, min(entries, start + 10_000))
        ]
        graph.write("bench/create_audit_bench_entries", curriculum_id=cid, rows=rows)


def clean(graph: Graph, cid: str) -> None:
    while graph.write("bench/delete_import_bench_batch", curriculum_id=cid, limit=20_000)[0]["deleted"]:
        pass


def main() -> None:
    args = parse_args()
    settings = get_settings()
    graph = Graph.connect(settings.neo4j)
    migrate(graph)
    cid = args.curriculum_id
    now = datetime.now(UTC)
    cases = {
        "unfiltered": AuditFilter(),
        "actor": AuditFilter(actor=ACTORS[7]),
        "action=delete": AuditFilter(action=AuditAction.DELETE),
        "entity_type=prerequisite": AuditFilter(entity_type=EntityType.PREREQUISITE),
        "since last day": AuditFilter(since=now - timedelta(days=1)),
        "all together": AuditFilter(
            actor=ACTORS[7],
            action=AuditAction.DELETE,
            entity_type=EntityType.PREREQUISITE,
            since=now - timedelta(days=1),
        ),
    }
    results: dict[str, tuple[list[float], int]] = {}
    clean(graph, cid)
    try:
        seed(graph, cid, args.entries, now)
        for name, filters in cases.items():

            def first_page(filters: AuditFilter = filters) -> AuditPage:
                return service.read_audit(
                    graph, EntityType.CURRICULUM, cid, limit=50, offset=0, filters=filters
                )

            results[name] = timed(first_page, args.warmup, args.reads, count=lambda page: page.total)
    finally:
        clean(graph, cid)
        graph.close()

    base = statistics.median(results["unfiltered"][0])
    print(
        f"curriculum audit trail, first page of 50: {args.entries} entries, {args.reads} timed reads per "
        f"case after {args.warmup} warm-up, Neo4j {settings.neo4j.uri}"
    )
    print(f"{'case':<26} {'matches':>8} {'p50 ms':>8} {'p99 ms':>8} {'p50 x unfiltered':>17}")
    for name, (samples, total) in results.items():
        p50 = statistics.median(samples)
        print(f"{name:<26} {total:>8} {p50:>8.2f} {percentile(samples, 0.99):>8.2f} {p50 / base:>17.2f}")


if __name__ == "__main__":
    main()
