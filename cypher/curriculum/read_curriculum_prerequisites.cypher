// Every prerequisite edge between concepts of a curriculum, by (prerequisite, concept).
// Parameters: $curriculum_id. Returns: prerequisite, concept, weight. Read.
MATCH (:Curriculum {id: $curriculum_id})-[:CONTAINS]->(p:Concept)-[r:PREREQUISITE_OF]->(c:Concept)
RETURN p.id AS prerequisite, c.id AS concept, r.weight AS weight
ORDER BY prerequisite, concept
