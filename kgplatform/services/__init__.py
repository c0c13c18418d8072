"""Local Neo4j and Redis for development, tests and the demo, started without Docker."""
