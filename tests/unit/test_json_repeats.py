"""`kgplatform/json_repeats.py`: the one finder of a member name given twice in a JSON object, used by the
API's refusal (`api/json_members.py`) and the curriculum import (`curriculum/io.py`), which each kept a
copy of it until 5 December 2026 and named different members for the same object."""

from __future__ import annotations

import json

import pytest

from kgplatform.api.json_members import repeated_member
from kgplatform.curriculum.io import parse_json
from kgplatform.json_repeats import repeated_names, repeats_hook


@pytest.mark.parametrize(
    ("pairs", "names"),
    [
        ([], []),
        ([("a", 1), ("b", 2)], []),
        ([("a", 1), ("a", 2)], ["a"]),
        ([("a", 1), ("b", 1), ("b", 2), ("a", 2)], ["a", "b"]),  # as first given, not as first repeated
        ([("x", 1), ("a", 1), ("a", 2), ("a", 3)], ["a"]),  # three times: named once
    ],
)
def test_repeated_names_in_the_order_the_object_first_gives_them(pairs: list, names: list[str]) -> None:
    assert repeated_names(pairs) == names


def test_the_hook_builds_objects_as_json_loads_does_and_hands_on_only_those_with_repeats() -> None:
    seen: list[tuple[dict, list[str]]] = []

    def note(members: dict, repeated: list[str]) -> dict:
        seen.append((dict(members), repeated))
        return members

    body = '{"a": 1, "b": {"c": 1, "c": 2}, "a": [3, {"d": 4}], "e": null}'
    assert json.loads(body, object_pairs_hook=repeats_hook(note)) == json.loads(body)
    assert list(json.loads(body, object_pairs_hook=repeats_hook(note))) == list(json.loads(body))
    assert seen[:2] == [({"c": 2}, ["c"]), ({"a": [3, {"d": 4}], "b": {"c": 2}, "e": None}, ["a"])]
    plain = json.loads('{"x": 1}', object_pairs_hook=repeats_hook(note))
    assert type(plain) is dict and len(seen) == 4, "an object without repeats is a plain dict, not handed on"


@pytest.mark.parametrize(
    "members",
    [
        '"id": "c", "name": "C", "name": "D"',
        # The API named "id", the first repeated, and the import listed "name" first, the first given.
        '"name": "C", "id": "c", "id": "d", "name": "D"',
        '"id": "c", "name": "C", "id": "c", "id": "c"',
    ],
)
def test_the_api_and_the_import_name_the_same_repeated_member(members: str) -> None:
    """The API's 422 names one member; the import lists each as `curriculum.<name>`: the API's is the
    import's first, so one body sent to a route and imported reads the same."""
    body = f'{{"curriculum": {{{members}}}, "concepts": []}}'.encode()
    fields = [e.field for e in parse_json(body).file_errors]
    named = repeated_member(body)
    assert named is not None and fields and fields[0] == f"curriculum.{named}", (named, fields)
    assert fields == [f"curriculum.{name}" for name in repeated_names(_pairs(members))]


def _pairs(members: str) -> list[tuple[str, object]]:
    """The object's members as given, repeats and all."""
    return json.loads(f"{{{members}}}", object_pairs_hook=lambda pairs: pairs)
