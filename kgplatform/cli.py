"""The operator's commands. Each is a thin call into one area; errors print as one line."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.table import Table

from kgplatform.auth.models import Role
from kgplatform.errors import KgpError
from kgplatform.settings import get_settings

app = typer.Typer(help="kgplatform: adaptive learning on a knowledge graph.", pretty_exceptions_enable=False,
                  no_args_is_help=True)
services_app = typer.Typer(help="Run the local Neo4j and Redis (no Docker needed).", no_args_is_help=True)
app.add_typer(services_app, name="services")
console = Console()


@contextmanager
def graph_session() -> Iterator["Graph"]:  # noqa: F821 - imported lazily to keep `--help` fast
    from kgplatform.graph.driver import Graph

    graph = Graph.connect(get_settings().neo4j)
    try:
        yield graph
    finally:
        graph.close()


def print_statuses(statuses: list) -> None:  # list[ServiceStatus]
    table = Table("service", "address", "state", "pid")
    for s in statuses:
        table.add_row(s.name, s.address, str(s.state), str(s.pid or ""))
    console.print(table)


@services_app.command("up")
def services_up(
    started_file: Path | None = typer.Option(None, help="Append the names of services started now."),
) -> None:
    """Install (if missing) and start Neo4j and Redis; wait until both answer."""
    from kgplatform.services import manager

    statuses = manager.up(get_settings())
    print_statuses(statuses)
    if started_file:
        started = [s.name for s in statuses if s.state == manager.State.STARTED]
        with started_file.open("a") as out:
            out.writelines(f"{name}\n" for name in started)


@services_app.command("down")
def services_down(
    only: list[str] = typer.Option(None, help="Stop only these services (neo4j, redis)."),
) -> None:
    """Stop the services that `services up` started (and nothing else)."""
    from kgplatform.services import manager

    print_statuses(manager.down(get_settings(), only=only or None))


@services_app.command("status")
def services_status() -> None:
    """Show whether each service runs and who started it."""
    from kgplatform.services import manager

    print_statuses(manager.status(get_settings()))


@app.command()
def migrate() -> None:
    """Apply pending schema migrations from cypher/migrations (each exactly once)."""
    from kgplatform.graph.migrations import migrate as run_migrations

    with graph_session() as graph:
        report = run_migrations(graph, on_apply=lambda m: console.print(f"applying V{m.version:04d}__{m.name}"))
    if report.applied:
        console.print(f"applied {len(report.applied)} migration(s): {', '.join(report.applied)}")
    else:
        console.print(f"nothing to apply ({len(report.already_applied)} already applied)")


@app.command()
def api(host: str | None = None, port: int | None = None) -> None:
    """Serve the HTTP API."""
    import uvicorn

    settings = get_settings()
    uvicorn.run("kgplatform.api.app:create_app", factory=True, host=host or settings.api_host,
                port=port or settings.api_port, log_level="info")


@app.command()
def demo(
    serve: bool = typer.Option(True, help="Serve the API at the end (Ctrl-C to stop)."),
    learners: int = typer.Option(500, "--learners", min=1, help="Simulated learners."),
    concepts: int = typer.Option(300, "--concepts", min=2, help="Concepts in the generated curriculum."),
) -> None:
    """The end-to-end job: services, schema, a generated curriculum, simulated answers, the transfer
    model, everyone's plans, then the API."""
    from kgplatform.demo import Demo
    from kgplatform.graph.migrations import migrate as run_migrations
    from kgplatform.services import manager

    settings = get_settings()
    console.rule("1. services")
    print_statuses(manager.up(settings))
    console.rule("2. schema")
    with graph_session() as graph:
        report = run_migrations(graph)
        console.print(f"migrations applied now: {report.applied or 'none'}; before: {len(report.already_applied)}")
        Demo(settings, graph, console, concepts=concepts, learners=learners).run()
    console.rule("API")
    console.print(f"API at http://{settings.api_host}:{settings.api_port} (docs at /docs, health at /readyz)")
    if serve:
        api(None, None)


