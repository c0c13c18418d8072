// Counts a change to which concepts answers reach (a task's concepts changed by an edit or an import, a
// task deleted or created again under a deleted id, a concept some task exercises deleted), in the same
// transaction as the change, and only then: the revision is one for the whole platform. Ingestion stamps
// mastery with this revision (mastery/get_ingest_context), and a learner traced under an older one is
// replayed in full, so their mastery never mixes answers traced under two task-to-concept mappings.
// Parameters: none. Returns: revision (int). Write.
MERGE (r:CurriculumRevision {id: 'structure'})
  ON CREATE SET r.version = 0
SET r.version = r.version + 1, r.changed_at = datetime()
RETURN r.version AS revision
