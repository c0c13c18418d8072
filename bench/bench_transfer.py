"""Transfer model: training cost on assist2009, and write-back of 100,000 transfer edges to Neo4j.

1. training (no database): the production pipeline (`transfer.pipeline.train_transfer`) on all of
   ../shared/data/assist2009 on this machine's CPU: seconds per epoch, epochs, total seconds (the issue
   asks under 5 minutes on 2 cores) and peak resident memory. Baseline in the same run: the MLP on the same
   data, so the ratio shows what message passing costs per epoch.
2. write-back (Neo4j): --edges rows between --concepts benchmark concepts, written the way models are
   published (`writeback.write_model`: register, CREATE in UNWIND batches, count, atomic switch), against a
   plain `UNWIND ... CREATE` of the same rows in the same run. Aim: under 10 s for 100,000 edges.

It creates its own concepts (ids `bench-transfer-*`) and deletes them and its model versions at the end;
point it at your own Neo4j (see CONTRIBUTING.md). Example:
    python bench/bench_transfer.py --edges 100000
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import UTC, datetime

import numpy as np

from kgplatform.graph.driver import Graph
from kgplatform.graph.migrations import migrate
from kgplatform.settings import get_settings
from kgplatform.transfer.store import TransferStore
from kgplatform.transfer.writeback import write_model

PREFIX = "bench-transfer-"


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def bench_training(seed: int) -> None:
    from kgplatform.mastery.datasets import read_assist2009
    from kgplatform.transfer.data import ConceptTable
    from kgplatform.transfer.embeddings import embed_names
    from kgplatform.transfer.pipeline import PipelineOptions, train_transfer
    from kgplatform.transfer.train import TrainConfig

    settings = get_settings()
    started = time.perf_counter()
    log = read_assist2009(settings.paths.shared_data_dir / "assist2009")
    concepts = ConceptTable.from_log(log)
    embeddings = embed_names(concepts.names, settings.paths.data_dir / "embeddings")
    loaded = time.perf_counter() - started
    rss_before = peak_rss_mib()
    rows = []
    for kind in ("gnn", "mlp"):
        t0 = time.perf_counter()
        trained = train_transfer(
            concepts, log, embeddings, PipelineOptions(seed=seed, train=TrainConfig(kind=kind, seed=seed))
        )
        total = time.perf_counter() - t0
        result = trained.result
        rows.append((kind, result.epochs_run, result.seconds / result.epochs_run, result.seconds, total))
    print(
        f"assist2009: {len(log)} rows, {concepts.n} concepts; read + embeddings {loaded:.1f} s; "
        f"peak RSS before training {rss_before:.0f} MiB, after {peak_rss_mib():.0f} MiB"
    )
    print(f"{'model':6} {'epochs':>7} {'s/epoch':>9} {'train s':>9} {'pipeline s':>11}")
    for kind, epochs, per_epoch, seconds, total in rows:
        print(f"{kind:6} {epochs:>7} {per_epoch:>9.4f} {seconds:>9.1f} {total:>11.1f}")
    print(
        f"GNN / MLP seconds per epoch: {rows[0][2] / rows[1][2]:.2f}x; pipeline (label, features, training, "
        f"tracer scale) {rows[0][4]:.1f} s, target < 300 s"
    )


def bench_writeback(graph: Graph, n_edges: int, batch_size: int) -> None:
    n_concepts = int(np.ceil((1 + np.sqrt(1 + 4 * n_edges)) / 2))
    ids = [f"{PREFIX}{i:05d}" for i in range(n_concepts)]
    now = datetime.now(UTC)
    graph.write(
        "testing/create_mastery_curriculum",
        curriculum_id="bench-transfer",
        now=now,
        tasks=[],
        prerequisites=[],
        concepts=[{"id": c, "name": c, "tags": []} for c in ids],
    )
    rng = np.random.default_rng(0)
    pairs = [(a, b) for a in ids for b in ids if a != b][:n_edges]
    rows = [
        {"source": a, "target": b, "strength": float(s)}
        for (a, b), s in zip(pairs, rng.random(len(pairs)), strict=True)
    ]
    store = TransferStore(graph)
    try:
        t0 = time.perf_counter()
        written = store.write_edges(rows, "bench-plain", now.isoformat(), batch_size, plain=True)
        plain = time.perf_counter() - t0
        store.delete_version("bench-plain", 50_000)
        report = write_model(graph, "bench-v1", rows, "bench", {}, batch_size)
        report2 = write_model(
            graph, "bench-v2", rows, "bench", {}, batch_size
        )  # a switch with a model in place
    finally:
        for version in ("bench-plain", "bench-v1", "bench-v2"):
            store.delete_version(version, 50_000)
        graph.write("testing/delete_concepts_by_prefix", prefix=PREFIX, curriculum_id="bench-transfer")
    print(f"write-back of {len(rows)} edges between {n_concepts} concepts (batches of {batch_size}):")
    print(f"  plain UNWIND CREATE            {plain:6.2f} s  ({written} edges)")
    print(f"  write_model (first version)    {report.seconds:6.2f} s  ratio {report.seconds / plain:.2f}x")
    print(
        f"  write_model (switching models) {report2.seconds:6.2f} s  ratio {report2.seconds / plain:.2f}x"
        f"  target < 10 s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--edges", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--skip-writeback", action="store_true")
    args = parser.parse_args()
    if not args.skip_training:
        bench_training(args.seed)
    if not args.skip_writeback:
        graph = Graph.connect(get_settings().neo4j)
        try:
            migrate(graph)
            bench_writeback(graph, args.edges, args.batch_size)
        finally:
            graph.close()


if __name__ == "__main__":
    main()
