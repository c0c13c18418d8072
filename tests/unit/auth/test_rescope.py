"""Changing a teacher key's classes (`PATCH /api-keys/{id}`, `keys update`), decided without a database: the
new classes, or the refusal naming the member at fault. Going between unscoped (every learner) and scoped
takes words that say so: a whole list, or `unscoped: true`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from kgplatform.auth.models import ApiKey, KeyScopeIn, Role
from kgplatform.auth.service import change_form, rescope
from kgplatform.errors import Conflict, KgpError, ValidationFailed


def _key(classes: list[str], role: Role = Role.TEACHER, revoked: bool = False) -> ApiKey:
    return ApiKey(
        id="k1", name="mr-lee", role=role, classes=classes, created_at=datetime.now(UTC), revoked=revoked
    )


@pytest.mark.parametrize(
    ("classes", "change", "after"),
    [
        (["7B", "7C"], {"classes": ["7C"]}, ["7C"]),  # term change: the whole new list
        (["7B", "7C"], {"remove_classes": ["7B"]}, ["7C"]),
        (["7B"], {"add_classes": ["7C", "7B", "7C"]}, ["7B", "7C"]),  # each once, the old ones first
        (["7B", "7C"], {"add_classes": ["8A"], "remove_classes": ["7B"]}, ["7C", "8A"]),
        (["7B"], {"remove_classes": ["9Z"]}, ["7B"]),  # not in the list: nothing to remove
        ([], {"classes": ["7B", "7B"]}, ["7B"]),  # unscoped -> scoped, by the whole list
        (["7B"], {"unscoped": True}, None),  # scoped -> every learner, said so
        ([], {"unscoped": True}, None),
    ],
)
def test_a_teacher_keys_new_classes(
    classes: list[str], change: dict[str, Any], after: list[str] | None
) -> None:
    assert rescope(_key(classes), KeyScopeIn.model_validate(change)) == after


@pytest.mark.parametrize(
    ("key", "change", "error", "field", "says"),
    [
        # Adding to a key that reads everyone would narrow it to that class under the word "add".
        (_key([]), {"add_classes": ["7B"]}, Conflict, "add_classes", "is unscoped"),
        (_key([]), {"remove_classes": ["7B"]}, Conflict, "remove_classes", "is unscoped"),
        # An empty list is not "every learner", as on create.
        (_key(["7B"]), {"remove_classes": ["7B"]}, Conflict, "remove_classes", "removes every class"),
        (
            _key(["7B"]),
            {"add_classes": [f"c{i}" for i in range(100)]},
            Conflict,
            "add_classes",
            "more than 100",
        ),
        (_key(["7B"], role=Role.SERVICE), {"classes": ["7C"]}, Conflict, "classes", "only a teacher key"),
        (_key([], role=Role.ADMIN), {"unscoped": True}, Conflict, "unscoped", "only a teacher key"),
        (_key(["7B"], revoked=True), {"classes": ["7C"]}, Conflict, "key_id", "is revoked"),
        (_key(["7B"]), {}, ValidationFailed, "classes", "send one of"),
        (
            _key(["7B"]),
            {"classes": ["7C"], "add_classes": ["8A"]},
            ValidationFailed,
            "add_classes",
            "together",
        ),
        (
            _key(["7B"]),
            {"remove_classes": ["7B"], "unscoped": True},
            ValidationFailed,
            "unscoped",
            "together",
        ),
        (
            _key(["7B"]),
            {"add_classes": ["7C"], "remove_classes": ["7C"]},
            ValidationFailed,
            "remove_classes",
            "both",
        ),
    ],
)
def test_a_change_is_refused_naming_the_member(
    key: ApiKey, change: dict[str, Any], error: type[KgpError], field: str, says: str
) -> None:
    with pytest.raises(error) as refused:
        rescope(key, KeyScopeIn.model_validate(change))
    assert refused.value.field == field and says in refused.value.message, refused.value.message


def test_the_form_of_a_change_is_checked_before_any_key_is_read() -> None:
    assert change_form(KeyScopeIn(remove_classes=["7B"], add_classes=["7C"])) == "add_classes"
    with pytest.raises(ValidationFailed):
        change_form(KeyScopeIn())


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        # null is neither "left out" nor "no class" (which would be every learner): refused, naming it.
        ({"classes": None}, ("classes",)),
        ({"add_classes": None}, ("add_classes",)),
        ({"unscoped": None}, ("unscoped",)),
        ({"unscoped": False}, ("unscoped",)),
        ({"classes": []}, ("classes",)),
        ({"remove_classes": ["7 B"]}, ("remove_classes", 0)),
        ({"classes": ["7B"], "role": "admin"}, ("role",)),  # a key's role is not changed here
    ],
)
def test_a_malformed_change_is_refused_by_its_model(body: dict[str, Any], loc: tuple[Any, ...]) -> None:
    with pytest.raises(ValidationError) as refused:
        KeyScopeIn.model_validate(body)
    assert [e["loc"] for e in refused.value.errors()] == [loc]


def test_the_document_allows_no_null_the_api_refuses() -> None:
    properties = KeyScopeIn.model_json_schema()["properties"]
    assert properties["classes"]["type"] == "array" and properties["classes"]["minItems"] == 1
    assert properties["unscoped"] == {**properties["unscoped"], "type": "boolean", "const": True}
    assert not any("anyOf" in member or "default" in member for member in properties.values())
