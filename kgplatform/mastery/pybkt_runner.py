"""pyBKT 1.4.3 as a reference model, run in its own interpreter (.cache/pybkt-venv, `scripts/pybkt-env.sh`).

pyBKT needs numpy < 2 and scikit-learn < 1.6, so it cannot share the main environment: this module writes
the training and test rows to CSV files, runs `pybkt_job.py` in that interpreter, and reads the per-row
predictions back. Results are cached by a hash of the inputs and of the job script, so re-running an
evaluation is fast.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
import subprocess
import tempfile
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kgplatform.errors import PreconditionFailed
from kgplatform.mastery.bkt import FloatArray
from kgplatform.mastery.datasets import ResponseLog
from kgplatform.settings import PROJECT_ROOT, Settings

JOB = Path(__file__).with_name("pybkt_job.py")
ENV_SCRIPT = PROJECT_ROOT / "scripts" / "pybkt-env.sh"


@dataclass(frozen=True)
class PyBktRunner:
    python: Path
    cache_dir: Path
    seed: int = 42
    num_fits: int = 1
    timeout_s: float = 1800.0
    job: Path = JOB  # the script run in that interpreter (tests pass a stand-in)

    @classmethod
    def from_settings(cls, settings: Settings, num_fits: int = 1) -> PyBktRunner:
        """The side interpreter, refusing clearly when it was never built."""
        python = settings.services.cache_dir / "pybkt-venv" / "bin" / "python"
        if not python.is_file():
            raise PreconditionFailed(f"pyBKT's interpreter {python} is missing: run {ENV_SCRIPT} first")
        return cls(python, settings.services.cache_dir / "eval" / "pybkt", num_fits=num_fits)

    def predict(self, train: ResponseLog, test: ResponseLog) -> FloatArray:
        """pyBKT fitted on `train`, P(correct) for every row of `test` (skills unseen in training: NaN)."""
        with ThreadPoolExecutor(max_workers=1) as executor:
            return self.submit(train, test, executor).result()

    def submit(self, train: ResponseLog, test: ResponseLog, executor: Executor) -> Future[FloatArray]:
        """Starts the job on `executor` (its threads only wait on the child process) and returns at once,
        so pyBKT's folds run while the caller evaluates the other models."""
        folder = Path(tempfile.mkdtemp(prefix="kgp-pybkt-"))
        train_csv, test_csv = folder / "train.csv", folder / "test.csv"
        _write_rows(train, train_csv)
        _write_rows(test, test_csv)
        digest = hashlib.sha256()
        # The job script is part of the key: a changed fit (its options, the library version it pins)
        # must not be answered from the cache of the old one.
        for path in (self.job, train_csv, test_csv):
            digest.update(path.read_bytes())
        digest.update(f"{self.seed}/{self.num_fits}/pyBKT-1.4.3".encode())
        cached = self.cache_dir / f"{digest.hexdigest()[:24]}.csv"
        return executor.submit(self._run, folder, cached, len(test))

    def _run(self, folder: Path, cached: Path, n_rows: int) -> FloatArray:
        try:
            if not cached.is_file():
                self.cache_dir.mkdir(parents=True, exist_ok=True)
                out = folder / "out.csv"
                command = [
                    str(self.python),
                    str(self.job),
                    str(folder / "train.csv"),
                    str(folder / "test.csv"),
                    str(out),
                    str(self.seed),
                    str(self.num_fits),
                ]
                done = subprocess.run(
                    command, capture_output=True, text=True, timeout=self.timeout_s, check=False
                )
                if done.returncode != 0:
                    tail = " ".join(done.stderr.strip().splitlines()[-3:])
                    raise PreconditionFailed(f"pyBKT failed (exit {done.returncode}): {tail}")
                shutil.move(out, cached)
            return _read_predictions(cached, n_rows)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def _write_rows(log: ResponseLog, path: Path) -> None:
    """Rows in log order; order_id is the row position, which pyBKT sorts each learner's answers by."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "order_id", "user_id", "skill_name", "correct"])
        users = np.array(log.user_labels, dtype=object)[log.user]
        skills = np.array(log.skill_labels, dtype=object)[log.skill]
        correct = (log.correct >= 0.5).astype(int)
        writer.writerows(zip(range(len(log)), range(len(log)), users, skills, correct, strict=True))


def _read_predictions(path: Path, n_rows: int) -> FloatArray:
    predicted = np.full(n_rows, np.nan)
    with path.open(newline="", encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            predicted[int(record["row"])] = float(record["correct_predictions"])
    return predicted
