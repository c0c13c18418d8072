// Stores plans: one (:Plan) per plan, linked from its learner, with an INCLUDES edge per task carrying
// its rank and reason, and the task's title and concept's name as they were when the plan was made (what
// the plan shows; an edit of either makes the plan stale). MERGE on the plan id makes a retried
// transaction harmless.
// Parameters: $plans (list of {id, learner_id, curriculum_id, created_at, model_version, inputs_version,
// mastery_at, curriculum_at, transfer_version, placement, tasks: list of {task_id, rank, reason,
// concept_id, predicted_success, purpose, task_title, concept_name}}). Returns: plans (count of plans
// written). Write.
UNWIND $plans AS row
MATCH (l:Learner {id: row.learner_id})
MERGE (p:Plan {id: row.id})
  ON CREATE SET p.learner_id = row.learner_id, p.curriculum_id = row.curriculum_id,
                p.created_at = row.created_at, p.model_version = row.model_version,
                p.inputs_version = row.inputs_version, p.mastery_at = row.mastery_at,
                p.curriculum_at = row.curriculum_at, p.transfer_version = row.transfer_version,
                p.placement = row.placement
MERGE (l)-[:HAS_PLAN]->(p)
WITH p, row
CALL (p, row) {
  UNWIND row.tasks AS item
  MATCH (t:Task {id: item.task_id})
  MERGE (p)-[i:INCLUDES]->(t)
  SET i.rank = item.rank, i.reason = item.reason, i.concept_id = item.concept_id,
      i.predicted_success = item.predicted_success, i.purpose = item.purpose,
      i.task_title = item.task_title, i.concept_name = item.concept_name
}
RETURN count(p) AS plans