@app.command("generate-curriculum")
def generate_curriculum(
    concepts: int = typer.Option(..., "--concepts", min=1, help="Number of concepts."),
    seed: int = typer.Option(0, "--seed", help="Same seed, same curriculum."),
    tasks_per_concept: int = typer.Option(3, "--tasks-per-concept", min=0),
    curriculum_id: str | None = typer.Option(None, "--curriculum-id", help="Default: generated-<seed>."),
    out: Path = typer.Option(..., "--out", help="Where to write the JSON document."),
) -> None:
    """Write a synthetic layered curriculum (JSON import document) made from a seed."""
    from kgplatform.curriculum.generator import generate_curriculum as generate

    document = generate(concepts, seed, tasks_per_concept, curriculum_id=curriculum_id)
    out.write_text(document.to_json(), "utf-8")
    console.print(f"wrote {out}: {len(document.concepts)} concepts, {len(document.prerequisites)} "
                  f"prerequisites, {len(document.tasks)} tasks (curriculum {document.curriculum.id!r})")


def print_import_report(report: "ImportReport", as_json: bool) -> None:  # noqa: F821 - lazy import
    """The report as text (or JSON); exit code 1 when rows were refused and nothing was written."""
    if as_json:
        print(report.model_dump_json(indent=2))
    else:
        for line in report.lines():
            print(line)  # plain: ids are long, and a wrapped id cannot be copied
    if report.errors and not report.imported:
        raise typer.Exit(1)


def cli_actor() -> str:
    """Who the audit trail names for CLI imports: the operating-system user."""
    import getpass

    return f"cli:{getpass.getuser()}"


