// Tests only: curriculum audit entries with the times given (curriculum/create_audit_entries stamps them by
// the clock), standing in for entries stamped alike or written long ago; a curriculum node is not needed.
// Parameters: $curriculum_id, $rows (list of {id, at (datetime)}). Returns: created (count). Write. Not for
// production.
UNWIND $rows AS row
CREATE (a:AuditEntry {id: row.id, at: row.at, actor: 'tests', action: 'update', entity_type: 'concept',
                      entity_id: 'c', curriculum_id: $curriculum_id, new: '{"name": "x"}'})
RETURN count(a) AS created
