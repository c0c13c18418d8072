"""Readers of public answer logs into one columnar `ResponseLog`.

- `read_assist2009(folder)`: `../shared/data/assist2009` (interactions.csv in AKT order, users.csv with the
  AKT test folds, skills.csv with names); see that folder's PROVENANCE.md.
- `read_assistments_csv(path)`: the common ASSISTments columns user_id, problem_id, skill_id or skill_name,
  correct, and order_id (chronological) when present; rows without a user, problem, skill or correctness
  (or order_id, when the column is there) are dropped and counted. Comma, tab or semicolon separated,
  UTF-8 (a BOM is fine) or else Windows-1252/latin-1, plain or gzip'd.

A *response* is one answer to one problem. ASSISTments stores a response to a problem tagged with several
skills as consecutive rows, one per skill: rows of one learner with the same problem (and the same order_id
when there is one) that are adjacent in the log form one response, which evaluation predicts once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from kgplatform.errors import ValidationFailed
from kgplatform.mastery.bkt import FloatArray, IntArray
from kgplatform.mastery.log_files import (
    Column,
    Columns,
    bad_cell,
    integer_cell,
    present,
    read_columns,
    read_header,
)
from kgplatform.mastery.tracing_batch import ObservationRows
from kgplatform.wording import counted


@dataclass(frozen=True, eq=False)
class ResponseLog:
    """One row per (response, skill), in log order. Codes index the label tuples."""

    user: IntArray
    problem: IntArray
    skill: IntArray
    correct: FloatArray
    response: IntArray  # rows of one response share it; increases along the log
    user_labels: tuple[str, ...]
    problem_labels: tuple[str, ...]
    skill_labels: tuple[str, ...]
    skill_names: tuple[str, ...]
    folds: IntArray | None = None  # per user code: AKT test fold 1..5, 0 = in no test fold
    dropped_rows: int = 0
    order_column: str | None = None  # the column that put the rows in time order; None: the file's order

    def __len__(self) -> int:
        return int(self.user.size)

    @property
    def n_responses(self) -> int:
        return int(np.unique(self.response).size)

    def subset(self, row_mask: FloatArray) -> ResponseLog:
        """The rows selected by a boolean mask; labels and folds stay (codes keep their meaning)."""
        keep = np.asarray(row_mask, dtype=bool)
        return replace(
            self,
            user=self.user[keep],
            problem=self.problem[keep],
            skill=self.skill[keep],
            correct=self.correct[keep],
            response=self.response[keep],
        )

    def users_in_folds(self, folds: Iterable[int]) -> FloatArray:
        """Boolean row mask: rows of the users whose AKT test fold is in `folds`."""
        if self.folds is None:
            raise ValidationFailed("this log has no fold assignment", field="folds")
        return np.isin(self.folds[self.user], list(folds))

    def observations(self, row_answer: IntArray | None = None) -> ObservationRows:
        """Rows for the tracer. These logs have no timestamps, so each learner's clock is the number of their
        earlier responses (forgetting then counts intervening answers). `row_answer` overrides the answer key
        (the leaky row-by-row protocol passes one key per row)."""
        answer = self.response if row_answer is None else row_answer
        return ObservationRows(
            self.user, answer, self.skill, response_clock(self.user, self.response), self.correct
        )

    def describe(self) -> dict[str, int | float]:
        return {
            "rows": len(self),
            "responses": self.n_responses,
            "learners": int(np.unique(self.user).size),
            "problems": int(np.unique(self.problem).size),
            "skills": int(np.unique(self.skill).size),
            "correct_rows": int(self.correct.sum()),
            "dropped_rows": self.dropped_rows,
        }


def reading_note(path: Path, log: ResponseLog) -> str:
    """One line for the operator: what was read, what was dropped and in which order the rows were taken
    (the counts were only in the written JSON: a log whose rows were mostly dropped looked like any other)."""
    counts = log.describe()
    order = (
        f"ordered by {log.order_column}" if log.order_column else "no order_id column: in the file's order"
    )
    return (
        f"read {path}: {counts['rows']:,} rows ({counts['responses']:,} responses) of {counts['learners']:,} "
        f"learners on {counts['skills']:,} skills, {order}; {counts['dropped_rows']:,} rows dropped "
        "(no learner, problem, skill, correctness or order)"
    )


def response_clock(user: IntArray, response: IntArray) -> FloatArray:
    """For each row: how many responses its learner gave before this one (rows in log order)."""
    order = np.lexsort((response, user))
    u, r = user[order], response[order]
    new_user = np.concatenate([[True], u[1:] != u[:-1]])
    new_response = new_user | np.concatenate([[True], r[1:] != r[:-1]])
    count = np.cumsum(new_response)
    first = np.maximum.accumulate(np.where(new_user, count, 0))
    clock = np.empty(user.size)
    clock[order] = count - first
    return clock


def read_assist2009(folder: Path) -> ResponseLog:
    """The AKT-preprocessed ASSISTments 2009 log with its five test folds."""
    if folder.is_file():
        raise ValidationFailed(
            f"{folder} is a file: expected a folder in the assist2009 layout (interactions.csv, users.csv)",
            field="data",
        )
    interactions, users, skills = folder / "interactions.csv", folder / "users.csv", folder / "skills.csv"
    for path in (interactions, users):
        if not path.is_file():
            # A file that cannot be opened: exit 2 in the CLI (docs/cli.md), not 4 ("refused").
            # A researcher's folder holding their one CSV was told only of the assist2009 folder.
            raise ValidationFailed(
                f"{path} does not exist: a folder is read in the layout of ../shared/data/assist2009 "
                "(interactions.csv, users.csv); to read one ASSISTments CSV, give the file's path",
                field="data",
            )
    rows = read_columns(interactions, required=("user_id", "seq", "problem_id", "skill_id", "correct"))
    # AKT's order: each learner's rows by `seq`, learners in the order they first appear. The shipped file is
    # already in it, but a file sorted otherwise (by seq across learners) separated the rows of a
    # multi-skill response, which the leak-free protocol then predicted row by row (a review, 1 December).
    # A learner's code in the column is the order in which they first appear (raw id, as before).
    learners, seq = rows["user_id"], rows["seq"]
    seq_of_label = [_whole_number(label) for label in seq.labels]
    bad = np.fromiter((v is None for v in seq_of_label), dtype=bool, count=len(seq_of_label))[seq.codes]
    if bad.any():  # the first bad seq in the file is named, as sorting by it used to
        integer_cell(rows.row(int(np.argmax(bad))), "seq", interactions)
    try:
        seq_values = np.array(seq_of_label, dtype=np.int64)[seq.codes]
        row_order = np.lexsort((seq_values, learners.codes))  # stable: rows with one seq keep file order
    except OverflowError:  # a seq beyond 64 bits: Python's ints sort it
        row_order = np.array(
            sorted(range(len(rows)), key=lambda i: (learners.codes[i], seq_of_label[seq.codes[i]])),
            dtype=np.int64,
        )
    # Every learner of the file, before incomplete rows are dropped: users.csv is checked against these.
    in_file = {label.strip() for label in learners.labels}
    log = replace(_build(rows, "skill_id", None, interactions, row_order), order_column="seq")
    names = (
        {r["skill_id"]: r["skill_name"] for r in read_columns(skills, ("skill_id", "skill_name")).rows()}
        if skills.is_file()
        else {}
    )
    folds = np.zeros(len(log.user_labels), dtype=np.int64)
    code = {label.strip(): i for i, label in enumerate(log.user_labels)}
    # A users.csv row naming no learner of the log (an id with a stray space, another export) would leave
    # that learner at fold 0: trained on in every fold, tested in none, with nothing said.
    unmatched = []
    for r in read_columns(users, ("user_id", "akt_test_fold")).rows():
        learner = r["user_id"].strip()
        if learner not in in_file:
            unmatched.append(learner)
        elif learner in code and r["akt_test_fold"].strip():  # not in `code`: all their rows were dropped
            folds[code[learner]] = integer_cell(r, "akt_test_fold", users)
    if unmatched:
        raise ValidationFailed(
            f"{users}: {counted(len(unmatched), 'user_id')} "
            f"{'names' if len(unmatched) == 1 else 'name'} no learner of {interactions.name} "
            f"(first: {unmatched[:3]}); the AKT folds would be wrong",
            field="data",
        )
    return replace(log, folds=folds, skill_names=tuple(names.get(s, s) for s in log.skill_labels))


def read_assistments_csv(path: Path) -> ResponseLog:
    """A CSV with the common ASSISTments columns (extra columns are ignored)."""
    if not path.is_file():
        raise ValidationFailed(f"{path} does not exist", field="data")
    header = read_header(path)
    skill_column = "skill_id" if "skill_id" in header else "skill_name"
    # Either skill column will do: a file with neither is told so, not asked for skill_name alone.
    rows = read_columns(
        path,
        ("user_id", "problem_id", skill_column, "correct"),
        optional=("order_id",),
        named={"skill_name": "skill_id or skill_name"},
    )
    order = "order_id" if "order_id" in header else None
    return _build(rows, skill_column, order, path)


def read_log(path: Path) -> ResponseLog:
    """A folder in the assist2009 layout, or one ASSISTments CSV file."""
    return read_assist2009(path) if path.is_dir() else read_assistments_csv(path)


def _build(
    rows: Columns, skill_column: str, order_column: str | None, path: Path, row_order: IntArray | None = None
) -> ResponseLog:
    """The log of `rows` taken in `row_order` (default: file order), then by `order_column` when given."""
    # problem_id too: rows without one shared the problem "", and two answers in a row became one response.
    needed = (skill_column, "user_id", "problem_id", "correct", *((order_column,) if order_column else ()))
    # Rows missing any of these are dropped and counted (`dropped_rows`), as the field's loaders do.
    absent = {c: ~rows[c].label_mask(present) for c in needed}
    keep = ~np.logical_or.reduce([absent[c] for c in needed])
    order = np.arange(len(rows)) if row_order is None else row_order
    kept = order[keep[order]]  # row indices, in the order taken
    if not kept.size:
        # An empty log went on to the evaluation, which said "fold 1 has no learners".
        if not len(rows):
            raise ValidationFailed(f"{path} has a header but no rows", field="data")
        empty = ", ".join(f"{c} in {int(absent[c].sum()):,}" for c in needed)
        raise ValidationFailed(
            f"{path}: every one of its {len(rows):,} rows lacks a value it needs (empty: {empty})",
            field="data",
        )
    if order_column:  # a global chronological key such as order_id
        times = _numbers(rows, kept, order_column, path)
        kept = kept[np.argsort(times, kind="stable")]  # rows of one response keep their order
    users, user_code = _codes(rows["user_id"], kept)  # " u1" is the learner "u1"
    problems, problem_code = _codes(rows["problem_id"], kept)
    skills, skill_code = _codes(rows[skill_column], kept)
    correct = _numbers(rows, kept, "correct", path)
    outside = np.flatnonzero((correct < 0) | (correct > 1))
    if outside.size:
        row = rows.row(int(kept[outside[0]]))
        raise bad_cell(path, row, "correct", f"correct must lie in [0, 1], not {row['correct']!r}")
    # Equal cells have equal codes: the raw order_id codes tell rows of one response as the strings did.
    order_key = rows["order_id"].codes[kept] if order_column == "order_id" else None
    response = _responses(user_code, problem_code, skill_code, order_key)
    return ResponseLog(
        user_code,
        problem_code,
        skill_code,
        correct,
        response,
        users,
        problems,
        skills,
        skills,
        None,
        len(rows) - int(kept.size),
        order_column,
    )


def _whole_number(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def _float_or_none(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _numbers(rows: Columns, kept: IntArray, column: str, path: Path) -> FloatArray:
    """The column's cells of the `kept` rows as finite floats, or a refusal naming the line and the first
    bad value in that order ("inf" read as a number, and an infinite correctness reached the metrics). Each
    distinct cell is converted once."""
    col = rows[column]
    parsed = [_float_or_none(label) for label in col.labels]
    codes = col.codes[kept]
    number = np.fromiter((v is not None for v in parsed), dtype=bool, count=len(parsed))
    not_number = np.flatnonzero(~number[codes])
    if not_number.size:
        row = rows.row(int(kept[not_number[0]]))
        raise bad_cell(path, row, column, f"{column} must be a number, not {row[column]!r}")
    values = np.array([np.nan if v is None else v for v in parsed], dtype=np.float64)[codes]
    infinite = np.flatnonzero(~np.isfinite(values))
    if infinite.size:
        row = rows.row(int(kept[infinite[0]]))
        raise bad_cell(path, row, column, f"{column} must be a finite number, not {row[column]!r}")
    return values


def _codes(column: Column, kept: IntArray) -> tuple[tuple[str, ...], IntArray]:
    """Codes of the trimmed cells of the `kept` rows, labels sorted numerically when they are all integers
    (so codes follow ids), else as strings."""
    raw = column.codes[kept]
    used = np.unique(raw)
    trimmed = [column.labels[int(i)].strip() for i in used]
    unique = set(trimmed)
    labels = sorted(unique, key=int) if all(v.lstrip("-").isdigit() for v in unique) else sorted(unique)
    index = {label: i for i, label in enumerate(labels)}
    # raw cell code -> final code; cells of dropped rows are never looked up
    lookup = np.zeros(len(column.labels), dtype=np.int64)
    lookup[used] = [index[v] for v in trimmed]
    return tuple(labels), lookup[raw]


def _responses(user: IntArray, problem: IntArray, skill: IntArray, order_key: np.ndarray | None) -> IntArray:
    """Adjacent rows of one learner on one problem (and one order_id, if given) form one response, until a
    skill repeats: the same single-skill problem answered twice in a row is two responses."""
    same = np.zeros(user.size, dtype=bool)  # whether row i continues row i-1's response
    same[1:] = (user[1:] == user[:-1]) & (problem[1:] == problem[:-1])
    if order_key is not None:
        same[1:] &= order_key[1:] == order_key[:-1]
    # A run of adjacent rows on one problem is one response unless a skill repeats in it, which is rare: only
    # those runs are walked row by row (a loop over every row took seconds per million rows).
    starts = np.flatnonzero(~same)
    run = np.cumsum(~same)
    by_run = np.lexsort((skill, run))
    repeated = (run[by_run][1:] == run[by_run][:-1]) & (skill[by_run][1:] == skill[by_run][:-1])
    for r in np.unique(run[by_run][1:][repeated]):
        begin = int(starts[r - 1])
        end = int(starts[r]) if r < starts.size else user.size
        seen: set[int] = set()
        for i in range(begin, end):
            if int(skill[i]) in seen:
                same[i] = False
                seen = set()
            seen.add(int(skill[i]))
    return np.cumsum(~same) - 1
