"""The headers a write sets: the Location of what a POST created (one rule for curricula, concepts, tasks)."""

from __future__ import annotations

from fastapi import Response

from kgplatform.api.etags import with_location


def test_a_location_percent_encodes_the_id_and_keeps_its_slashes() -> None:
    response = Response()
    with_location(response, "concepts", "Brüche/teil 1?#")
    assert response.headers["Location"] == "/concepts/Br%C3%BCche/teil%201%3F%23"
    assert response.headers["Location"].isascii()
