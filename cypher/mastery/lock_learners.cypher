// Creates learners on first sight, write-locks every learner of the batch, and reads the stored tracer
// state of the concepts the batch reaches for each (see the subquery below for how). The lock
// serialises concurrent mastery updates of one learner: a second transaction waits here until the first
// commits, and only then reads the state it continues from. The lock is the SET of the model version the
// learner's mastery is now computed with: Neo4j takes the write lock even when the value is unchanged,
// and then writes nothing, so a known learner costs its transaction no record at commit (a learner's
// updated_at is left to its goals and interests; its MASTERY relationships carry their own). Measured:
// also setting updated_at on every learner of every batch cost about 10% of ingestion. A learner whose
// mastery had another model version is `stale` (replayed in full by the caller, so its state is not read).
// Parameters: $learner_ids (list of string, sorted so concurrent callers lock in one order),
// $concept_ids (aligned: per learner, the concept ids whose state to read), $now (datetime, distinct
// per call), $model_version (string).
// Returns one row (one record to fetch, however many learners): learners, a list with one entry per
// learner, [learner_id, element id (for mastery/create_mastery), created (bool), stale (bool), states,
// alive (bool, see above)],
// where states is a list of [concept_id, rel (element id, to update it in place), p_mastery, attempts,
// correct, last_seconds, last_nanos, as_of_seconds, as_of_nanos, p_practised, last_task_id] (times as
// epoch seconds and nanoseconds, null when never; p_practised: the value after the learner's own last
// answer, null when never answered on; a row stored before p_practised was gives its p_mastery when
// answered on, the best there is; last_task_id: the task of the learner's latest answer on the concept,
// null when never answered on or stored before it was kept); and revision and
// transfer_model as mastery/get_ingest_context returns them, read after the locks: a transaction that
// waited for a lock may find that a curriculum edit or a model switch committed since its context was
// read (the caller then starts over, rather than stamping the learners back to the older one). Write.
UNWIND range(0, size($learner_ids) - 1) AS i
WITH $learner_ids[i] AS learner_id, $concept_ids[i] AS wanted
MERGE (l:Learner {id: learner_id})
  ON CREATE SET l.created_at = $now, l.updated_at = $now
WITH l, learner_id, wanted, l.created_at = $now AS created,
     coalesce(l.mastery_model_version, $model_version) <> $model_version AS stale
SET l.mastery_model_version = $model_version
// A learner erased (mastery/erase_learner) while this transaction waited for its lock: the MERGE had
// matched the node the erase then deleted, and the SET wrote nothing. Looked up again by id once the lock
// is held: gone (`alive` false), the caller starts over, and the MERGE of its next try creates the learner.
WITH l, learner_id, wanted, created, stale, EXISTS { MATCH (:Learner {id: learner_id}) } AS alive
WITH l, learner_id, created, stale, alive, CASE WHEN stale OR NOT alive THEN [] ELSE wanted END AS wanted
// Each wanted concept is found by its id first (the index hint: without it the planner expands all of
// the learner's relationships and compares every concept's id) and the relationship is then matched
// between the two bound nodes (Expand(Into) scans the smaller side: the learner's few dozen MASTERY
// relationships, not the concept's thousands). Measured on 1M answers (52 relationships per learner):
// the statement 172 -> 143 ms per batch of 5,000 answers.
CALL (l, wanted) {
  UNWIND wanted AS concept_id
  MATCH (c:Concept {id: concept_id}) USING INDEX c:Concept(id)
  MATCH (l)-[m:MASTERY]->(c)
  RETURN collect([c.id, elementId(m), m.p_mastery, m.attempts, m.correct,
                  m.last_practised.epochSeconds, m.last_practised.nanosecond,
                  m.as_of.epochSeconds, m.as_of.nanosecond,
                  coalesce(m.p_practised, CASE WHEN m.attempts > 0 THEN m.p_mastery END),
                  m.last_task_id]) AS states
}
WITH collect([learner_id, elementId(l), created, stale, states, alive]) AS learners
// The revision by a scan of its label (one node at most), not by its unique index: in a statement that
// writes, Neo4j seeks a unique index under a lock on the entry sought (NodeUniqueIndexSeek(Locking)), held
// to the commit, and an EXCLUSIVE one where no node has the value. Until the first structural change there
// is no CurriculumRevision node, so every ingest held that one entry from here to its commit and the next
// ingest, of any learners, waited for it: 16 concurrent one-answer requests spent most of their time
// "Blocked by" on it in SHOW TRANSACTIONS (5 December 2026; docs/services.md, "One answer per request").
// Read without a lock, the revision is what the last committed edit left, as the context's read was.
CALL () {
  OPTIONAL MATCH (r:CurriculumRevision) USING SCAN r:CurriculumRevision
  WHERE r.id = 'structure'
  RETURN coalesce(r.version, 0) AS revision
}
CALL () {
  OPTIONAL MATCH (m:TransferModel {status: 'current'})
  WITH m ORDER BY m.activated_at DESC LIMIT 1
  RETURN m.version AS transfer_model
}
RETURN learners, revision, transfer_model
