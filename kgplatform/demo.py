"""The end-to-end demo (`kgplatform demo`, the README's first command), one function per stage.

Everything it uses is the project's own data: a generated curriculum and simulated learners whose
answers go through the same ingestion path the API uses. A re-run finds the curriculum and the
answers already there (idempotent imports and event ids: the answers are dated from the demo
curriculum's creation, so a re-run posts the very same records) and recomputes the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

from rich.console import Console
from rich.progress import Progress

from kgplatform.auth.models import Role
from kgplatform.auth.service import issue_key, list_keys, revoke_key
from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.curriculum.import_service import run_import
from kgplatform.curriculum.io import RawDocument
from kgplatform.curriculum.store import get_curriculum
from kgplatform.errors import KgpError
from kgplatform.graph.driver import Graph
from kgplatform.jobs.store import JobStore
from kgplatform.mastery import params_store
from kgplatform.mastery.models import RETRACE_PAGE
from kgplatform.mastery.service import CurrentParams, MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.planning.bulk import plan_everyone
from kgplatform.planning.cache import PlanCache
from kgplatform.planning.graph import build_graph
from kgplatform.planning.logs import learner_goals, simulate_answer_logs
from kgplatform.planning.stamps import PLANNER_VERSION
from kgplatform.planning.store import PlanStore
from kgplatform.redis_client import open_redis
from kgplatform.settings import Settings
from kgplatform.transfer.summary import no_edge_reason
from kgplatform.wording import counted

CURRICULUM_ID = "demo"
DEMO_KEY_NAME = "demo"


def batches(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    while batch := list(islice(rows, size)):
        yield batch


class Demo:
    def __init__(
        self,
        settings: Settings,
        graph: Graph,
        console: Console,
        *,
        concepts: int = 300,
        learners: int = 500,
        tasks_per_learner: int = 40,
        seed: int = 0,
    ) -> None:
        self.settings, self.graph, self.console = settings, graph, console
        self.concepts, self.learners, self.tasks_per_learner, self.seed = (
            concepts,
            learners,
            tasks_per_learner,
            seed,
        )

    def stages(self) -> list[tuple[str, Callable[[], None]]]:
        return [
            ("curriculum", self.import_curriculum),
            ("answers", self.ingest_answers),
            ("tracer", self.fit_tracer),
            ("transfer model", self.train_transfer),
            ("plans", self.compute_plans),
            ("API key", self.issue_demo_key),
        ]

    def import_curriculum(self) -> None:
        document = generate_curriculum(
            self.concepts, self.seed, curriculum_id=CURRICULUM_ID, name="Demo curriculum"
        )
        self.document = document
        report = run_import(self.graph, RawDocument.from_document(document), CURRICULUM_ID, actor="demo")
        self.console.print(
            f"curriculum {CURRICULUM_ID!r}: {self.concepts} concepts generated with seed "
            f"{self.seed}; {report.summary}"
        )

    def ingest_answers(self) -> None:
        """Simulated learners, with their goals, follow their plans; their answers are posted in API-sized
        batches (goals first, as a service would, so that the first plans are already goal-directed)."""
        plan_graph = build_graph(self.document)
        # The default parameters, not the current ones: the tracer stage fits on these answers and traces
        # everyone again, and the current ones' loader warned, before any fit, to run fit-tracer.
        service = MasteryService(MasteryStore(self.graph))
        goals = learner_goals(plan_graph, n_learners=self.learners, seed=self.seed)
        for learner_id, concept_ids in goals.items():
            service.set_goals(learner_id, concept_ids)
        # Answers end a day before the curriculum was first imported, so mastery has decayed realistically
        # by the time plans are made, and a re-run dates every answer exactly as the first run did.
        span = timedelta(days=self.tasks_per_learner * 0.25)
        curriculum = get_curriculum(self.graph, CURRICULUM_ID) or {}
        created = curriculum.get("created_at") or datetime.now(UTC)
        start = created.replace(microsecond=0) - span - timedelta(days=1)
        records = simulate_answer_logs(
            plan_graph,
            n_learners=self.learners,
            n_tasks=self.tasks_per_learner,
            seed=self.seed,
            start=start,
            # The sizes and the planner (the simulated learners follow its plans) change the records behind
            # an id: a run with other ones must not replay onto stored answers (they would be conflicts).
            event_prefix=(
                f"demo-{self.seed}-{self.concepts}c-{self.learners}l-{self.tasks_per_learner}t-{PLANNER_VERSION}"
            ),
        )
        accepted = duplicates = rejected = 0
        total = self.learners * self.tasks_per_learner
        with Progress(console=self.console, transient=True) as progress:
            bar = progress.add_task("ingesting answers", total=total)
            for batch in batches(records, 5000):
                result = service.ingest(batch)
                accepted, duplicates = accepted + len(result.accepted), duplicates + len(result.duplicates)
                rejected += len(result.rejected)
                progress.advance(bar, len(batch))
        self.console.print(
            f"answers: {accepted:,} accepted, {duplicates:,} already stored, {rejected:,} rejected; "
            f"goals set for {counted(len(goals), 'learner')}"
        )
        if rejected:
            raise KgpError(f"the demo's own answers were rejected ({rejected}): see the ingest rules")

    def fit_tracer(self) -> None:
        """The tracer's parameters fitted on the answers just stored (as `fit-tracer --data graph`), then
        every learner traced anew under them (as `retrace`): ingested under the defaults, their mastery would
        otherwise take the fitted parameters only at each one's next answer."""
        from kgplatform.mastery.fitting import FitOptions
        from kgplatform.transfer.data import export_from_graph  # the log as train-transfer reads it

        _, log = export_from_graph(self.graph)
        params, report, _ = params_store.fit_and_save(self.settings, log, "graph", FitOptions())
        self.console.print(
            f"tracer {params.model_version}: fitted {counted(len(params), 'concept')} on "
            f"{report.n_observations:,} answer-concept rows in {report.seconds:.1f} s"
        )
        service = MasteryService(MasteryStore(self.graph), lambda: params)
        learner_ids = list(JobStore(self.graph).learner_ids())
        with Progress(console=self.console, transient=True) as progress:
            bar = progress.add_task("retracing learners", total=len(learner_ids))
            pages = service.retrace_in_pages(
                learner_ids, RETRACE_PAGE, lambda page: progress.advance(bar, page.learners)
            )
        replayed = sum(len(page.replayed) for page in pages)
        self.console.print(
            f"mastery: {counted(replayed, 'learner')} traced again under {params.model_version}"
        )

    def train_transfer(self) -> None:
        from kgplatform.transfer.pipeline import retrain_from_graph  # torch is loaded only from here on

        trained, path, report = retrain_from_graph(
            self.graph, self.settings.paths.models_dir, self.settings.paths.data_dir / "embeddings"
        )
        edges = report.edges if report else 0
        self.console.print(
            f"transfer model {trained.model_version}: {edges} TRANSFERS_TO edges published; checkpoint {path}"
        )
        metrics = trained.metrics
        if edges == 0 and metrics.get("alpha") == 0 and "valid_auc_without_transfer" in metrics:
            # Not a failure: the strengths are scaled by what helps the tracer on held-out learners.
            self.console.print(no_edge_reason(metrics))

    def compute_plans(self) -> None:
        client = open_redis(self.settings.redis.url)
        try:
            stats = plan_everyone(
                PlanStore(self.graph), PlanCache(client), CurrentParams(self.settings)(), CURRICULUM_ID
            )
        finally:
            client.close()
        self.console.print(f"plans: {stats.learners} learners planned ({stats.tasks} tasks), cached in Redis")

    def issue_demo_key(self) -> None:
        """A new admin key named "demo"; the keys earlier runs issued are revoked (one demo key at a time)."""
        earlier = [k for k in list_keys(self.graph) if k.name == DEMO_KEY_NAME and not k.revoked]
        key = issue_key(self.graph, role=Role.ADMIN, name=DEMO_KEY_NAME, actor="demo")
        for old in earlier:
            revoke_key(self.graph, old.id, actor="demo")
        base = f"http://{self.settings.api_host}:{self.settings.api_port}"
        # print, not the console: rich would wrap the long lines, and they must paste as one command.
        print(
            f"admin API key for this demo (shown once; {counted(len(earlier), 'earlier demo key')} revoked):"
        )
        print(key.secret)
        print(f'try: curl -H "X-API-Key: {key.secret}" {base}/learners/learner-00000/next-tasks')
        print(f"web page: {base}/ui (sign in with the key)")

    def run(self, first: int = 3) -> int:
        """Runs the stages, numbered from `first` (after the caller's own); returns the next number."""
        for number, (title, stage) in enumerate(self.stages(), start=first):
            self.console.rule(f"{number}. {title}")
            stage()
        return first + len(self.stages())
