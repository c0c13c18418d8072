"""A curriculum edit waiting on locks another transaction holds (an import, say) ends as a prompt 503
after `KGP_NEO4J__TRANSACTION_TIMEOUT_S`, instead of holding its worker until the other one commits."""

from __future__ import annotations

import time

from kgplatform.graph.queries import query_text
from tests.integration.api.harness import Api


def test_an_edit_behind_a_held_lock_is_a_prompt_503_that_changed_nothing(
    api: Api, impatient_api: Api
) -> None:
    api.curriculum("maths", "a")
    with api.graph.session() as session, session.begin_transaction() as holder:
        holder.run(query_text("curriculum/lock_concept"), {"id": "a"}).consume()
        started = time.monotonic()
        response = impatient_api.call("PATCH", "/concepts/a", json={"name": "renamed"}, if_match=1)
        waited = time.monotonic() - started
        holder.rollback()
    # Neo4j checks timeouts every couple of seconds; without the timeout the call would not return at all.
    assert waited < 15
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) >= 1
    assert "nothing was changed" in response.json()["detail"]
    stored = api.call("GET", "/concepts/a").json()
    assert (stored["name"], stored["version"]) == ("A", 1)
    assert api.call("PATCH", "/concepts/a", json={"name": "renamed"}, if_match=1).status_code == 200
