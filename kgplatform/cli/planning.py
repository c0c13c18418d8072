"""Plans and the simulator: `simulate-policies`, `simulate-logs`, `plan`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import typer
from rich.console import Group, RenderableType
from rich.table import Column, Table

from kgplatform.cli.base import (
    PANEL_LEARNERS,
    PANEL_MODELS,
    app,
    check_plot_path,
    console,
    fail,
    graph_session,
    literal,
)
from kgplatform.settings import get_settings
from kgplatform.wording import counted


@app.command("simulate-policies", rich_help_panel=PANEL_MODELS)
def simulate_policies(
    curriculum: str = typer.Option("generated", "--curriculum", help="generated | junyi (../shared/data)."),
    learners: int = typer.Option(
        500, "--learners", min=2, help="Simulated learners (the same for every policy)."
    ),
    tasks: int = typer.Option(50, "--tasks", min=1, help="Tasks each learner does (K)."),
    seed: int = typer.Option(7, "--seed", min=0, help="Same seed, same learners and the same luck."),
    concepts: int = typer.Option(200, "--concepts", min=2, help="Size of the generated curriculum."),
    plot: Path | None = typer.Option(None, "--plot", help="Write a PNG of goal mastery vs tasks done."),
    goal_focus: float = typer.Option(
        2.0,
        "--goal-focus",
        min=0.0,
        max=8.0,
        help="Ours' PlanConfig.goal_focus: the power of closest-goal-first (0: every goal pulls alike).",
    ),
    plan_length: int = typer.Option(
        1,
        "--plan-length",
        min=1,
        help="Tasks of each of ours' plans a learner works through before the next plan (1: a new plan "
        "after every answer, as on-demand recomputation gives); baselines choose every task.",
    ),
) -> None:
    """Run ours and the usual policies on the same simulated learners; goal mastery with 95% intervals."""
    if plot is not None:
        check_plot_path(plot)  # before the simulation, not once its minutes are spent
    from kgplatform.planning.compare import compare_policies, default_policies, plot_comparison
    from kgplatform.planning.curricula import load_graph
    from kgplatform.planning.policy import PlanConfig

    config = PlanConfig(goal_focus=goal_focus)
    graph = load_graph(curriculum, n_concepts=concepts, seed=seed)
    comparison = compare_policies(
        graph,
        curriculum,
        n_learners=learners,
        n_tasks=tasks,
        seed=seed,
        policies=default_policies(config),
        plan_length=plan_length,
    )
    # The intervals whole on their line: at 80 columns each was split over two ("[0.246," / "0.554]"). Their
    # headers are broken by hand (a column that does not wrap keeps its header on one line too), and the
    # policies' names fold at spaces, never inside a word.
    longest_word = max(len(word) for row in comparison.table() for word in str(row["policy"]).split())
    table = Table(
        Column("policy", min_width=longest_word),
        f"goal mastery after {tasks} tasks",
        Column("95% CI", no_wrap=True),
        "same task as the step before",
        Column("ours minus this\n(paired 95% CI)", no_wrap=True),
        title=f"{curriculum} ({graph.n_concepts} concepts), {learners} learners, seed {seed}"
        + (f", ours' plans followed {plan_length} tasks at a time" if plan_length > 1 else ""),
    )
    for row in comparison.table():
        name = str(row["policy"])
        difference, half = comparison.ours_minus(name)
        table.add_row(
            name,
            f"{row['mean']:.3f}",
            f"[{row['ci_low']:.3f}, {row['ci_high']:.3f}]",
            f"{row['repeat_share']:.1%}",
            "" if name == "ours" else f"{difference:+.3f} ± {half:.3f}",
        )
    console.print(table)
    verdict = "ahead of every baseline" if comparison.ours_ahead() else "NOT clearly ahead of every baseline"
    console.print(f"ours is {verdict} (non-overlapping 95% intervals)")
    if plot:
        console.print(f"plot: {plot_comparison(comparison, plot)}")


@app.command("simulate-logs", rich_help_panel=PANEL_MODELS)
def simulate_logs(
    out: Path = typer.Option(..., "--out", help="Where to write the answers (JSON lines)."),
    curriculum_file: Path | None = typer.Option(
        None, "--curriculum-file", help="A JSON import document; default: generate one."
    ),
    concepts: int = typer.Option(60, "--concepts", min=2, help="Generated curriculum size (no file given)."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the generated curriculum and the learners."),
    learners: int = typer.Option(20, "--learners", min=1),
    tasks: int = typer.Option(30, "--tasks", min=1, help="Answers per learner."),
    start: str = typer.Option(
        "2026-01-05T08:00:00+00:00", "--start", help="Time of the first answers (ISO)."
    ),
    goals_out: Path | None = typer.Option(
        None,
        "--goals-out",
        help="Where to write the learners' goals (JSON lines); default: OUT with the suffix .goals.jsonl.",
    ),
    learner_prefix: str = typer.Option(
        "learner",
        "--learner-prefix",
        help="Learner ids are PREFIX-00000, PREFIX-00001, ...; the default gives the demo's learners' ids.",
    ),
) -> None:
    """Answer logs of simulated learners following their plans, and their goals, to post through the API
    (`kgplatform demo` does the same in-process).

    Goals: one line per learner, {"learner_id": ..., "concept_ids": [...]}: without its learner_id, a line
    is the body of PUT /learners/{learner_id}/goals; post them before the answers.
    """
    import json

    from kgplatform.curriculum.generator import generate_curriculum as generate
    from kgplatform.planning.graph import build_graph
    from kgplatform.planning.logs import event_prefix, goal_records, simulate_answer_logs

    # The demo's learners are learner-00000...: posted onto its graph with the default prefix, these
    # learners' goals replace theirs and their answers join their histories (a review, s30).
    _check_learner_prefix(learner_prefix, learners)
    try:
        started = datetime.fromisoformat(start)
    except ValueError:
        fail(f"--start {start!r} is not an ISO 8601 time (e.g. 2026-01-05T08:00:00+00:00)")
        return
    if started.utcoffset() is None:
        # A time without a zone gave answers without one, every row of which POST /answers refuses
        # ("answered_at needs a time zone"): the log was useless, found only when posted (a review, s32).
        fail(
            f"--start {start!r} has no time zone, and POST /answers refuses answers without one: "
            f"add it (e.g. {started.isoformat()}+00:00)"
        )
        return
    if (refusal := start_refusal(started, tasks)) is not None:
        fail(refusal)
        return
    # Any: event_prefix takes the file's own mapping, or (as ever) the generated document.
    document: Any = _read_curriculum_file(curriculum_file) if curriculum_file else generate(concepts, seed)
    graph = build_graph(document)
    if not graph.has_tasks.any():
        fail("the curriculum has no tasks: simulated learners would have nothing to answer")
        return
    count = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    prefix = event_prefix(document, seed=seed, n_learners=learners, n_tasks=tasks, start=started)
    with out.open("w", encoding="utf-8") as handle:
        for record in simulate_answer_logs(
            graph,
            n_learners=learners,
            n_tasks=tasks,
            seed=seed,
            start=started,
            learner_prefix=learner_prefix,
            event_prefix=prefix,
        ):
            print(json.dumps(record), file=handle)
            count += 1
    goals_out = goals_out or out.with_suffix(".goals.jsonl")
    with goals_out.open("w", encoding="utf-8") as handle:
        for record in goal_records(graph, n_learners=learners, seed=seed, learner_prefix=learner_prefix):
            print(json.dumps(record), file=handle)
    console.print(
        f"wrote {out}: {count} answers of {learners} learners on {graph.n_concepts} concepts; "
        f"their goals: {goals_out}"
    )
    if curriculum_file is None:
        # The generated curriculum is not written: its tasks must be imported before the answers are
        # posted, or every row is rejected as an unknown task (a review, s32).
        console.print(
            f"their tasks are those of curriculum {document.curriculum.id!r}, generated and not written: "
            f"import it first (`kgplatform generate-curriculum --concepts {concepts} --seed {seed} "
            "--out FILE.json`, "
            "then `kgplatform import-curriculum FILE.json`)",
            markup=False,
        )


def start_refusal(started: datetime, n_tasks: int, now: datetime | None = None) -> str | None:
    """Why POST /answers would refuse some of the log's answers for their time, or None. A start within a
    week of now gave a log whose later answers lay days ahead (30 tasks span 7.4 days), and one before 1970
    answers before that: written without a word, rejected row by row only when posted."""
    from kgplatform.mastery.models import EARLIEST_ANSWER, MAX_CLOCK_AHEAD
    from kgplatform.planning.logs import answers_span

    if started <= EARLIEST_ANSWER:
        # The epoch itself too: a first answer dated at the start would be refused as a missing time.
        return (
            f"--start {started.isoformat()} is not after {EARLIEST_ANSWER:%Y-%m-%dT%H:%M:%SZ}: POST /answers "
            "refuses such times"
        )
    span = answers_span(n_tasks)
    latest = (now or datetime.now(UTC)) + MAX_CLOCK_AHEAD - span
    if started > latest:
        return (
            f"--start {started.isoformat()}: the last answers of {counted(n_tasks, 'task')} would be dated "
            "up to "
            f"{span / timedelta(days=1):.2f} days after it, and POST /answers refuses answers more than "
            f"{MAX_CLOCK_AHEAD.days} day ahead of its clock: start at {latest:%Y-%m-%dT%H:%M:%SZ} or earlier"
        )
    return None


def _check_learner_prefix(prefix: str, learners: int) -> None:
    """Refuses a prefix whose ids POST /answers would refuse (checked on the longest id it gives), saying
    why, before anything is simulated."""
    from kgplatform.mastery.models import LearnerIdText
    from kgplatform.validation_messages import value_problem

    if problems := value_problem(LearnerIdText, f"{prefix}-{learners - 1:05d}"):
        fail(f"--learner-prefix {prefix!r} gives learner ids the API refuses: {problems}")


# Errors of a refused --curriculum-file shown in its one line; the import's dry run lists them all.
SHOWN_FILE_ERRORS = 3


def _read_curriculum_file(path: Path) -> dict[str, Any]:
    """The JSON import document at `path`, after the import's own checks (an empty graph as the stored
    one): a concept without an id was a KeyError traceback, and a dangling edge or a cycle was taken."""
    import json

    from kgplatform.curriculum.import_validation import ExistingGraph, validate_import
    from kgplatform.curriculum.io import parse_json

    if path.is_dir() or path.suffix.lower() in (".zip", ".csv"):
        # The import takes these, and the dry run the refusal below suggests accepted them; this option
        # reads the JSON document only (the simulated event ids are made from it as written).
        fail(
            f"--curriculum-file {path}: give a JSON curriculum document, not a folder, .zip or .csv "
            "(`kgplatform export-curriculum ID --out FILE.json` writes one from an imported curriculum)"
        )
    data = path.read_bytes()
    raw = parse_json(data)
    named = (raw.curriculum or {}).get("id")
    target = named if isinstance(named, str) and named else "simulated"
    report = validate_import(raw, target, ExistingGraph(), dry_run=True, skip_invalid=False).report
    if report.errors:
        shown = "; ".join(error.describe() for error in report.errors[:SHOWN_FILE_ERRORS])
        more = (
            f"; ... and {len(report.errors) - SHOWN_FILE_ERRORS:,} more"
            if len(report.errors) > SHOWN_FILE_ERRORS
            else ""
        )
        fail(
            f"--curriculum-file {path} is not a valid curriculum document "
            f"({counted(len(report.errors), 'error')}: "
            f"{shown}{more}; `kgplatform import-curriculum {path} --dry-run` lists them)"
        )
    # The file as written, not the validated model: the simulated event ids are made from it.
    document: dict[str, Any] = json.loads(data)
    return document


@app.command("plan", rich_help_panel=PANEL_LEARNERS)
def plan(
    learner_id: str = typer.Argument(..., help="The learner's id."),
    curriculum: str | None = typer.Option(
        None, "--curriculum", help="Default: the learner's own curriculum."
    ),
    refresh: bool = typer.Option(True, help="Recompute when the stored plan is stale or missing."),
) -> None:
    """Show a learner's plan (its age, whether it is stale, and why each task)."""
    from kgplatform.mastery import params_store
    from kgplatform.mastery.bkt import TracerParams
    from kgplatform.planning.cache import PlanCache
    from kgplatform.planning.service import PlanService
    from kgplatform.planning.store import PlanStore
    from kgplatform.redis_client import open_redis

    settings = get_settings()
    fitted = params_store.load_current(settings)
    params = TracerParams.default(()) if fitted is None else fitted  # TracerParams has a length
    client = open_redis(settings.redis.url)
    try:
        with graph_session() as graph:
            served = PlanService(PlanStore(graph), PlanCache(client), params).current_plan(
                learner_id, curriculum, refresh=refresh
            )
    finally:
        client.close()
    record = served.record
    state = f"STALE ({'; '.join(served.stale_because)})" if served.stale else "fresh"
    console.print(
        literal(
            f"plan {record.id} for {learner_id} in {record.curriculum_id}: {state}, "
            f"{served.age_s:.0f} s old, from {served.source}, model {record.model_version}"
        )
    )
    console.print(plan_table(record.tasks, console.width))