@app.command("import-curriculum")
def import_curriculum(
    path: Path = typer.Argument(..., exists=True, help="A .json document, a .zip of CSVs, a folder of "
                                "concepts.csv/prerequisites.csv/tasks.csv, or one of those files."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report; write nothing."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Import the valid rows, list the rest."),
    curriculum_id: str | None = typer.Option(None, "--curriculum-id",
                                             help="Target curriculum (default: the JSON document's id)."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Import a curriculum file into the graph, printing the per-row report."""
    from kgplatform.curriculum.import_service import run_import
    from kgplatform.curriculum.io import read_import_path

    raw = read_import_path(path, {"id": curriculum_id} if curriculum_id else None)
    target = curriculum_id or (raw.curriculum or {}).get("id")
    if not isinstance(target, str) or not target:
        fail("no curriculum id: pass --curriculum-id (CSV files do not name their curriculum)")
        return
    with graph_session() as graph:
        report = run_import(graph, raw, target, actor=cli_actor(), dry_run=dry_run, skip_invalid=skip_invalid)
    print_import_report(report, as_json)


@app.command("import-dataset")
def import_dataset(
    name: str = typer.Argument(..., help="junyi, al-cpl or lecturebank (read from ../shared/data)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report; write nothing."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Import all but the invalid rows "
                                      "(self-loops, edges inside cycles), listing them."),
    reduce: bool = typer.Option(False, "--transitive-reduction", help="AL-CPL: keep only the transitive "
                                "reduction of its (transitively closed) positive edges."),
    domain: list[str] = typer.Option(None, "--domain", help="AL-CPL: only these domains."),
    as_json: bool = typer.Option(False, "--json", help="Print the reports as JSON."),
) -> None:
    """Import a public prerequisite graph as a curriculum, reporting its self-loops and cycles."""
    from kgplatform.curriculum.import_service import run_import
    from kgplatform.curriculum.importers.al_cpl import DOMAINS
    from kgplatform.curriculum.importers.datasets import DATASETS, read_dataset

    if name not in DATASETS:
        fail(f"unknown dataset {name!r}; one of {', '.join(DATASETS)}")
    documents = read_dataset(name, reduce=reduce, domains=domain or DOMAINS)
    refused = False
    with graph_session() as graph:
        for raw in documents:
            curriculum_id = str((raw.curriculum or {})["id"])
            report = run_import(graph, raw, curriculum_id, actor=cli_actor(), dry_run=dry_run,
                                skip_invalid=skip_invalid)
            if not as_json:
                console.rule(curriculum_id)
            try:
                print_import_report(report, as_json)
            except typer.Exit:
                refused = True
    if refused:
        raise typer.Exit(1)


@app.command("export-curriculum")
def export_curriculum(
    curriculum_id: str = typer.Argument(..., help="The curriculum to export."),
    out: Path = typer.Option(..., "--out", help="FILE.json, FILE.zip (CSVs), or a folder for the three CSVs."),
) -> None:
    """Export a curriculum from the graph as JSON or CSV."""
    from kgplatform.curriculum.import_service import export_document
    from kgplatform.curriculum.io import write_export

    with graph_session() as graph:
        document = export_document(graph, curriculum_id)
    written = write_export(document, out)
    console.print(f"exported {curriculum_id!r}: {len(document.concepts)} concepts, "
                  f"{len(document.prerequisites)} prerequisites, {len(document.tasks)} tasks -> "
                  f"{', '.join(str(p) for p in written)}")


@app.command("simulate-policies")
def simulate_policies(
    curriculum: str = typer.Option("generated", "--curriculum", help="generated | junyi (../shared/data)."),
    learners: int = typer.Option(500, "--learners", min=2, help="Simulated learners (the same for every policy)."),
    tasks: int = typer.Option(50, "--tasks", min=1, help="Tasks each learner does (K)."),
    seed: int = typer.Option(7, "--seed", help="Same seed, same learners and the same luck."),
    concepts: int = typer.Option(200, "--concepts", min=2, help="Size of the generated curriculum."),
    plot: Path | None = typer.Option(None, "--plot", help="Write a PNG of goal mastery vs tasks done."),
) -> None:
    """Run ours and the usual policies on the same simulated learners; goal mastery with 95% intervals."""
    from kgplatform.planning.compare import compare_policies, plot_comparison
    from kgplatform.planning.curricula import load_graph

    graph = load_graph(curriculum, n_concepts=concepts, seed=seed)
    comparison = compare_policies(graph, curriculum, n_learners=learners, n_tasks=tasks, seed=seed)
    table = Table("policy", f"goal mastery after {tasks} tasks", "95% CI",
                  title=f"{curriculum} ({graph.n_concepts} concepts), {learners} learners, seed {seed}")
    for row in comparison.table():
        table.add_row(str(row["policy"]), f"{row['mean']:.3f}", f"[{row['ci_low']:.3f}, {row['ci_high']:.3f}]")
    console.print(table)
    verdict = "ahead of every baseline" if comparison.ours_ahead() else "NOT clearly ahead of every baseline"
    console.print(f"ours is {verdict} (non-overlapping 95% intervals)")
    if plot:
        console.print(f"plot: {plot_comparison(comparison, plot)}")


@app.command("simulate-logs")
def simulate_logs(
    out: Path = typer.Option(..., "--out", help="Where to write the answers (JSON lines)."),
    curriculum_file: Path | None = typer.Option(None, "--curriculum-file",
                                                help="A JSON import document; default: generate one."),
    concepts: int = typer.Option(60, "--concepts", min=2, help="Generated curriculum size (no file given)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the generated curriculum and the learners."),
    learners: int = typer.Option(20, "--learners", min=1),
    tasks: int = typer.Option(30, "--tasks", min=1, help="Answers per learner."),
    start: str = typer.Option("2026-01-05T08:00:00+00:00", "--start", help="Time of the first answers (ISO)."),
    goals_out: Path | None = typer.Option(None, "--goals-out",
                                          help="Where to write the learners' goals (JSON lines); "
                                               "default: OUT with the suffix .goals.jsonl."),
) -> None:
    """Answer logs of simulated learners following their plans, and their goals, for the README demo.

    Goals: one line per learner, {"learner_id": ..., "concept_ids": [...]}, where concept_ids is the body
    of PUT /learners/{learner_id}/goals; post them before the answers.
    """
    import json
    from datetime import datetime

    from kgplatform.curriculum.generator import generate_curriculum as generate
    from kgplatform.planning.graph import build_graph
    from kgplatform.planning.logs import goal_records, simulate_answer_logs

    document = (json.loads(curriculum_file.read_text("utf-8")) if curriculum_file
                else generate(concepts, seed))
    graph = build_graph(document)
    count = 0
    with out.open("w", encoding="utf-8") as handle:
        for record in simulate_answer_logs(graph, n_learners=learners, n_tasks=tasks, seed=seed,
                                           start=datetime.fromisoformat(start)):
            print(json.dumps(record), file=handle)
            count += 1
    goals_out = goals_out or out.with_suffix(".goals.jsonl")
    with goals_out.open("w", encoding="utf-8") as handle:
        for record in goal_records(graph, n_learners=learners, seed=seed):
            print(json.dumps(record), file=handle)
    console.print(f"wrote {out}: {count} answers of {learners} learners on {graph.n_concepts} concepts; "
                  f"their goals: {goals_out}")


@app.command("plan")
def plan(
    learner_id: str = typer.Argument(..., help="The learner's id."),
    curriculum: str | None = typer.Option(None, "--curriculum", help="Default: the learner's own curriculum."),
    refresh: bool = typer.Option(True, help="Recompute when the stored plan is stale or missing."),
) -> None:
    """Show a learner's plan (its age, whether it is stale, and why each task)."""
    import redis

    from kgplatform.mastery import params_store
    from kgplatform.mastery.bkt import TracerParams
    from kgplatform.planning.cache import PlanCache
    from kgplatform.planning.service import PlanService
    from kgplatform.planning.store import PlanStore

    settings = get_settings()
    params = params_store.load_current(settings) or TracerParams.default(())
    client = redis.Redis.from_url(settings.redis.url)
    try:
        with graph_session() as graph:
            served = PlanService(PlanStore(graph), PlanCache(client), params).current_plan(
                learner_id, curriculum, refresh=refresh)
    finally:
        client.close()
    record = served.record
    state = f"STALE ({'; '.join(served.stale_because)})" if served.stale else "fresh"
    console.print(f"plan {record.id} for {learner_id} in {record.curriculum_id}: {state}, "
                  f"{served.age_s:.0f} s old, from {served.source}, model {record.model_version}")
    table = Table("rank", "task", "concept", "purpose", "success", "reason")
    for task in record.tasks:
        table.add_row(str(task["rank"]), task["task_id"], task["concept_id"], task["purpose"],
                      f"{task['predicted_success']:.0%}", task["reason"])
    console.print(table)


keys_app = typer.Typer(help="API keys: create (secret shown once), list, revoke.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def keys_create(
    role: Role = typer.Option(..., "--role", help="What the key may do."),
    name: str = typer.Option(..., "--name", help="Who holds it; written as the actor in the audit trail."),
) -> None:
    """Create a key and print its secret once (only its hash is stored)."""
    from kgplatform.auth import service
    from kgplatform.auth.models import ApiKeyIn

    try:
        request = ApiKeyIn.model_validate({"role": role, "name": name})
    except ValueError as error:
        raise KgpError(f"invalid key request: {' '.join(str(error).split()[:12])}") from None
    with graph_session() as graph:
        key = service.issue_key(graph, role=request.role, name=request.name)
    console.print(f"created key {key.id} ({key.role.value}, {key.name!r}); its secret, shown only now:")
    print(key.secret)


@keys_app.command("list")
def keys_list() -> None:
    """Every key (never secrets), newest first."""
    from kgplatform.auth import service

    with graph_session() as graph:
        keys = service.list_keys(graph)
    table = Table("id", "name", "role", "created", "revoked")
    for key in keys:
        table.add_row(key.id, key.name, key.role.value, key.created_at.isoformat(timespec="seconds"),
                      "yes" if key.revoked else "")
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: str = typer.Argument(..., help="The key's id (from `keys list`).")) -> None:
    """Revoke a key for good (running API processes refuse it within a few seconds)."""
    from kgplatform.auth import service

    with graph_session() as graph:
        key = service.revoke_key(graph, key_id)
    console.print(f"revoked key {key.id} ({key.role.value}, {key.name!r})")


@app.command("fit-tracer")
def fit_tracer(
    data: Path = typer.Option(..., help="An assist2009-style folder or one ASSISTments CSV."),
    forget_rate: float | None = typer.Option(None, "--forget-rate-per-day", help="Unset: 35-day half-life."),
) -> None:
    """Fit BKT parameters per concept (EM) on an answer log; they become the tracer's current parameters."""
    from dataclasses import asdict

    from kgplatform.mastery import params_store
    from kgplatform.mastery.datasets import read_log
    from kgplatform.mastery.fitting import FitOptions, fit_bkt

    settings = get_settings()
    log = read_log(data)
    options = FitOptions() if forget_rate is None else FitOptions(forget_rate_per_day=forget_rate)
    version = params_store.new_model_version()
    params, report = fit_bkt(log.observations(), log.skill_labels, options, version)
    metadata = {"data": str(data), "counts": log.describe(), "fit": asdict(report)}
    path = params_store.save(settings, params, metadata)
    console.print(f"fitted {len(params)} concepts on {report.n_observations:,} rows in {report.seconds:.1f} s"
                  f" ({report.iterations} EM iterations, log-likelihood {report.log_likelihood:,.1f})")
    console.print(f"model_version {params.model_version} written to {path} (now current)")


@app.command("eval-tracing")
def eval_tracing(
    data: Path = typer.Option(..., help="An assist2009-style folder (AKT folds) or one ASSISTments CSV."),
    folds: str = typer.Option("1,2,3,4,5", help="Comma-separated test folds."),
    pybkt: bool = typer.Option(True, help="Include pyBKT 1.4.3 (its venv: scripts/pybkt-env.sh)."),
    pybkt_fits: int = typer.Option(1, help="pyBKT random restarts per fit."),
    out: Path | None = typer.Option(None, help="Write the figures as JSON here (default: var/data/eval)."),
) -> None:
    """Next-answer prediction on held-out learners: ours, ours without transfer, pyBKT, success rate."""
    import time
    from datetime import UTC, datetime

    from kgplatform.errors import ValidationFailed
    from kgplatform.mastery import eval_report
    from kgplatform.mastery.datasets import read_log
    from kgplatform.mastery.evaluation import EvaluationOptions, evaluate, summarise
    from kgplatform.mastery.pybkt_runner import PyBktRunner

    try:
        fold_list = tuple(int(f) for f in folds.split(",") if f.strip())
    except ValueError:
        raise ValidationFailed(f"--folds must be integers like 1,2,3, got {folds!r}", field="folds") from None
    settings = get_settings()
    started = time.perf_counter()
    log = read_log(data)
    runner = PyBktRunner.from_settings(settings, num_fits=pybkt_fits) if pybkt else None
    def show(step: str) -> None:
        console.print(f"[dim]{time.perf_counter() - started:6.1f}s {step}[/dim]")

    scores = evaluate(log, EvaluationOptions(folds=fold_list), runner, on_step=show)
    summaries = summarise(scores)
    wide = Console(width=max(console.width, 160))  # wide tables: a pipe's 80 columns would squeeze them
    wide.print(eval_report.fold_table(scores))
    wide.print(eval_report.summary_table(summaries, f"{data}: mean ± sd over folds {folds}"))
    for line in eval_report.field_gap(summaries):
        console.print(line)
    target = out or settings.paths.data_dir / "eval" / f"tracing-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    metadata = {"data": str(data), "folds": list(fold_list), "counts": log.describe(),
                "seconds": time.perf_counter() - started}
    eval_report.write_json(target, scores, metadata)
    console.print(f"figures written to {target} ({time.perf_counter() - started:.0f} s)")


