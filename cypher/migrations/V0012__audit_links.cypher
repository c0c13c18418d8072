// A concept's trail follows the AuditLinks to the entries that moved its version without naming it
// (a task's change, an import creating a task or an edge; create_audit_entries, read_concept_audit).
// Entries written before this migration have no links: their concepts' trails stay as they were.
CREATE INDEX audit_link_concept IF NOT EXISTS FOR (l:AuditLink) ON (l.concept);
