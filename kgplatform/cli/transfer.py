"""The transfer model: `train-transfer`, `eval-transfer`."""

from __future__ import annotations

import math
import time
from pathlib import Path

import typer

from kgplatform.cli.base import PANEL_MODELS, app, check_plot_path, console, graph_session
from kgplatform.errors import KgpError
from kgplatform.settings import get_settings

# Under the models folder: checkpoints of `train-transfer --data assist2009`, in a `transfer/` of their own.
ASSIST2009_MODELS = "assist2009"


@app.command("train-transfer", rich_help_panel=PANEL_MODELS)
def train_transfer(
    data: str = typer.Option(
        "graph",
        "--data",
        help="graph (Neo4j: concepts, prerequisites, answers) or "
        "assist2009 (the shared dataset; checkpoint only, under <models_dir>/assist2009/, its skills are not "
        "in the graph).",
    ),
    seed: int = typer.Option(0, "--seed"),
    seeds: int = typer.Option(
        3, "--seeds", min=1, help="Models averaged (seeds SEED, SEED+1, ...), as eval-transfer measures them."
    ),
    max_epochs: int = typer.Option(300, "--max-epochs", min=1),
    write: bool = typer.Option(True, "--write/--no-write", help="Publish TRANSFERS_TO edges (graph only)."),
    if_changed: bool = typer.Option(
        False,
        "--if-changed",
        help="Graph only: train nothing when the answers and curriculum are those the current model was "
        "trained on (as the nightly retrain does); exit 0 saying so.",
    ),
) -> None:
    """Train the transfer GNN, save a versioned checkpoint and (graph) switch Neo4j to the new edges."""
    from kgplatform.transfer.pipeline import PipelineOptions
    from kgplatform.transfer.train import TrainConfig

    settings = get_settings()
    options = PipelineOptions(seed=seed, seeds=seeds, train=TrainConfig(seed=seed, max_epochs=max_epochs))
    cache = settings.paths.data_dir / "embeddings"
    if data == "graph":
        from kgplatform.transfer.pipeline import DataUnchanged, retrain_from_graph

        with graph_session() as graph:
            try:
                trained, path, report = retrain_from_graph(
                    graph, settings.paths.models_dir, cache, options, write, skip_unchanged=if_changed
                )
            except DataUnchanged as unchanged:
                console.print(str(unchanged))
                return
        if report:
            console.print(
                f"published {report.edges} TRANSFERS_TO edges of {report.model_version} in "
                f"{report.seconds:.1f} s (pruned: {list(report.pruned_versions) or 'none'})"
            )
    elif data == "assist2009":
        from kgplatform.mastery.datasets import read_assist2009
        from kgplatform.transfer.artifacts import mark_latest, require_writable
        from kgplatform.transfer.data import ConceptTable
        from kgplatform.transfer.embeddings import embed_names, encoder_identity, minilm_encoder
        from kgplatform.transfer.pipeline import save
        from kgplatform.transfer.pipeline import train_transfer as train

        require_writable(settings.paths.models_dir / ASSIST2009_MODELS)
        log = read_assist2009(settings.paths.shared_data_dir / "assist2009")
        concepts = ConceptTable.from_log(log)
        embeddings = embed_names(concepts.names, cache, minilm_encoder)
        trained = train(concepts, log, embeddings, options, encoder=encoder_identity(minilm_encoder))
        # Kept apart from the graph's checkpoints: its concept ids are the dataset's skills, and as their
        # LATEST it let three graph retrains prune the checkpoint of the model the graph serves.
        root = settings.paths.models_dir / ASSIST2009_MODELS
        path = save(trained, root, {"source": "assist2009"})
        # Nothing to publish: the checkpoint is the whole result, so it becomes the latest at once.
        mark_latest(root, trained.model_version)
    else:
        raise KgpError(f"--data must be graph or assist2009, not {data!r}", field="data")
    from kgplatform.cli.base import literal
    from kgplatform.transfer.summary import describe_training

    console.print(f"model {trained.model_version}")
    for line in describe_training(trained.metrics):
        console.print(literal(f"  {line}"), soft_wrap=True)
    console.print(f"checkpoint: {path}")


