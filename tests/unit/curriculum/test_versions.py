from __future__ import annotations

import pytest

from kgplatform.curriculum.versions import check_version, etag, parse_if_match
from kgplatform.errors import PreconditionFailed, PreconditionRequired, ValidationFailed


def test_etag_round_trips_through_if_match() -> None:
    assert parse_if_match(etag(7)) == {7}


@pytest.mark.parametrize(
    ("header", "versions"), [('"3"', {3}), ('W/"3"', {3}), ("3", {3}), ('"1", "2"', {1, 2})]
)
def test_if_match_forms(header: str, versions: set[int]) -> None:
    assert parse_if_match(header) == versions


@pytest.mark.parametrize("header", [None, "", "  ", "*"])
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
