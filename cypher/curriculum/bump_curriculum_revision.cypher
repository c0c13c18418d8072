// Counts a change to the curriculum's structure (a task's concepts changed, a task or a concept
// deleted, an import written), in the same transaction as the change. Ingestion stamps mastery with
// this revision (mastery/get_ingest_context), and a learner traced under an older one is replayed in
// full, so their mastery never mixes answers traced under two task-to-concept mappings.
// Parameters: none. Returns: revision (int). Write.
MERGE (r:CurriculumRevision {id: 'structure'})
  ON CREATE SET r.version = 0
SET r.version = r.version + 1, r.changed_at = datetime()
RETURN r.version AS revision
