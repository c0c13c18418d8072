// One breadth-first step towards prerequisites: the edges into each frontier concept.
// Parameters: $ids (the frontier). Returns: prerequisite, concept, weight, name (the prerequisite's). Read.
UNWIND $ids AS id
MATCH (p:Concept)-[r:PREREQUISITE_OF]->(c:Concept {id: id})
RETURN p.id AS prerequisite, c.id AS concept, r.weight AS weight, p.name AS name
