"""Transfer model: training cost on assist2009, and write-back of 100,000 transfer edges to Neo4j.

1. training (no database): the production pipeline (`transfer.pipeline.train_transfer`) on all of
   ../shared/data/assist2009 on this machine's CPU: seconds per epoch, epochs, total seconds (the issue
   asks under 5 minutes on 2 cores) and peak resident memory. Baseline in the same run: the MLP on the same
   data, so the ratio shows what message passing costs per epoch.
2. write-back (Neo4j): --edges rows between --concepts benchmark concepts, written the way models are
   published (`writeback.write_model`: register, CREATE in UNWIND batches, count, atomic switch, prune of
   the version before last), against a plain `UNWIND ... CREATE` of the same rows: one untimed warm-up
   write, then --rounds rounds (default 5) of plain then ours; medians and per-round ratios are printed.
   Aim: under 10 s for 100,000 edges.
3. the planner's graph of those concepts while the last round's model is current (`PlanStore.concept_graph`:
   what every API and worker process builds on its first plan after a retrain), against its two reads
   alone (the curriculum's rows and the current edges), --rounds times each, alternating; medians.

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

from kgplatform.curriculum.store import read_curriculum_rows
from kgplatform.graph.driver import Graph
from kgplatform.graph.migrations import migrate
from kgplatform.planning.store import PlanStore
from kgplatform.settings import get_settings
from kgplatform.transfer.store import TransferStore
from kgplatform.transfer.writeback import write_model

PREFIX = "bench-transfer-"


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def bench_training(seed: int, seeds: int) -> None:
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
            concepts,
            log,
            embeddings,
            PipelineOptions(seed=seed, seeds=seeds, train=TrainConfig(kind=kind, seed=seed)),
        )
        total = time.perf_counter() - t0
        members = trained.ensemble.members
        epochs = sum(member.epochs_run for member in members)
        seconds = sum(member.seconds for member in members)
        rows.append((kind, epochs, seconds / epochs, seconds, total))
    print(
        f"assist2009: {len(log)} rows, {concepts.n} concepts; read + embeddings {loaded:.1f} s; "
        f"peak RSS before training {rss_before:.0f} MiB, after {peak_rss_mib():.0f} MiB"
    )
    print(f"{seeds} model(s) per kind averaged (as train-transfer does): epochs and train s summed over them")
    print(f"{'model':6} {'epochs':>7} {'s/epoch':>9} {'train s':>9} {'pipeline s':>11}")
    for kind, epochs, per_epoch, seconds, total in rows:
        print(f"{kind:6} {epochs:>7} {per_epoch:>9.4f} {seconds:>9.1f} {total:>11.1f}")
    print(
        f"GNN / MLP seconds per epoch: {rows[0][2] / rows[1][2]:.2f}x; pipeline (label, features, training, "
        f"tracer scale) {rows[0][4]:.1f} s, target < 300 s"
    )


def bench_writeback(graph: Graph, n_edges: int, batch_size: int, rounds: int) -> None:
    # Each write_model makes its version the graph's current model and prunes older ones: on a graph with
    # a real model it would retire and delete it (and time that deletion as ours).
    foreign = [
        m["version"] for m in TransferStore(graph).models() if not str(m["version"]).startswith("bench")
    ]
    if foreign:
        raise SystemExit(
            f"this graph has transfer models {foreign}: the write-back benchmark replaces the current model "
            "and prunes the rest; run it against your own Neo4j (CONTRIBUTING.md)"
        )
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
    plain_s: list[float] = []
    ours_s: list[float] = []
    try:
        # Untimed: the first write of this relationship type plans the query and warms the JVM and the
        # page cache; timed after it, each round writes the plain baseline and then our write-back, so
        # both sides run warm and in the same minute (the first round's write-back has no model to
        # replace, the later ones switch from the previous round's).
        store.write_edges(rows, "bench-warmup", now.isoformat(), batch_size, plain=True)
        store.delete_version("bench-warmup", 50_000)
        # Two untimed publishes: from the first timed round on, each write-back switches from the previous
        # version and prunes the one before it, as a retrain does in steady state (on an empty graph the
        # first two rounds had nothing to prune, and with --rounds 3 the median was such a round).
        for version in ("bench-p1", "bench-p2"):
            write_model(graph, version, rows, "bench", {}, batch_size)
        for round_no in range(1, rounds + 1):
            t0 = time.perf_counter()
            written = store.write_edges(rows, "bench-plain", now.isoformat(), batch_size, plain=True)
            plain_s.append(time.perf_counter() - t0)
            store.delete_version("bench-plain", 50_000)
            ours_s.append(write_model(graph, f"bench-v{round_no}", rows, "bench", {}, batch_size).seconds)
            print(
                f"  round {round_no}/{rounds}: plain {plain_s[-1]:.2f} s, write_model {ours_s[-1]:.2f} s "
                f"({ours_s[-1] / plain_s[-1]:.2f}x)",
                flush=True,
            )
        bench_planner_graph(graph, "bench-transfer", rounds)
    finally:
        versions = (
            "bench-warmup",
            "bench-plain",
            "bench-p1",
            "bench-p2",
            *(f"bench-v{i}" for i in range(1, rounds + 1)),
        )
        for version in versions:
            store.delete_version(version, 50_000)
        graph.write("testing/delete_concepts_by_prefix", prefix=PREFIX, curriculum_id="bench-transfer")
    plain, ours = float(np.median(plain_s)), float(np.median(ours_s))
    print(
        f"write-back of {len(rows)} edges, {n_concepts} concepts, batches of {batch_size}, {rounds} rounds:"
    )
    print(f"  plain UNWIND CREATE, median    {plain:6.2f} s  ({written} edges)")
    print(f"  write_model, median            {ours:6.2f} s  ratio {ours / plain:.2f}x  target < 10 s")
    ratios = ", ".join(f"{o / p:.2f}" for o, p in zip(ours_s, plain_s, strict=True))
    print(f"  per-round ratios               {ratios}")


def bench_planner_graph(graph: Graph, curriculum_id: str, rounds: int) -> None:
    """The planning graph with the current model's edges against the reads it is built from."""
    store = PlanStore(graph)
    reads_s: list[float] = []
    build_s: list[float] = []
    edges = 0
    for _ in range(rounds):
        t0 = time.perf_counter()
        read_curriculum_rows(graph, curriculum_id)
        edges = len(store.transfer_edges(curriculum_id))
        reads_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        concepts = store.concept_graph(curriculum_id)
        build_s.append(time.perf_counter() - t0)
    reads, build = float(np.median(reads_s)), float(np.median(build_s))
    print(
        f"planner's graph of {concepts.n_concepts} concepts with {edges} current transfer edges, "
        f"{rounds} rounds:"
    )
    print(f"  its reads alone, median        {reads:6.2f} s")
    print(f"  PlanStore.concept_graph, median {build:5.2f} s  ratio {build / reads:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--edges", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5, help="write-back rounds (plain, then ours, each)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=3, help="models averaged, as train-transfer does")
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--skip-writeback", action="store_true")
    args = parser.parse_args()
    if not args.skip_training:
        bench_training(args.seed, args.seeds)
    if not args.skip_writeback:
        graph = Graph.connect(get_settings().neo4j)
        try:
            migrate(graph)
            bench_writeback(graph, args.edges, args.batch_size, args.rounds)
        finally:
            graph.close()


if __name__ == "__main__":
    main()
