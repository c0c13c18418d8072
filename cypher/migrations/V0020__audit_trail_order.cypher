// A concept's and a task's audit trails in their order (newest first), so that a page seeks each of its
// sources from the cursor and stops one entry past the page (curriculum/read_concept_audit,
// read_task_audit), as the curriculum's trail seeks audit_curriculum_at (V0009); before, every page read
// and sorted the whole trail. A concept's trail comes from four sources: its own entries (entity_id and
// entity_type: a task's trail is the same index), the edges' entries by either end, and the entries its
// AuditLinks explain. A link carries its entry's `at` (curriculum/create_audit_entries sets it since
// 4 December 2026); the last statement stamps the links written before, once (a link gets its entry's
// time, a property older releases do not read: additive, in batches, so a long trail takes no one lock).
CREATE INDEX audit_entity_type_at IF NOT EXISTS FOR (a:AuditEntry) ON (a.entity_id, a.entity_type, a.at);
CREATE INDEX audit_prerequisite_at IF NOT EXISTS FOR (a:AuditEntry) ON (a.prerequisite, a.at);
CREATE INDEX audit_concept_at IF NOT EXISTS FOR (a:AuditEntry) ON (a.concept, a.at);
CREATE INDEX audit_link_concept_at IF NOT EXISTS FOR (l:AuditLink) ON (l.concept, l.at);
MATCH (l:AuditLink)-[:EXPLAINS]->(a:AuditEntry)
WHERE l.at IS NULL
CALL (l, a) {
  SET l.at = a.at
} IN TRANSACTIONS OF 10000 ROWS;
