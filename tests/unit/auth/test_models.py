from __future__ import annotations

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
