// Every concept of a curriculum in document form, by id (the whole-curriculum read and exports).
// Parameters: $curriculum_id. Returns: id, name, description, tags, difficulty. Read.
MATCH (:Curriculum {id: $curriculum_id})-[:CONTAINS]->(c:Concept)
RETURN c.id AS id, c.name AS name, c.description AS description, c.tags AS tags, c.difficulty AS difficulty
ORDER BY c.id
