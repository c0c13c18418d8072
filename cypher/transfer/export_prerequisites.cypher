// Every prerequisite edge (learn source before target), in one bulk read.
// Parameters: none. Returns: source, target (concept ids). Read.
MATCH (a:Concept)-[:PREREQUISITE_OF]->(b:Concept)
RETURN a.id AS source, b.id AS target
