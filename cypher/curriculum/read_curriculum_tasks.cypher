// Every task of a curriculum in document form, by id, its concept ids sorted.
// Parameters: $curriculum_id. Returns: id, title, kind, difficulty, estimated_minutes, concepts. Read.
MATCH (t:Task {curriculum_id: $curriculum_id})
RETURN t.id AS id, t.title AS title, t.kind AS kind, t.difficulty AS difficulty,
       t.estimated_minutes AS estimated_minutes,
       COLLECT { MATCH (t)-[:EXERCISES]->(c:Concept) RETURN c.id ORDER BY c.id } AS concepts
ORDER BY t.id
