"""eval-transfer reading a folder in the assist2009 layout (the models themselves: test_eval_progress)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgplatform.errors import ValidationFailed
from kgplatform.transfer.evaluate import assist2009_problem


def write_folder(folder: Path, folds: list[str]) -> Path:
    """Three learners with two answers each, in the folds given (an empty string: in no fold)."""
    lines = ["user_id,seq,problem_id,skill_id,correct"]
    users = ["user_id,akt_user_idx,akt_test_fold,n_rows"]
    for i, fold in enumerate(folds):
        lines += [f"u{i},0,p1,1,0", f"u{i},1,p2,2,1"]
        users.append(f"u{i},{i},{fold},2")
    (folder / "interactions.csv").write_text("\n".join(lines) + "\n")
    (folder / "users.csv").write_text("\n".join(users) + "\n")
    return folder


@pytest.mark.parametrize(
    ("folds", "why"),
    [
        (["", "", ""], "no learner has akt_test_fold 1, the test fold of --fold 1"),
        (["1", "3", "4"], "no learner has akt_test_fold 2, the validation fold of --fold 1"),
        (["1", "2", "1"], "every learner is in fold 1 or 2: none is left to train on"),
    ],
)
def test_a_fold_without_learners_is_refused_before_anything_is_trained(
    tmp_path: Path, folds: list[str], why: str
) -> None:
    """A users.csv leaving the folds empty gave tables of nan and a verdict of False, as if measured."""
    with pytest.raises(ValidationFailed, match=why) as raised:
        assist2009_problem(write_folder(tmp_path, folds), 1, tmp_path / "cache")
    assert raised.value.field == "fold"
