// Erases a learner and everything stored about them: their answers, MASTERY, goals and interests (their
// relationships) and their plans. The learner's write lock is taken first (as mastery/lock_learners does),
// so an ingestion for them that holds it commits first and its answers are erased too; one that comes
// after finds no learner and creates a new one with only its own answers.
// Parameters: $learner_id (string). Returns: answers, mastery, plans (counts erased); no row when the
// learner is unknown. Write.
// `a.answered_at IS NOT NULL` (every answer has one) lets the seek use answer_learner_time (V0013): the
// learner-only index was dropped (V0015). The hint keeps the planner from scanning that composite index.
MATCH (l:Learner {id: $learner_id})
SET l.id = l.id
WITH l, COUNT { (l)-[:MASTERY]->(:Concept) } AS mastery
CALL (l) {
  OPTIONAL MATCH (l)-[:HAS_PLAN]->(p:Plan)
  DETACH DELETE p
  RETURN count(p) AS plans
}
CALL (l) {
  OPTIONAL MATCH (a:Answer {learner_id: l.id}) USING INDEX SEEK a:Answer(learner_id, answered_at)
  WHERE a.answered_at IS NOT NULL
  DETACH DELETE a
  RETURN count(a) AS answers
}
DETACH DELETE l
RETURN answers, mastery, plans
