// What an import validates against: the curriculum's name and description (null when it does not
// exist yet), its concept ids, and the prerequisite edges between its concepts, in one read.
// Parameters: $curriculum_id. Returns: curriculum (map or null), concepts (list of ids),
// edges (list of [prerequisite, concept]). Read.
OPTIONAL MATCH (cur:Curriculum {id: $curriculum_id})
RETURN cur {.name, .description} AS curriculum,
       COLLECT { MATCH (cur)-[:CONTAINS]->(c:Concept) RETURN c.id } AS concepts,
       COLLECT { MATCH (cur)-[:CONTAINS]->(a:Concept)-[:PREREQUISITE_OF]->(b:Concept) RETURN [a.id, b.id] }
         AS edges
