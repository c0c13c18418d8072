// Everything an ingest transaction reads before it writes, in one statement (one round trip): the
// concepts of the batch's tasks, which of its event ids are already stored (with their content, which
// the caller compares with the posted rows: equal is a duplicate, different a conflict), the current
// transfer model's edges out of the concepts the batch's tasks exercise (following the model pointer, as
// transfer/get_current_transfer does: a retired model's edges outlive the switch by one publish, and a
// model still being written is not current), and the curriculum's structure revision
// (curriculum/bump_curriculum_revision), part of mastery's stamp. Only those edges: an answer's transfer
// reaches one hop from the concepts it practises, and reading the whole model (thousands of edges) cost
// every one-answer request more than the rest of its transaction; a full replay reads the edges of the
// other concepts in its history with mastery/get_transfer_edges.
// Parameters: $task_ids (list of string), $event_ids (list of string), $erased_digests (list of string:
// store.erased_answer_key of each event id, the keys of the answers an erase left behind,
// mastery/create_erased_answers).
// Returns one row: tasks (list of [task_id, [[concept_id, weight], ...]]; unknown tasks absent),
// stored (list of [event_id, learner_id, task_id, correct, at_s, at_ns, duration_s], answered_at as
// epoch seconds and nanoseconds), erased (the digests among $erased_digests of erased answers), transfer
// (list of [source, target, strength, model_version], the edges out of the tasks' concepts),
// revision (int, 0 before any structural change), transfer_model (the current transfer model's version,
// null when none: with the revision, what mastery/lock_learners reads again once the learners are
// locked), transfer_edges (bool: whether the current model has any edge at all, part of mastery's stamp
// whether or not this batch's concepts have edges). Read.
// The revision first: an edit to a task's concepts bumps it in its own transaction, and under
// read-committed isolation a statement can see a commit that lands midway. Read before the tasks, a
// revision can only be older than the task map, and mastery/lock_learners then reads a newer one and the
// batch starts again; read after them, an old map could be stamped with the new revision (a review,
// 1 December).
CALL () {
  OPTIONAL MATCH (r:CurriculumRevision {id: 'structure'})
  RETURN coalesce(r.version, 0) AS revision
}
// Importing the revision makes the task read depend on it, so the planner cannot order it first (unrelated
// subqueries may be planned as a cartesian product, in any order).
CALL (revision) {
  UNWIND $task_ids AS task_id
  MATCH (t:Task {id: task_id})
  OPTIONAL MATCH (t)-[e:EXERCISES]->(c:Concept)
  WITH task_id, collect(CASE WHEN c IS NOT NULL THEN [c.id, coalesce(e.weight, 1.0)] END) AS concepts
  RETURN collect([task_id, concepts]) AS tasks
}
CALL () {
  UNWIND $event_ids AS event_id
  MATCH (a:Answer {event_id: event_id})
  RETURN collect([a.event_id, a.learner_id, a.task_id, a.correct, a.answered_at.epochSeconds,
                  a.answered_at.nanosecond, a.duration_s]) AS stored
}
// After the stored answers (importing them orders the two): an erase deletes its learner's answers and
// keeps their digests in one commit, which a statement may see land midway. Read in this order, an answer
// is found either still stored (a duplicate, erased with the rest) or erased, never neither (a review,
// s36: a replay of an erased learner's answers re-created the learner).
CALL (stored) {
  UNWIND $erased_digests AS digest
  MATCH (e:ErasedAnswer {digest: digest})
  RETURN collect(e.digest) AS erased
}
// The current model is looked up once, for both its version and its edges.
CALL () {
  OPTIONAL MATCH (m:TransferModel {status: 'current'})
  WITH m ORDER BY m.activated_at DESC LIMIT 1
  RETURN m.version AS transfer_model,
         m IS NOT NULL AND EXISTS {
           MATCH (:Concept)-[t:TRANSFERS_TO]->(:Concept) WHERE t.model_version = m.version
         } AS transfer_edges
}
CALL (transfer_model) {
  UNWIND $task_ids AS task_id
  MATCH (:Task {id: task_id})-[:EXERCISES]->(s:Concept)
  WITH DISTINCT s
  MATCH (s)-[t:TRANSFERS_TO]->(d:Concept)
  WHERE t.model_version = transfer_model
  RETURN collect([s.id, d.id, t.strength, t.model_version]) AS transfer
}
RETURN tasks, stored, erased, transfer, revision, transfer_model, transfer_edges