@app.command("train-transfer")
def train_transfer(
    data: str = typer.Option("graph", "--data", help="graph (Neo4j: concepts, prerequisites, answers) or "
                             "assist2009 (the shared dataset; checkpoint only, its skills are not in the graph)."),
    seed: int = typer.Option(0, "--seed"),
    max_epochs: int = typer.Option(300, "--max-epochs", min=1),
    write: bool = typer.Option(True, "--write/--no-write", help="Publish TRANSFERS_TO edges (graph only)."),
) -> None:
    """Train the transfer GNN, save a versioned checkpoint and (graph) switch Neo4j to the new edges."""
    from kgplatform.transfer.train import TrainConfig
    from kgplatform.transfer.pipeline import PipelineOptions

    settings = get_settings()
    options = PipelineOptions(seed=seed, train=TrainConfig(seed=seed, max_epochs=max_epochs))
    cache = settings.paths.data_dir / "embeddings"
    if data == "graph":
        from kgplatform.transfer.pipeline import retrain_from_graph

        with graph_session() as graph:
            trained, path, report = retrain_from_graph(graph, settings.paths.models_dir, cache, options, write)
        if report:
            console.print(f"published {report.edges} TRANSFERS_TO edges of {report.model_version} in "
                          f"{report.seconds:.1f} s (pruned: {list(report.pruned_versions) or 'none'})")
    elif data == "assist2009":
        from kgplatform.mastery.datasets import read_assist2009
        from kgplatform.transfer.data import ConceptTable
        from kgplatform.transfer.embeddings import embed_names
        from kgplatform.transfer.pipeline import save, train_transfer as train

        log = read_assist2009(settings.paths.shared_data_dir / "assist2009")
        concepts = ConceptTable.from_log(log)
        trained = train(concepts, log, embed_names(concepts.names, cache), options)
        path = save(trained, settings.paths.models_dir, {"source": "assist2009"})
    else:
        raise KgpError(f"--data must be graph or assist2009, not {data!r}", field="data")
    console.print(f"model {trained.model_version}: {trained.metrics}")
    console.print(f"checkpoint: {path}")


