// Benchmark set-up (bench/bench_curriculum_edits.py): a curriculum with concepts at version 1.
// Parameters: $curriculum_id, $rows (list of {id, name}). Returns: created (count). Write.
MERGE (cur:Curriculum {id: $curriculum_id})
ON CREATE SET cur.name = $curriculum_id, cur.description = '', cur.created_at = datetime(),
              cur.updated_at = datetime()
WITH cur
UNWIND $rows AS row
CREATE (cur)-[:CONTAINS]->(c:Concept {id: row.id, name: row.name, description: '', tags: [], version: 1,
                                      curriculum_id: $curriculum_id, created_at: datetime(),
                                      updated_at: datetime()})
RETURN count(c) AS created
