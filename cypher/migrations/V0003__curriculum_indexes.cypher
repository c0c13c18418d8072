// Audit entries about a prerequisite edge carry both endpoint ids, so a concept's trail can list the
// edges added to or removed from it without scanning its curriculum's whole trail.
CREATE INDEX audit_prerequisite IF NOT EXISTS FOR (a:AuditEntry) ON (a.prerequisite);
CREATE INDEX audit_concept IF NOT EXISTS FOR (a:AuditEntry) ON (a.concept);
// A curriculum's tasks (tasks hang off concepts, not the curriculum node, so they are found by property).
CREATE INDEX task_curriculum IF NOT EXISTS FOR (t:Task) ON (t.curriculum_id);