@app.command("eval-transfer")
def eval_transfer(
    data: str = typer.Option(..., "--data", help="A folder in the assist2009 layout, or 'generated' (a generated "
                             "curriculum with simulated learners whose true transfer is known)."),
    fold: int = typer.Option(1, "--fold", min=1, max=5, help="AKT test fold (assist2009)."),
    seed: int = typer.Option(0, "--seed"),
    concepts: int = typer.Option(60, "--concepts", min=5, help="Generated: number of concepts."),
    learners: int = typer.Option(10000, "--learners", min=100, help="Generated: simulated learners."),
    tasks: int = typer.Option(100, "--tasks", min=5, help="Generated: tasks per learner."),
    downstream: bool = typer.Option(True, "--downstream/--no-downstream", help="Tracer next-answer AUC gain."),
    cold_start: bool = typer.Option(True, "--cold-start/--no-cold-start"),
    out: Path | None = typer.Option(None, "--out", help="Also write the report as JSON."),
) -> None:
    """Held-out learners and pairs: the GNN against non-GNN baselines, tracer gain, cold start; one run."""
    import json

    from kgplatform.transfer.evaluate import EvalOptions, assist2009_problem, evaluate
    from kgplatform.transfer.report import print_report, report_dict
    from kgplatform.transfer.train import TrainConfig

    settings = get_settings()
    cache = settings.paths.data_dir / "embeddings"
    if data == "generated":
        from kgplatform.transfer.generated import SimulationOptions, generated_problem

        problem = generated_problem(SimulationOptions(concepts, learners, tasks, seed=seed), cache)
    else:
        problem = assist2009_problem(Path(data), fold, cache)
    # Many models are trained in one run: their progress bars would bury the tables, so they are off here.
    options = EvalOptions(seed=seed, downstream=downstream, cold_start=cold_start,
                          train=TrainConfig(seed=seed, progress=False))
    report = evaluate(problem, options)
    print_report(report, console)
    if out:
        out.write_text(json.dumps(report_dict(report), indent=2, default=float), "utf-8")
        console.print(f"wrote {out}")


