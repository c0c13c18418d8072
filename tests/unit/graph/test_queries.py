from pathlib import Path

import pytest

from kgplatform.graph.queries import QueryCatalog, UnknownQuery, split_statements, strip_comments

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def catalog() -> QueryCatalog:
    return QueryCatalog(FIXTURES / "catalog")


def test_queries_are_named_by_their_path_without_suffix(catalog: QueryCatalog) -> None:
    assert catalog.names() == ["area/get_thing"]
    text = catalog["area/get_thing"].text
    assert not text.startswith("//") and text.endswith("RETURN t")
    assert "$id" in text


def test_an_unknown_name_fails_naming_it(catalog: QueryCatalog) -> None:
    with pytest.raises(UnknownQuery, match="area/missing"):
        catalog["area/missing"]


def test_driver_query_carries_its_name_as_metadata(catalog: QueryCatalog) -> None:
    q = catalog["area/get_thing"].as_query(timeout_s=3)
    assert q.metadata == {"kgp_query": "area/get_thing"}
    assert q.timeout == 3


def test_comments_are_stripped_and_statements_split() -> None:
    text = (FIXTURES / "migrations" / "V0001__two_indexes.cypher").read_text()
    assert strip_comments("// only a comment\n") == ""
    statements = split_statements(text)
    assert len(statements) == 2
    assert [s.split()[2] for s in statements] == ["a", "b"]
    assert not any(s.endswith(";") or "//" in s for s in statements)


def test_project_catalog_loads_every_file() -> None:
    catalog = QueryCatalog()
    files = list(catalog.root.rglob("*.cypher"))
    assert len(catalog.names()) == len(files) > 0
    assert "graph/ping" in catalog