@app.command("eval-transfer", rich_help_panel=PANEL_MODELS)
def eval_transfer(
    data: str = typer.Option(
        ...,
        "--data",
        help="A folder in the assist2009 layout, or 'generated' (a generated "
        "curriculum with simulated learners whose true transfer is known).",
    ),
    fold: int = typer.Option(1, "--fold", min=1, max=5, help="AKT test fold (assist2009)."),
    seed: int = typer.Option(0, "--seed"),
    concepts: int = typer.Option(60, "--concepts", min=5, help="Generated: number of concepts."),
    learners: int = typer.Option(10000, "--learners", min=100, help="Generated: simulated learners."),
    tasks: int = typer.Option(100, "--tasks", min=5, help="Generated: tasks per learner."),
    simulator_forgetting: bool = typer.Option(
        True,
        "--simulator-forgetting/--no-simulator-forgetting",
        help="Generated: whether the simulated learners forget (docs/transfer.md: with forgetting, even the "
        "true transfer does not raise this tracer's AUC).",
    ),
    simulator_readiness: bool = typer.Option(
        True,
        "--simulator-readiness/--no-simulator-readiness",
        help="Generated: whether learning a concept is faster when its prerequisites are known (a help that "
        "the true transfer matrix does not count).",
    ),
    downstream: bool = typer.Option(
        True, "--downstream/--no-downstream", help="Tracer next-answer AUC gain."
    ),
    cold_start: bool = typer.Option(True, "--cold-start/--no-cold-start"),
    seeds: int = typer.Option(
        3,
        "--seeds",
        min=1,
        help="Models per variant (seeds seed, seed+1, ...), predictions averaged; "
        "the same for every learnt model.",
    ),
    out: Path | None = typer.Option(None, "--out", help="Also write the report as JSON."),
    plot: Path | None = typer.Option(
        None,
        "--plot",
        help="Also draw a PNG here: the GNN's predicted transfer against the reference on the held-out "
        "pairs, and the tracer gain and cold start as bars.",
    ),
) -> None:
    """Held-out learners and pairs: the GNN against non-GNN baselines, tracer gain, cold start; one run."""
    import json

    from kgplatform.transfer.evaluate import EvalOptions, assist2009_problem, evaluate
    from kgplatform.transfer.report import print_report, report_dict
    from kgplatform.transfer.train import TrainConfig

    if out is not None and not out.parent.is_dir():  # checked now, not after minutes of evaluation
        raise typer.BadParameter(f"folder {out.parent} does not exist", param_hint="--out")
    if plot is not None:
        check_plot_path(plot)
    settings = get_settings()
    cache = settings.paths.data_dir / "embeddings"
    started = time.perf_counter()

    def show(step: str) -> None:
        console.print(f"[dim]{time.perf_counter() - started:6.1f}s {step}[/dim]")

    show(f"reading {data} and embedding concept names")
    if data == "generated":
        from kgplatform.transfer.generated import SimulationOptions, generated_problem

        simulation = SimulationOptions(
            concepts,
            learners,
            tasks,
            seed=seed,
            forgetting=simulator_forgetting,
            readiness=simulator_readiness,
        )
        problem = generated_problem(simulation, cache)
    else:
        problem = assist2009_problem(Path(data), fold, cache)
    # Many models are trained in one run: their progress bars would bury the tables, so they are off here.
    options = EvalOptions(
        seed=seed,
        downstream=downstream,
        cold_start=cold_start,
        seeds=seeds,
        train=TrainConfig(seed=seed, progress=False),
    )
    report = evaluate(problem, options, on_step=show)
    print_report(report, console)
    if out:
        out.write_text(json.dumps(report_dict(report), indent=2, default=float), "utf-8")
        console.print(f"wrote {out}")
    if plot:
        from kgplatform.transfer.eval_plot import plot_transfer

        console.print(f"plot: {plot_transfer(report, plot)}")


transfer_app = typer.Typer(
    help="Transfer model versions in the graph: list them, go back to the previous one (rollback) or "
    "activate a retired one.",
    no_args_is_help=True,
)
app.add_typer(transfer_app, name="transfer", rich_help_panel=PANEL_MODELS)