@app.command("worker")
def worker(
    queues: str = typer.Option("planning,training,default", "--queues", "-Q",
                               help="Comma-separated queues to consume (planning, training, default)."),
    concurrency: int = typer.Option(2, "--concurrency", "-c", min=1, help="Pool processes (one per core)."),
    loglevel: str = typer.Option("INFO", "--loglevel"),
    hostname: str | None = typer.Option(None, "--hostname", help="Worker name, e.g. planner1@%h."),
) -> None:
    """Run a Celery worker (prefork pool; /metrics on settings.workers.metrics_port)."""
    from workers.run import run_worker

    run_worker([q.strip() for q in queues.split(",") if q.strip()], concurrency, loglevel, hostname)


@app.command("beat")
def beat(loglevel: str = typer.Option("INFO", "--loglevel")) -> None:
    """Run celery beat: the nightly chain (retrain transfer, then recompute all) at the configured time."""
    from workers.run import run_beat

    run_beat(loglevel)


@app.command("recompute")
def recompute(
    everyone: bool = typer.Option(False, "--all", help="Recompute every learner's plan (a batch)."),
    curriculum: str | None = typer.Option(None, "--curriculum", help="Only this curriculum's learners."),
    chunk_size: int | None = typer.Option(None, "--chunk-size", min=1, help="Learners per chunk message."),
    wait: bool = typer.Option(False, "--wait", help="Show a progress bar until the batch ends."),
) -> None:
    """Start a plan recomputation batch on the workers; prints its job id (see `kgplatform jobs show`)."""
    import redis

    from kgplatform.jobs.service import JobService
    from workers.celery_app import app as celery

    if not everyone:
        fail("say what to recompute: --all (with --curriculum to narrow it)")
    settings = get_settings()
    client = redis.Redis.from_url(settings.redis.url)
    try:
        with graph_session() as graph:
            jobs = JobService(client, graph, settings.workers)
            running = jobs.running_batch()
            if running:
                fail(f"batch {running} is running; `kgplatform jobs show {running}`")
            if not celery.control.ping(timeout=1.0):
                console.print("[yellow]no worker answered a ping: the batch waits in the queue until "
                              "`kgplatform worker` runs[/yellow]")
            job_id = jobs.start_recompute_all(celery.send_task, curriculum, chunk_size)
            console.print(f"job {job_id} queued")
            if wait:
                status = watch_job(jobs, job_id)
                print_job(status)
                if status.state.value != "succeeded":
                    raise typer.Exit(1)
    finally:
        client.close()


