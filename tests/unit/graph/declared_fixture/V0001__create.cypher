// A migration creating an index, a text index and a constraint (tests/unit/graph/test_declared_schema.py).
CREATE INDEX a_index IF NOT EXISTS FOR (a:A) ON (a.x);
CREATE TEXT INDEX t IF NOT EXISTS FOR (a:A) ON (a.name);
CREATE CONSTRAINT c_id IF NOT EXISTS FOR (c:C) REQUIRE c.id IS UNIQUE;
