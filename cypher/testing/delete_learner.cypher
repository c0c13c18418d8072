// Tests only: deletes one learner node with their relationships, leaving their answers (the API's erase is
// mastery/erase_learner). Parameters:
// $learner_id (string). Returns: deleted (count). Write. Not for production.
MATCH (l:Learner {id: $learner_id})
DETACH DELETE l
RETURN count(*) AS deleted
