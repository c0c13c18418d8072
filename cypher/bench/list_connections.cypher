// Benchmark probe for bench/bench_soak.py: the network connections the server has accepted (Neo4j 5's
// dbms.listConnections; admin only, and the asking connection is one of them).
// Parameters: none. Returns: connector, user_agent. Read.
CALL dbms.listConnections() YIELD connector, userAgent
RETURN connector, userAgent AS user_agent
