"""Every PATCH body of the curriculum holds the same rules, from one base (`models._Patch`): a null field is
a 422 at that field unless the model names it nullable (null clears it), an empty patch is refused, and
`changes()` gives the fields sent. ConceptPatch and TaskPatch each spelled these until 5 December 2026."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from kgplatform.curriculum import models
from kgplatform.curriculum.models import ConceptPatch, TaskPatch

PATCHES = [ConceptPatch, TaskPatch]
# A valid value for each patch field, to send beside a null one.
VALID = {
    "name": "N",
    "title": "T",
    "description": "d",
    "tags": ["t"],
    "difficulty": 0.5,
    "kind": "quiz",
    "estimated_minutes": 5,
    "concepts": ["a"],
}


def test_every_patch_model_of_the_curriculum_takes_its_rules_from_the_one_base() -> None:
    patches = {
        value
        for name, value in vars(models).items()
        if isinstance(value, type)
        and issubclass(value, BaseModel)
        and name.endswith("Patch")
        and value is not models._Patch
    }
    assert patches == set(PATCHES)
    assert all(issubclass(patch, models._Patch) for patch in patches)


@pytest.mark.parametrize("patch", PATCHES)
def test_a_null_field_is_refused_at_that_field_unless_it_is_nullable(patch: type[models._Patch]) -> None:
    for field in patch.model_fields:
        if field in patch.NULLABLE:
            assert patch.model_validate({field: None}).changes() == {field: None}
            continue
        others = {f: VALID[f] for f in patch.model_fields if f != field}
        with pytest.raises(ValidationError) as raised:
            patch.model_validate({**others, field: None})
        (error,) = raised.value.errors()
        assert error["loc"] == (field,)
        assert error["msg"] == f"Value error, {field} cannot be null (omit it to keep it)"


@pytest.mark.parametrize("patch", PATCHES)
def test_an_empty_patch_is_refused_and_changes_are_the_fields_sent(patch: type[models._Patch]) -> None:
    with pytest.raises(ValidationError, match="a patch must change at least one field"):
        patch.model_validate({})
    sent = {f: VALID[f] for f in list(patch.model_fields)[:2]}
    assert patch.model_validate(sent).changes() == sent


def test_which_fields_may_be_null() -> None:
    """Only a concept's difficulty clears (a task's has a default it keeps)."""
    assert {p.__name__: set(p.NULLABLE) for p in PATCHES} == {
        "ConceptPatch": {"difficulty"},
        "TaskPatch": set(),
    }
