// One breadth-first step towards dependants: the edges out of each frontier concept.
// Parameters: $ids (the frontier). Returns: prerequisite, concept, weight, name (the dependant's). Read.
UNWIND $ids AS id
MATCH (p:Concept {id: id})-[r:PREREQUISITE_OF]->(c:Concept)
RETURN p.id AS prerequisite, c.id AS concept, r.weight AS weight, c.name AS name
