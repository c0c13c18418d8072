// Benchmark set-up (bench/bench_trail_pages.py): a curriculum and a concept's audit trail from its four
// sources (read_concept_audit): the concept's own entries, its edges' by either end, and task entries that
// explain it through an AuditLink carrying the entry's time, with the times given (the real writer stamps
// them by the clock). Parameters: $curriculum_id, $concept (its id), $rows (list of {id, at (datetime),
// source: own, prerequisite, dependant or link}). Returns: created (count). Write. Benchmarks only.
MERGE (cur:Curriculum {id: $curriculum_id})
ON CREATE SET cur.name = $curriculum_id, cur.description = '', cur.created_at = datetime(),
              cur.updated_at = datetime()
WITH cur
UNWIND $rows AS row
CREATE (a:AuditEntry {id: row.id, at: row.at, actor: 'bench', action: 'update', curriculum_id: $curriculum_id,
                      new: '{"name": "x"}'})
SET a.entity_type = CASE row.source WHEN 'own' THEN 'concept' WHEN 'link' THEN 'task' ELSE 'prerequisite' END,
    a.entity_id = CASE row.source
                    WHEN 'own' THEN $concept
                    WHEN 'link' THEN $concept + '-task'
                    WHEN 'prerequisite' THEN $concept + ' -> x'
                    ELSE 'y -> ' + $concept END,
    a.prerequisite = CASE row.source WHEN 'prerequisite' THEN $concept WHEN 'dependant' THEN 'y' END,
    a.concept = CASE row.source WHEN 'prerequisite' THEN 'x' WHEN 'dependant' THEN $concept END
FOREACH (_ IN CASE WHEN row.source = 'link' THEN [1] ELSE [] END |
  CREATE (:AuditLink {concept: $concept, curriculum_id: $curriculum_id, at: row.at})-[:EXPLAINS]->(a))
RETURN count(a) AS created
