// Secondary indexes for the lookups that are not by id.
// Concept search by name and description (designers' list with search).
CREATE FULLTEXT INDEX concept_text IF NOT EXISTS FOR (c:Concept) ON EACH [c.name, c.description];
CREATE INDEX concept_name IF NOT EXISTS FOR (c:Concept) ON (c.name);
// Answers by learner, to recompute a learner's mastery from history.
CREATE INDEX answer_learner IF NOT EXISTS FOR (a:Answer) ON (a.learner_id);
// Audit trail read per entity and per curriculum, newest first.
CREATE INDEX audit_entity IF NOT EXISTS FOR (a:AuditEntry) ON (a.entity_id);
CREATE INDEX audit_curriculum IF NOT EXISTS FOR (a:AuditEntry) ON (a.curriculum_id);
// Transfer edges filtered by model version when versions switch.
CREATE INDEX transfer_model_version IF NOT EXISTS FOR ()-[t:TRANSFERS_TO]-() ON (t.model_version);