def watch_job(jobs: JobService, job_id: str, poll_s: float = 0.5) -> JobStatus:  # noqa: F821
    """A rich progress bar fed by the job's progress in Redis, until the job finishes."""
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]}"), TextColumn("ETA {task.fields[eta]}"), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        bar = progress.add_task("queued", total=None, rate="", eta="?")
        while True:
            status = jobs.status(job_id)
            rate = f"{status.rate_per_s:,.0f} learners/s" if status.rate_per_s else ""
            eta = f"{status.eta_s:,.0f} s" if status.eta_s is not None else "?"
            progress.update(bar, description=status.state.value, total=status.total, completed=status.done,
                            rate=rate, eta=eta)
            if status.state.finished:
                return status
            time.sleep(poll_s)


def print_job(status: JobStatus) -> None:  # noqa: F821
    table = Table("field", "value")
    rows = [("id", status.id), ("kind", status.kind), ("state", status.state.value),
            ("curriculum", status.curriculum_id or "(all)"),
            ("done / total", f"{status.done:,} / " + ("?" if status.total is None else f"{status.total:,}")),
            ("failed", f"{status.failed:,}"), ("skipped", f"{status.skipped:,}"),
            ("chunks", f"{status.chunks_done} / {status.chunks_total}"),
            ("rate", f"{status.rate_per_s:,.0f} learners/s" if status.rate_per_s else "-"),
            ("ETA", f"{status.eta_s:,.0f} s" if status.eta_s is not None else "-"),
            ("created", str(status.created_at)), ("started", str(status.started_at or "-")),
            ("finished", str(status.finished_at or "-")), ("message", status.message or "-"),
            ("from", status.source)]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    if status.failures:
        failures = Table("chunk", "learners", "first", "last", "reason", title="failures")
        for f in status.failures:
            failures.add_row(str(f.chunk), str(f.learners), f.first_learner_id or "", f.last_learner_id or "",
                             f.reason)
        console.print(failures)


jobs_app = typer.Typer(help="Batches run by the workers: progress and summaries.", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")


@jobs_app.command("show")
def jobs_show(
    job_id: str = typer.Argument(..., help="The job id printed by `kgplatform recompute`."),
    wait: bool = typer.Option(False, "--wait", help="Follow it with a progress bar until it ends."),
) -> None:
    """A batch's progress (done/total, rate, ETA) or final summary with its failures."""
    import redis

    from kgplatform.jobs.service import JobService

    settings = get_settings()
    client = redis.Redis.from_url(settings.redis.url)
    try:
        with graph_session() as graph:
            jobs = JobService(client, graph, settings.workers)
            print_job(watch_job(jobs, job_id) if wait else jobs.status(job_id))
    finally:
        client.close()


def main() -> None:
    """Entry point: known failures become one clear line on stderr and exit code 2."""
    from neo4j import exceptions as neo4j_errors
    from redis import RedisError

    # The driver logs connection failures itself (e.g. "Unable to retrieve routing information");
    # the CLI reports them as its own single line below, so the driver's copy would only repeat it.
    logging.getLogger("neo4j").setLevel(logging.CRITICAL)
    try:
        app()
    except KgpError as error:
        fail(error.message)
    except (neo4j_errors.Neo4jError, neo4j_errors.DriverError) as error:
        from kgplatform.graph.driver import describe_connection_error

        fail(describe_connection_error(get_settings().neo4j, error))
    except RedisError as error:
        fail(f"Redis at {get_settings().redis.url} failed: {error}")


def fail(message: str) -> None:
    """One line on stderr, whatever line breaks the underlying error carried, then exit 2."""
    print("kgplatform: " + " ".join(message.split()), file=sys.stderr)
    sys.exit(2)


if __name__ == "__main__":
    main()
