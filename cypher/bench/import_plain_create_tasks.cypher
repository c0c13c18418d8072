// Import benchmark baseline: the same task rows as the import with their EXERCISES links, plain
// UNWIND ... CREATE. Parameters: $curriculum_id, $rows (list of {id, title, kind, difficulty,
// estimated_minutes, concepts}). Returns: created (count of links). Write. Benchmarks only.
UNWIND $rows AS row
CREATE (t:Task {id: row.id, title: row.title, kind: row.kind, difficulty: row.difficulty,
                estimated_minutes: row.estimated_minutes, curriculum_id: $curriculum_id, version: 1,
                created_at: datetime(), updated_at: datetime()})
WITH t, row
UNWIND row.concepts AS concept_id
MATCH (c:Concept {id: concept_id})
CREATE (t)-[e:EXERCISES {weight: 1.0}]->(c)
RETURN count(e) AS created
