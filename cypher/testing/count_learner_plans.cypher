// How many stored plans each given learner has, for checks of on-demand recomputation.
// Parameters: $learner_ids (list of strings). Returns: learner_id, plans (count). Read.
UNWIND $learner_ids AS learner_id
MATCH (l:Learner {id: learner_id})
RETURN learner_id, COUNT { (l)-[:HAS_PLAN]->(:Plan) } AS plans
