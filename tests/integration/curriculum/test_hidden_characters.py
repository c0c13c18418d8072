"""Concept and task names, descriptions and tags holding control or invisible formatting characters: a
new one is a 422 naming the field (a right-to-left override showed "\u202etxt.exe" as "exe.txt" on the web
page, a NUL went into every export; a review, s36), while text stored before the rule is still read and
exported as it is, and an edit of another field of such a concept goes through."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.api.harness import Api

RLO = "\u202e"
TASK: dict[str, Any] = {"id": "t", "title": "T", "kind": "quiz", "concepts": ["a"]}


def refused_field(response: Any) -> str:
    assert response.status_code == 422, response.text
    return str(response.json()["field"])


@pytest.mark.parametrize("bad", [f"A{RLO}txt.exe", "A\x00", "A\u200b"])
def test_new_names_descriptions_and_tags_with_hidden_characters_are_refused_naming_the_field(
    api: Api, bad: str
) -> None:
    api.curriculum("maths")
    post = "/curricula/maths/concepts"
    assert refused_field(api.call("POST", post, json={"id": "x", "name": bad})) == "name"
    assert (
        refused_field(api.call("POST", post, json={"id": "x", "name": "X", "tags": ["ok", bad]})) == "tags.1"
    )
    assert refused_field(api.call("POST", post, json={"id": "x", "name": "X", "description": bad})) == (
        "description"
    )
    assert (
        api.call("POST", post, json={"id": "a", "name": "A", "description": "one\r\ntwo\tthree"}).status_code
        == 201
    )
    assert refused_field(api.call("PATCH", "/concepts/a", json={"name": bad}, if_match=1)) == "name"
    assert (
        refused_field(api.call("PUT", "/concepts/a", json={"name": "A", "tags": [bad]}, if_match=1))
        == "tags.0"
    )
    assert refused_field(api.call("POST", "/curricula/maths/tasks", json={**TASK, "title": bad})) == "title"
    assert api.call("POST", "/curricula/maths/tasks", json=TASK).status_code == 201
    assert refused_field(api.call("PATCH", "/tasks/t", json={"title": bad}, if_match=1)) == "title"
    # Nothing of the refusals was written (version 2: the task created above exercises a).
    concept = api.call("GET", "/concepts/a")
    assert (concept.headers["ETag"], concept.json()["name"], concept.json()["tags"]) == ('"2"', "A", [])
    assert api.call("GET", "/curricula/maths/concepts").json()["total"] == 1
    assert api.call("GET", "/tasks/t").json()["title"] == "T"


def test_an_import_row_with_hidden_characters_is_reported_with_its_row_and_field(api: Api) -> None:
    document = {
        "curriculum": {"id": "maths", "name": "Maths"},
        "concepts": [{"id": "a", "name": "A"}, {"id": "b", "name": "B", "tags": ["ok", f"x{RLO}"]}],
    }
    response = api.call("POST", "/curricula/maths/import", json=document)
    assert response.status_code == 422, response.text
    errors = response.json()["report"]["errors"]
    assert [(e["entity"], e["row"], e["id"], e["field"]) for e in errors] == [("concept", 2, "b", "tags.1")]
    assert api.call("GET", "/curricula/maths").status_code == 404


def test_text_stored_before_the_rule_is_read_and_exported_as_it_is(api: Api) -> None:
    api.curriculum("maths")
    assert api.call("POST", "/curricula/maths/concepts", json={"id": "a", "name": "A"}).status_code == 201
    assert api.call("POST", "/curricula/maths/tasks", json=TASK).status_code == 201
    name, description, tags = f"ev-{RLO}exe.txt", "nul\x00 and \u200b", ["ok", f"t{RLO}"]
    assert api.graph.write("testing/set_concept_text", id="a", name=name, description=description, tags=tags)
    read = api.call("GET", "/concepts/a")
    assert read.status_code == 200, read.text
    assert (read.json()["name"], read.json()["description"], read.json()["tags"]) == (name, description, tags)
    assert api.call("GET", f"/curricula/maths/concepts?tag=t{RLO}").json()["total"] == 1
    whole = api.call("GET", "/curricula/maths")
    assert whole.status_code == 200, whole.text
    [concept] = whole.json()["concepts"]
    assert (concept["name"], concept["description"], concept["tags"]) == (name, description, tags)
    exported = api.call("GET", "/curricula/maths/export")
    assert exported.status_code == 200, exported.text
    assert exported.json()["concepts"] == whole.json()["concepts"]
    assert api.call("GET", "/curricula/maths/export?format=csv").status_code == 200
    assert api.call("GET", "/concepts/a/neighbourhood").status_code == 200
    assert api.call("GET", "/tasks/t").status_code == 200
    # An edit of another field keeps the stored text; re-sending the hidden characters is refused.
    edited = api.call("PATCH", "/concepts/a", json={"difficulty": 0.3}, if_match=read.headers["ETag"])
    assert edited.status_code == 200, edited.text
    assert edited.json()["name"] == name
    assert (
        refused_field(api.call("PATCH", "/concepts/a", json={"name": name}, if_match=edited.headers["ETag"]))
        == "name"
    )


# Emoji sequences hold format characters (a joiner, a presentation selector, tags) that draw: read text
# keeps them (4 December 2026), while the same characters anywhere else are refused as before.
ZWJ, VS16 = "\u200d", "\ufe0f"
SCOTLAND = "\U0001f3f4" + "".join(chr(0xE0000 + ord(c)) for c in "gbsct") + "\U000e007f"
EMOJI_NAMES = [
    f"\U0001f469{ZWJ}\U0001f3eb Teaching",
    f"\u2764{VS16} Health",
    f"1{VS16}\u20e3 Counting",
    f"{SCOTLAND} Scotland",
]
STILL_REFUSED = [
    (f"a{ZWJ}b", "U+200D"),
    (f"\U0001f469{ZWJ}", "U+200D"),
    (f"Health{VS16}", "U+FE0F"),
    ("x\U000e0067\U000e007f", "U+E0067, U+E007F"),
]


@pytest.mark.parametrize("name", EMOJI_NAMES)
def test_names_titles_and_descriptions_keep_emoji_sequences(api: Api, name: str) -> None:
    api.curriculum("maths")
    created = api.call(
        "POST", "/curricula/maths/concepts", json={"id": "a", "name": name, "description": f"{name}\nmore"}
    )
    assert created.status_code == 201, created.text
    assert api.call("POST", "/curricula/maths/tasks", json={**TASK, "title": name}).status_code == 201
    renamed = api.call("PATCH", "/concepts/a", json={"name": f"{name} 2"}, if_match=2)
    assert renamed.status_code == 200, renamed.text
    concept = api.call("GET", "/concepts/a").json()
    assert (concept["name"], concept["description"]) == (f"{name} 2", f"{name}\nmore")
    assert api.call("GET", "/tasks/t").json()["title"] == name
    # The export imports back as it is: the rule is the same for an import row.
    exported = api.call("GET", "/curricula/maths/export").json()
    imported = api.call("POST", "/curricula/maths/import", json=exported)
    assert imported.status_code == 200, imported.text


@pytest.mark.parametrize(("bad", "named"), STILL_REFUSED)
def test_joiners_and_selectors_outside_emoji_are_refused_as_before(api: Api, bad: str, named: str) -> None:
    api.curriculum("maths")
    post = "/curricula/maths/concepts"
    for body, field in [
        ({"id": "x", "name": bad}, "name"),
        ({"id": "x", "name": "X", "description": bad}, "description"),
        ({"id": "x", "name": "X", "tags": [f"\u2764{VS16}"]}, "tags.0"),  # tags are matched: strict
    ]:
        response = api.call("POST", post, json=body)
        assert refused_field(response) == field
        if field != "tags.0":
            assert (
                f"must not hold invisible formatting characters ({named})"
                in response.json()["errors"][0]["message"]
            )
    assert api.call("GET", "/curricula/maths/concepts").json()["total"] == 0