# What the table's other columns take at the least (rank, purpose, success, a narrow reason, the borders):
# the task and concept columns share the rest of the terminal's width for their names.
OTHER_COLUMNS_WIDTH = 47
# A reason column narrower than this goes under the table instead: at 80 columns (piped output) the ids
# left it 7 characters, and each reason read a word or half a word a line ("strengt", "hens").
REASON_MIN_WIDTH = 30


def plan_table(tasks: list[dict[str, Any]], width: int) -> RenderableType:
    """The plan's tasks for people: each task by its title and its concept by its name, each above its id.
    Ids are whole whatever the terminal's width (the names and the reason fold instead): at 80 columns, or
    piped, they were cut to `generated-0-t…`, and an operator could not copy the task a learner was given
    (a review, s32; `keys list` keeps its ids whole so). The names are the plan's own (`task_title`,
    `concept_name`, since 5 December 2026); the table showed bare ids, and a null name (a stale plan of an
    older planner) shows the id alone. `width`: the terminal's, which the names' columns share. Where that
    leaves the reason under REASON_MIN_WIDTH, the reasons follow the table, each after its task's rank."""

    share = (width - OTHER_COLUMNS_WIDTH) // 2
    # The success column as shown, measured as shown: the stored value (0.6234) is longer than its cell (62%).
    success = [f"{task['predicted_success']:.0%}" for task in tasks]

    def longest(key: str) -> int:
        return max((len(str(t.get(key) or "")) for t in tasks), default=1)

    def whole(header: str, key: str) -> Column:
        return Column(header, no_wrap=True, min_width=longest(key), max_width=max(longest(key), share))

    def shown_width(header: str, key: str, name_key: str | None = None) -> int:
        widest = max(len(header), longest(key))
        if name_key is not None:
            widest = max(widest, min(longest(name_key), max(longest(key), share)))
        return widest + 2  # its padding

    others = (
        shown_width("rank", "rank")
        + shown_width("task", "task_id", "task_title")
        + shown_width("concept", "concept_id", "concept_name")
        + shown_width("purpose", "purpose")
        + max(len("success"), *map(len, success))
        + 2  # its padding
    )
    reason_width = width - others - 2 - 7  # its padding, and the borders of six columns
    inside = reason_width >= REASON_MIN_WIDTH
    columns = ["rank", whole("task", "task_id"), whole("concept", "concept_id"), "purpose", "success"]
    table = Table(*columns, *([Column("reason", overflow="fold")] if inside else []))
    for task, shown_success in zip(tasks, success, strict=True):
        table.add_row(
            str(task["rank"]),
            named(task.get("task_title"), task["task_id"]),
            named(task.get("concept_name"), task["concept_id"]),
            task["purpose"],
            shown_success,
            *([literal(task["reason"])] if inside else []),
        )
    if inside:
        return table
    reasons = Table.grid(padding=(0, 1))
    reasons.add_column(justify="right", no_wrap=True)
    reasons.add_column(overflow="fold")
    for task in tasks:
        reasons.add_row(f"{task['rank']}.", literal(task["reason"]))
    return Group(table, "why each task:", reasons)


def named(name: object, ident: str) -> RenderableType:
    """A name above its id in a table cell: the id whole (its column does not wrap), the name folded onto
    more lines where it is longer than the column (up to 200 characters, perhaps without a space)."""
    ident_line = literal(ident)
    if not name or name == ident:
        return ident_line
    ident_line.style = "dim"
    shown = literal(name)
    shown.no_wrap, shown.overflow = False, "fold"
    return Group(shown, ident_line)
