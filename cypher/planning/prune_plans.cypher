// Keeps each given learner's newest $keep plans and deletes the older ones (plans are history, not
// an archive). Parameters: $learner_ids (list of strings), $keep (int >= 1). Returns: deleted (count). Write.
UNWIND $learner_ids AS learner_id
MATCH (:Learner {id: learner_id})-[:HAS_PLAN]->(p:Plan)
WITH learner_id, p ORDER BY p.created_at DESC
WITH learner_id, collect(p) AS plans
UNWIND plans[$keep..] AS old
DETACH DELETE old
RETURN count(*) AS deleted
