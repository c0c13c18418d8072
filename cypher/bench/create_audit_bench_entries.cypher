// Benchmark set-up (bench/bench_audit_filters.py): a curriculum and audit entries of its trail, with
// the times given (the real writer stamps them by the clock). Parameters: $curriculum_id, $rows (list of
// {id, at (datetime), actor, action, entity_type, entity_id}). Returns: created (count). Write.
MERGE (cur:Curriculum {id: $curriculum_id})
ON CREATE SET cur.name = $curriculum_id, cur.description = '', cur.created_at = datetime(),
              cur.updated_at = datetime()
WITH cur
UNWIND $rows AS row
CREATE (a:AuditEntry {id: row.id, at: row.at, actor: row.actor, action: row.action,
                      entity_type: row.entity_type, entity_id: row.entity_id, curriculum_id: $curriculum_id,
                      new: '{"name": "x"}'})
RETURN count(a) AS created
