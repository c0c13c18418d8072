from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kgplatform.curriculum.versions import (
    check_concept_version,
    check_version,
    etag,
    if_match_tags,
    parse_if_match,
    parse_import_if_match,
    parse_prerequisite_if_match,
    parse_removal_if_match,
    prerequisite_etag,
)
from kgplatform.errors import PreconditionFailed, PreconditionRequired, ValidationFailed


def test_etag_round_trips_through_if_match() -> None:
    assert parse_if_match(etag(7)) == {7}


@pytest.mark.parametrize(
    ("header", "versions"),
    [
        ('"3"', {3}),
        ('W/"3"', {3}),
        ("3", {3}),
        ('"1", "2"', {1, 2}),
        # RFC 9110 §5.6.1: empty list members are ignored (they were a 422 "'' is not an ETag").
        ('"3",', {3}),
        (' , W/"3" ,, "4"', {3, 4}),
    ],
)
def test_if_match_forms(header: str, versions: set[int]) -> None:
    assert parse_if_match(header) == versions


@pytest.mark.parametrize("header", [None, "", "  ", "*", ",", ' , "3", *'])
def test_missing_or_wildcard_if_match_is_428(header: str | None) -> None:
    with pytest.raises(PreconditionRequired):
        parse_if_match(header)


@pytest.mark.parametrize("header", ['"abc"', "v1", '"1', '"-1"'])
def test_garbage_if_match_is_422(header: str) -> None:
    with pytest.raises(ValidationFailed):
        parse_if_match(header)


def test_stale_version_is_412_with_the_current_etag() -> None:
    check_version("concept", "a", 2, {2})
    with pytest.raises(PreconditionFailed) as refused:
        check_version("concept", "a", 3, {2})
    assert refused.value.details == {"current_version": 3, "current_etag": '"3"'}


def test_the_wildcard_428_says_that_the_wildcard_was_refused() -> None:
    with pytest.raises(PreconditionRequired, match=r"\* is not accepted"):
        parse_if_match("*")


@pytest.mark.parametrize(
    ("header", "tags"),
    [
        ('"curriculum@1"', ['"curriculum@1"']),
        # What nginx's gzip or HAProxy's compression make of the export's strong ETag.
        ('W/"curriculum@1"', ['"curriculum@1"']),
        ('"a", , W/"b",', ['"a"', '"b"']),
        ("*", ["*"]),
    ],
)
def test_if_match_tags_drop_weakness_and_empty_members(header: str, tags: list[str]) -> None:
    assert if_match_tags(header) == tags


def test_an_import_if_match_is_optional_but_must_name_something() -> None:
    assert parse_import_if_match(None) is None
    assert parse_import_if_match('W/"curriculum@1", *') == {'"curriculum@1"', "*"}
    for empty in ("", " , "):
        with pytest.raises(ValidationFailed, match="names no ETag"):
            parse_import_if_match(empty)


@pytest.mark.parametrize("foreign", ['"1"', "junk", 'W/"7", "old"'])
def test_an_import_if_match_that_is_no_curriculum_etag_is_a_422_not_a_claimed_change(foreign: str) -> None:
    """A concept's ETag or a made-up tag was a 412 "the curriculum changed since the export you sent":
    nothing had changed (a review, s34)."""
    with pytest.raises(ValidationFailed, match="is not a curriculum's ETag") as refused:
        parse_import_if_match(foreign)
    assert refused.value.field == "If-Match"
    assert parse_import_if_match('"old", W/"curriculum@2"') == {'"old"', '"curriculum@2"'}  # one is enough


def test_an_edge_etag_names_its_creation_and_weight_and_is_taken_back_through_a_proxy() -> None:
    created = datetime(2026, 12, 3, 1, 2, 3, 456789, tzinfo=UTC)
    tag = prerequisite_etag(created, 0.25)
    assert tag == '"prerequisite@1796259723456789/0.25"'
    assert prerequisite_etag(created, 0.3) != tag
    assert prerequisite_etag(created.replace(microsecond=456790), 0.25) != tag
    assert parse_prerequisite_if_match(f"W/{tag}") == {tag}  # weakened by a compressing proxy
    assert parse_removal_if_match(f'"3", {tag}') == {'"3"', tag}


@pytest.mark.parametrize("header", [None, "", " , ", "*"])
def test_a_weight_change_without_an_edge_etag_is_428(header: str | None) -> None:
    with pytest.raises(PreconditionRequired):
        parse_prerequisite_if_match(header)


@pytest.mark.parametrize("header", ['"3"', '"curriculum@2026"', "garbage"])
def test_an_if_match_that_names_no_edge_etag_is_422_on_a_change_and_a_removal(header: str) -> None:
    with pytest.raises(ValidationFailed, match="not a prerequisite edge's ETag"):
        parse_prerequisite_if_match(header)
    with pytest.raises(ValidationFailed, match="not a prerequisite edge's ETag"):
        parse_removal_if_match(header)


def test_a_removal_if_match_is_optional_and_may_be_the_wildcard() -> None:
    assert parse_removal_if_match(None) is None
    assert parse_removal_if_match("*") == {"*"}
    with pytest.raises(ValidationFailed, match="names no ETag"):
        parse_removal_if_match(" , ")


def test_a_concept_412_names_the_link_changes_since_the_version_read_and_says_when_its_fields_moved() -> None:
    changes = ["2 edge a → b added", "3 task t added", "5 edge c → a removed"]
    with pytest.raises(PreconditionFailed) as refused:
        check_concept_version("a", 5, {3}, changes, deleting=True)
    # Version 4 is no link change: the fields were edited; 2 and 3 were read already.
    assert refused.value.details["link_changes"] == ["edge c → a removed (version 5)"]
    assert "its fields edited" in refused.value.message and "nothing was deleted" in refused.value.message
    with pytest.raises(PreconditionFailed) as refused:
        check_concept_version("a", 3, {1}, changes, deleting=False)
    assert (
        "edge a → b added (version 2); task t added (version 3); nothing was changed" in refused.value.message
    )
    check_concept_version("a", 3, {3}, changes, deleting=True)  # the current version passes


def test_a_concept_412_does_not_call_link_changes_the_node_no_longer_keeps_a_field_edit() -> None:
    """The node keeps the last 20 link changes: 25 of them since the version read (1 → 26) left 2..6 unnamed,
    and the 412 said its fields were edited, which nobody did (a review, s37)."""
    changes = [f"{v} task t{v} added" for v in range(7, 27)]
    with pytest.raises(PreconditionFailed) as refused:
        check_concept_version("a", 26, {1}, changes, deleting=True)
    assert "fields edited" not in refused.value.message and "it was edited" not in refused.value.message
    assert "earlier changes, not listed" in refused.value.message
    assert len(refused.value.details["link_changes"]) == 20
    # A version above the oldest kept one that names no link change is still a field edit.
    with pytest.raises(PreconditionFailed) as refused:
        check_concept_version("a", 27, {1}, changes, deleting=False)
    message = refused.value.message
    assert "its fields edited" in message and "earlier changes, not listed" in message
    # Fewer than 20 kept: nothing was dropped, and a version without a link change is a field edit.
    with pytest.raises(PreconditionFailed) as refused:
        check_concept_version("a", 26, {1}, changes[:5], deleting=False)
    assert "its fields edited" in refused.value.message and "not listed" not in refused.value.message
