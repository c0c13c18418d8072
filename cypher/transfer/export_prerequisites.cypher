// Every prerequisite edge (learn source before target), in one bulk read, in a fixed order (the data
// snapshot's hash also sorts them, so it never depends on the order the store returns).
// Parameters: none. Returns: source, target (concept ids). Read.
MATCH (a:Concept)-[:PREREQUISITE_OF]->(b:Concept)
RETURN a.id AS source, b.id AS target
ORDER BY source, target
