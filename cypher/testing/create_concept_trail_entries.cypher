// Tests only: audit entries of any kind with the times given (curriculum/create_audit_entries stamps them by
// the clock), with AuditLinks to the concepts in `links`, carrying the entry's time as the writer's do, or
// none when `stamp` is false (a link written before V0020). Parameters: $rows (list of {id, at (datetime),
// actor, action, entity_type, entity_id, curriculum_id, prerequisite, concept, links (list of concept
// ids)}), $stamp (bool). Returns: created (count). Write. Not for production.
UNWIND $rows AS row
CREATE (a:AuditEntry)
SET a = row {.id, .at, .actor, .action, .entity_type, .entity_id, .curriculum_id, .prerequisite, .concept},
    a.new = '{"name": "x"}'
FOREACH (concept_id IN row.links |
  CREATE (:AuditLink {concept: concept_id, curriculum_id: row.curriculum_id,
                      at: CASE WHEN $stamp THEN row.at END})-[:EXPLAINS]->(a))
RETURN count(a) AS created
