"""`audit archive` against a plain delete of the same entries: entries per second and peak memory.

In one run, on one Neo4j, over one curriculum holding --entries audit entries stamped 100 to 130 days ago
and one of today (the newest, which the archive keeps: both cases delete the same --entries), three cases,
each on a freshly seeded trail:
  plain delete  `MATCH (a:AuditEntry {curriculum_id}) WHERE a.at < $before ... DETACH DELETE a`, --batch
                at a time (what an operator would run without the command: nothing kept anywhere);
  archive .jsonl  `archive_audit` to a plain JSON Lines file (read, write, fsync, then delete in batches);
  archive .gz     the same to a gzip file.
Each case runs twice: timed, then under tracemalloc for this process's peak Python memory (tracing slows
Python, so the times come from the untraced run). Prints entries/s, the ratio to the plain delete's, peak
MiB and the file's size.

It creates its own curriculum (default id `bench-archive`) and deletes only it, its entries and its
archive note at the end; point it at your own Neo4j (see CONTRIBUTING.md). Example:
    python bench/bench_audit_archive.py --entries 100000
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kgplatform.audit.archive import archive_audit
from kgplatform.graph.driver import Graph
from kgplatform.graph.migrations import migrate
from kgplatform.settings import get_settings

SPAN = timedelta(days=30)
AGE = timedelta(days=100)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=100_000, help="old audit entries to archive")
    parser.add_argument("--batch", type=int, default=2000, help="entries per delete transaction")
    parser.add_argument("--curriculum-id", default="bench-archive")
    return parser.parse_args()


def seed(graph: Graph, cid: str, entries: int, now: datetime) -> None:
    step = SPAN / entries
    for start in range(0, entries + 1, 10_000):
        rows = [
            {
                "id": uuid.uuid4().hex,
                # The last one is today's: the newest entry, kept by the archive.
                "at": now if i == entries else now - AGE - SPAN + step * i,
                "actor": f"designer-{i % 20:02d}",
                # No task deletes: of a task that no longer exists, the archive keeps them (the only
                # record that its answers' id was deleted), and both cases must delete the same entries.
                "action": ("create", "update", "update" if (i // 7) % 4 == 2 else "delete", "import")[i % 4],
                "entity_type": ("concept", "prerequisite", "task", "curriculum")[(i // 7) % 4],
                "entity_id": f"c{i % 997}",
            }
            for i in range(start, min(entries + 1, start + 10_000))
        ]
        graph.write("bench/create_audit_bench_entries", curriculum_id=cid, rows=rows)


def clean(graph: Graph, cid: str) -> None:
    while graph.write("bench/delete_audit_archive_bench", curriculum_id=cid, limit=20_000)[0]["deleted"]:
        pass


def main() -> None:
    args = parse_args()
    settings = get_settings()
    graph = Graph.connect(settings.neo4j)
    migrate(graph)
    cid = args.curriculum_id
    now = datetime.now(UTC)
    before = now - AGE + timedelta(days=1)
    folder = Path(tempfile.mkdtemp(prefix="bench-archive-"))

    def plain_delete() -> int:
        deleted = 0
        while n := graph.write(
            "bench/delete_audit_bench_before", curriculum_id=cid, before=before, limit=args.batch
        )[0]["deleted"]:
            deleted += n
        return deleted

    def archive_to(name: str) -> Callable[[], int]:
        def run() -> int:
            out = folder / name
            out.unlink(missing_ok=True)
            return archive_audit(graph, before=before, out=out, curriculum_id=cid, batch=args.batch).deleted

        return run

    cases = {
        "plain delete": (plain_delete, None),
        "archive .jsonl": (archive_to("audit.jsonl"), folder / "audit.jsonl"),
        "archive .gz": (archive_to("audit.jsonl.gz"), folder / "audit.jsonl.gz"),
    }
    results: dict[str, tuple[float, float, int | None]] = {}
    try:
        for name, (run, file) in cases.items():
            clean(graph, cid)
            seed(graph, cid, args.entries, now)
            start = time.perf_counter()
            deleted = run()
            seconds = time.perf_counter() - start
            assert deleted == args.entries, (name, deleted)
            clean(graph, cid)
            seed(graph, cid, args.entries, now)
            tracemalloc.start()
            run()
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            results[name] = (seconds, peak / 2**20, file.stat().st_size if file else None)
    finally:
        clean(graph, cid)
        graph.close()

    base = args.entries / results["plain delete"][0]
    print(
        f"audit archive: {args.entries} entries older than --before, batches of {args.batch}, "
        f"Neo4j {settings.neo4j.uri}"
    )
    print(f"{'case':<16} {'seconds':>8} {'entries/s':>10} {'x plain':>8} {'peak MiB':>9} {'file MiB':>9}")
    for name, (seconds, peak, size) in results.items():
        rate = args.entries / seconds
        shown = f"{size / 2**20:>9.1f}" if size is not None else f"{'-':>9}"
        print(f"{name:<16} {seconds:>8.1f} {rate:>10.0f} {rate / base:>8.2f} {peak:>9.1f} {shown}")


if __name__ == "__main__":
    main()
