// For a dry run's replay count (`kgplatform ingest --dry-run`): each existing learner's mastery stamp and
// the time each asked MASTERY state holds at, read without locks: the two things mastery/lock_learners
// reads that decide whether an ingest replays a learner's whole history (updater.full_replays).
// Parameters: $learner_ids (list of string), $concept_ids (aligned: per learner, the concept ids whose
// state to read).
// Returns: learner_id, model_version (string or null: never traced), states (list of [concept_id,
// as_of_seconds, as_of_nanos], the pairs that exist), one row per existing learner. Read.
UNWIND range(0, size($learner_ids) - 1) AS i
MATCH (l:Learner {id: $learner_ids[i]})
CALL (l, i) {
  UNWIND $concept_ids[i] AS concept_id
  MATCH (c:Concept {id: concept_id}) USING INDEX c:Concept(id)
  MATCH (l)-[m:MASTERY]->(c)
  RETURN collect([c.id, m.as_of.epochSeconds, m.as_of.nanosecond]) AS states
}
RETURN l.id AS learner_id, l.mastery_model_version AS model_version, states
