"""Everything about talking to Neo4j: driver lifecycle, named queries, schema migrations."""
