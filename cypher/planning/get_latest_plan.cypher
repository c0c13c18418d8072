// A learner's newest stored plan with its tasks in rank order.
// Parameters: $learner_id (string). Returns: plan (map of the Plan's properties), tasks (list of
// {task_id, rank, reason, concept_id, predicted_success, purpose, task_title, concept_name}; the last two
// null in a plan stored before 5 December 2026); no row when there is no plan. Read.
MATCH (:Learner {id: $learner_id})-[:HAS_PLAN]->(p:Plan)
WITH p ORDER BY p.created_at DESC LIMIT 1
OPTIONAL MATCH (p)-[i:INCLUDES]->(t:Task)
WITH p, i, t ORDER BY i.rank
RETURN p {.*} AS plan,
       collect(i {.rank, .reason, .concept_id, .predicted_success, .purpose, .task_title, .concept_name,
                  task_id: t.id}) AS tasks
