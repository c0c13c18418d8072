"""Edit latency of single-concept updates, against a bare `MATCH ... SET` of the same property.

In one run, on one Neo4j, over the same concepts (one curriculum of --concepts concepts, edited round
robin so that writers never queue on one lock), one edit at a time:
  1. baseline: `MATCH (c:Concept {id}) SET c.name = $name` through the driver (one managed transaction);
  2. service:  `service.update_concept`: lock, version check, write, audit entry, in one transaction;
  3. http:     `PATCH /concepts/{id}` with If-Match and an API key through FastAPI's TestClient
               (auth, validation, JSON both ways, then the service path).
Prints p50/p99/mean in milliseconds and each path's ratio to the baseline.

It creates its own curriculum (default id `bench-edits`) and deletes only that curriculum, its concepts
and their audit entries at the end; point it at your own Neo4j (see CONTRIBUTING.md). Example:
    python bench/bench_curriculum_edits.py --edits 500
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from kgplatform.api.app import create_app
from kgplatform.auth import service as auth
from kgplatform.auth.models import Role
from kgplatform.curriculum import service
from kgplatform.curriculum.models import ConceptPatch
from kgplatform.graph.driver import Graph
from kgplatform.graph.migrations import migrate
from kgplatform.settings import get_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import timed_in_turns  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--concepts", type=int, default=2_000, help="concepts in the benchmark curriculum")
    parser.add_argument("--edits", type=int, default=500, help="timed edits per path")
    parser.add_argument("--warmup", type=int, default=30, help="untimed edits per path first")
    parser.add_argument("--curriculum-id", default="bench-edits")
    return parser.parse_args()


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    args = parse_args()
    settings = get_settings()
    graph = Graph.connect(settings.neo4j)
    migrate(graph)
    cid = args.curriculum_id
    graph.write("bench/delete_edit_bench_curriculum", curriculum_id=cid)
    ids = [f"{cid}-c{i:05d}" for i in range(args.concepts)]
    for start in range(0, len(ids), 5_000):
        rows = [{"id": i, "name": i} for i in ids[start : start + 5_000]]
        graph.write("bench/create_edit_bench_concepts", curriculum_id=cid, rows=rows)
    versions = dict.fromkeys(ids, 1)
    key = auth.issue_key(graph, role=Role.DESIGNER, name="bench-edits", actor="bench")

    def concept(i: int) -> str:
        return ids[i % len(ids)]

    def baseline(i: int) -> None:
        graph.write("bench/set_concept_name_plain", id=concept(i), name=f"plain {i}")

    def through_service(i: int) -> None:
        cid_ = concept(i)
        updated = service.update_concept(
            graph, cid_, f'"{versions[cid_]}"', ConceptPatch(name=f"svc {i}"), "bench"
        )
        versions[cid_] = updated.version

    results: dict[str, list[float]] = {}
    try:
        # Each path alone, one after the other, as before: the HTTP path needs its client open.
        results |= timed_in_turns({"baseline MATCH..SET": baseline}, args.warmup, args.edits)
        results |= timed_in_turns({"service.update_concept": through_service}, args.warmup, args.edits)
        with TestClient(create_app(settings)) as client:
            headers = {"X-API-Key": key.secret}

            def through_http(i: int) -> None:
                cid_ = concept(i)
                response = client.patch(
                    f"/concepts/{cid_}",
                    json={"name": f"http {i}"},
                    headers={**headers, "If-Match": f'"{versions[cid_]}"'},
                )
                if response.status_code != 200:
                    raise SystemExit(f"PATCH {cid_} failed: {response.status_code} {response.text}")
                versions[cid_] = response.json()["version"]

            results |= timed_in_turns({"HTTP PATCH /concepts/{id}": through_http}, args.warmup, args.edits)
    finally:
        auth.revoke_key(graph, key.id, actor="bench")
        graph.write("bench/delete_edit_bench_curriculum", curriculum_id=cid)
        graph.close()

    base_p50 = statistics.median(results["baseline MATCH..SET"])
    base_p99 = percentile(results["baseline MATCH..SET"], 0.99)
    print(
        f"single-concept edits: {args.edits} timed per path after {args.warmup} warm-up, "
        f"{args.concepts} concepts, Neo4j {settings.neo4j.uri}"
    )
    print(f"{'path':<28} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'p50 x base':>11} {'p99 x base':>11}")
    for name, samples in results.items():
        p50, p99 = statistics.median(samples), percentile(samples, 0.99)
        print(
            f"{name:<28} {p50:>8.2f} {p99:>8.2f} {statistics.fmean(samples):>8.2f} "
            f"{p50 / base_p50:>11.2f} {p99 / base_p99:>11.2f}"
        )


if __name__ == "__main__":
    main()
