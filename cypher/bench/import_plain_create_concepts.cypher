// Import benchmark baseline: the same concept rows as the import, plain UNWIND ... CREATE with no
// checks, no comparison and no MERGE. Parameters: $curriculum_id, $rows (list of {id, name,
// description, tags, difficulty}). Returns: created (count). Write. Benchmarks only.
MATCH (cur:Curriculum {id: $curriculum_id})
UNWIND $rows AS row
CREATE (cur)-[:CONTAINS]->(c:Concept {id: row.id, name: row.name, description: row.description,
                                      tags: row.tags, difficulty: row.difficulty,
                                      curriculum_id: $curriculum_id, version: 1,
                                      created_at: datetime(), updated_at: datetime()})
RETURN count(c) AS created
