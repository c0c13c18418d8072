from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from kgplatform.auth.models import ApiKeyIn, Principal, Role


@pytest.mark.parametrize(
    ("role", "required", "allowed"),
    [
        (Role.DESIGNER, {Role.DESIGNER}, True),
        (Role.SERVICE, {Role.DESIGNER}, False),
        (Role.DESIGNER, {Role.SERVICE}, False),
        (Role.SERVICE, {Role.DESIGNER, Role.SERVICE}, True),
        (Role.ADMIN, {Role.DESIGNER}, True),
        (Role.ADMIN, {Role.SERVICE}, True),
    ],
)
def test_admin_passes_everything_others_need_a_listed_role(
    role: Role, required: set[Role], allowed: bool
) -> None:
    assert Principal(key_id="k", name="n", role=role).has_any_role(frozenset(required)) is allowed


def test_key_requests_need_a_known_role_and_a_name() -> None:
    assert ApiKeyIn(name="ci", role=Role.SERVICE).role is Role.SERVICE
    for bad in ({"name": "ci", "role": "root"}, {"name": " ", "role": "admin"}):
        with pytest.raises(ValidationError):
            ApiKeyIn.model_validate(bad)


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("ops\nadmin", "control characters (U+000A)"),
        ("ops-\u202enimda", "invisible formatting characters (U+202E)"),
        ("ops\u200b", "invisible formatting characters (U+200B)"),
        # Since 5 December 2026: " sec-admin" showed as "sec-admin" in every table and trail.
        (" sec-admin", "must not start or end with whitespace"),
        ("sec-admin ", "must not start or end with whitespace"),
        ("Jose\u0301", "must be in Unicode NFC form: use 'Jos\u00e9'"),
    ],
)
def test_a_key_name_is_refused_when_it_would_not_show_as_written(name: str, said: str) -> None:
    """The name is the actor of every audit entry the key's requests write."""
    with pytest.raises(ValidationError, match=re.escape(said)):
        ApiKeyIn(name=name, role=Role.DESIGNER)
    assert ApiKeyIn(name="Lehrerin Müller (Mathe)", role=Role.DESIGNER).name == "Lehrerin Müller (Mathe)"


def test_a_teacher_key_may_be_scoped_to_classes_named_once_each() -> None:
    request = ApiKeyIn.model_validate({"name": "t", "role": "teacher", "classes": ["7B", "7C", "7B"]})
    assert request.classes == ["7B", "7C"]
    assert ApiKeyIn(name="t", role=Role.TEACHER).classes is None, "left out: unscoped, as every older key"


@pytest.mark.parametrize(
    ("body", "loc", "said"),
    [
        # A service or admin key writes learners and rosters: a scope on reads alone would mislead.
        ({"role": "service", "classes": ["7B"]}, ("classes",), "only a teacher key"),
        ({"role": "admin", "classes": ["7B"]}, ("classes",), "only a teacher key"),
        # An empty list is not "every learner": a script with no class yet must not get such a key.
        ({"role": "teacher", "classes": []}, ("classes",), "at least 1 item"),
        ({"role": "teacher", "classes": ["7 B"]}, ("classes", 0), "must not contain whitespace or '/'"),
        ({"role": "teacher", "classes": ["7B "]}, ("classes", 0), "whitespace"),
        ({"role": "teacher", "classes": [f"c{i}" for i in range(101)]}, ("classes",), "at most 100"),
    ],
)
def test_a_class_scope_is_refused_naming_classes(
    body: dict[str, object], loc: tuple[object, ...], said: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        ApiKeyIn.model_validate({"name": "t", **body})
    errors = refused.value.errors()
    assert [e["loc"] for e in errors] == [loc] and said in errors[0]["msg"], errors
