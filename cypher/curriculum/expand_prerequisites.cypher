// One breadth-first step towards prerequisites: the edges into each frontier concept.
// Parameters: $ids (the frontier). Returns: prerequisite, concept, weight, created_us (the edge's creation,
// microseconds since the epoch: its ETag names it), name (the prerequisite's). Read.
UNWIND $ids AS id
MATCH (p:Concept)-[r:PREREQUISITE_OF]->(c:Concept {id: id})
RETURN p.id AS prerequisite, c.id AS concept, r.weight AS weight,
       r.created_at.epochSeconds * 1000000 + r.created_at.microsecond AS created_us, p.name AS name
