// Every prerequisite edge between concepts of a curriculum, by (prerequisite, concept). An edge written
// without a weight (outside the API) reads as 1.0, the API's default: the export gave it as null, which the
// document's model refused (a 500), while GET /curricula/{id} showed 1.0.
// Parameters: $curriculum_id. Returns: prerequisite, concept, weight. Read.
MATCH (:Curriculum {id: $curriculum_id})-[:CONTAINS]->(p:Concept)-[r:PREREQUISITE_OF]->(c:Concept)
RETURN p.id AS prerequisite, c.id AS concept, coalesce(r.weight, 1.0) AS weight
ORDER BY prerequisite, concept
