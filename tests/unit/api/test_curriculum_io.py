"""The import route's reading of a multipart body, with no database: what it refuses before any write."""

from __future__ import annotations

from typing import Any

from tests.unit.api.serving_app import ADMIN, serving_app


class UntouchedGraph:
    """Fails the test on any use: a refused body must not reach the import."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the graph was used ({name})")


def test_a_csv_sent_as_a_text_field_is_422_naming_it_and_nothing_is_written() -> None:
    """curl's `-F 'tasks=<tasks.csv'` sends the file's content as a plain field. It was skipped: the
    concepts were imported, 200, and tasks.csv vanished without a word (a review, s30)."""
    _, client = serving_app(graph=UntouchedGraph())
    response = client.post(
        "/curricula/alg/import",
        headers=ADMIN,
        files={"concepts": ("concepts.csv", b"id,name\nc1,One\n", "text/csv")},
        data={"tasks": "id,title,kind,concepts\nt1,Task,exercise,c1\n"},
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["field"] == "tasks"
    assert "as text, not as a file" in problem["detail"]


def test_a_nameless_text_part_is_422_naming_the_body() -> None:
    """A part with an empty name (found by the fuzz test) was a 422 naming no field (`field: ""`, dropped)."""
    _, client = serving_app(graph=UntouchedGraph())
    body = b'--b\r\nContent-Disposition: form-data; name=""\r\n\r\nid,name\r\n--b--\r\n'
    response = client.post(
        "/curricula/alg/import",
        headers={**ADMIN, "Content-Type": "multipart/form-data; boundary=b"},
        content=body,
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["field"] == "body"
    assert problem["detail"].startswith("a form part without a name was sent as text")