@transfer_app.command("list")
def transfer_list(
    as_json: bool = typer.Option(
        False, "--json", help="One JSON array of the versions (every field, metrics included), for scripts."
    ),
) -> None:
    """Every model version in the graph, newest activation first: which is current, its data, metrics and
    edges (a retired one can be made current again: `transfer rollback`)."""
    import json

    from kgplatform.cli.base import literal
    from kgplatform.transfer.writeback import list_models

    with graph_session() as graph:
        models = list_models(graph)
    if as_json:
        print(json.dumps(models, default=str))
        return
    if not models:
        console.print("no transfer model in the graph yet (`kgplatform train-transfer` publishes one)")
        return

    def when(value: object) -> str:
        return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "strftime") else ""

    def metric(value: object) -> str:
        # A model without validation pairs stores NaN: it read "spearman nan" (a review, 6 December 2026).
        return f"{value:.3f}" if isinstance(value, float) and math.isfinite(value) else ""

    # One line per version, the version first and whole (`transfer activate` takes it): a table folded
    # every column of a 40-character version into a letter per line at 80 columns. Times UTC; the data time,
    # the snapshot hash and every metric are in --json.
    for m in models:
        edges = f"{m['edges']}" + (f"/{m['edge_count']}" if m["edge_count"] not in (None, m["edges"]) else "")
        fields = [
            str(m["version"]),
            f"{m['status']:<8}",
            f"activated {when(m['activated_at']) or '-':<11}",
            f"edges {edges}",
            f"spearman {metric(m['metrics'].get('valid_spearman')) or '-'}",
        ]
        if m["activated_by"]:
            fields.append(f"by {m['activated_by']}")
        if m["edges"] == 0 and m["edge_count"] in (None, 0) and m["metrics"].get("alpha") == 0:
            # A current model of 0 edges means transfer off in every plan; "edges 0" alone read like a
            # failed publish (train-transfer and the night's job say why; this list did not).
            fields.append("no edge: transfer did not clearly raise the tracer's AUC on validation learners")
        if m["held_by"]:
            fields.append("HELD (publishes refused; `transfer release`)")
        console.print(literal("  ".join(fields)), soft_wrap=True)


def _activate(version: str, reason: str | None, hold: bool) -> None:
    from kgplatform.cli.base import cli_actor, literal
    from kgplatform.transfer.artifacts import mark_latest
    from kgplatform.transfer.writeback import activate_version

    settings = get_settings()
    with graph_session() as graph:
        done = activate_version(graph, version, cli_actor(), reason, hold)
    # The checkpoint folder's pointer follows the graph when this machine holds the checkpoint (the graph's
    # pointer is the truth; LATEST is what `load_checkpoint()` loads by default).
    if (settings.paths.models_dir / "transfer" / done.version / "checkpoint.json").is_file():
        mark_latest(settings.paths.models_dir, done.version)
    console.print(
        literal(
            f"transfer model {done.version} is current ({done.edges} edges); retired: "
            f"{', '.join(done.previous) or 'none'}. Plans made with the other model read as stale and are "
            "recomputed on their next request or the next recompute; "
            + (
                "publishes are refused until `kgplatform transfer release`."
                if hold
                else "the next retrain of newer data replaces it (--hold keeps it until `transfer release`)."
            )
        )
    )


# The options `activate` and `rollback` share (typer reads a default's OptionInfo, so one object serves both).
REASON = typer.Option(None, "--reason", help="Why, for the audit entry.")
HOLD = typer.Option(
    False,
    "--hold",
    help="Refuse every publish (the nightly retrain's too) until `transfer release`: without it the next "
    "retrain of newer data replaces this model.",
)


@transfer_app.command("activate")
def transfer_activate(
    version: str = typer.Argument(..., help="A retired version (`transfer list`)."),
    reason: str | None = REASON,
    hold: bool = HOLD,
) -> None:
    """Make a retired model current again, retiring the current one, in one transaction (audited). Exit 4
    when the version is unknown or not retired (its edges are gone)."""
    _activate(version, reason, hold)


@transfer_app.command("rollback")
def transfer_rollback(
    reason: str | None = REASON,
    hold: bool = HOLD,
) -> None:
    """Go back to the model the last publish replaced (the graph keeps its edges until the next publish),
    in one transaction (audited). Exit 4 when there is none."""
    from kgplatform.transfer.writeback import previous_version

    with graph_session() as graph:
        version = previous_version(graph)
    _activate(version, reason, hold)


@transfer_app.command("release")
def transfer_release() -> None:
    """End the hold on the current model (`rollback --hold`): publishes switch again (audited). Exit 4 when
    it is not held."""
    from kgplatform.cli.base import cli_actor, literal
    from kgplatform.transfer.writeback import release_hold

    with graph_session() as graph:
        version = release_hold(graph, cli_actor())
    console.print(literal(f"transfer model {version} is no longer held: the next publish switches as usual"))


@transfer_app.command("discard")
def transfer_discard(
    version: str = typer.Argument(..., help="A version left 'writing' (`transfer list`)."),
    force: bool = typer.Option(
        False, "--force", help="Also when it started writing less than 15 minutes ago (its process is gone)."
    ),
) -> None:
    """Delete a version whose write-back was killed before its switch (left 'writing' with part of its
    edges; readers never saw it), instead of waiting a day for a publish to prune it. Exit 4 when it is
    unknown, in another state, or may still be writing."""
    from kgplatform.cli.base import literal
    from kgplatform.transfer.writeback import discard_abandoned

    with graph_session() as graph:
        deleted = discard_abandoned(graph, version, force=force)
    console.print(literal(f"transfer model {version} discarded: {deleted} edges deleted"))
