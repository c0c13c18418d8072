// Tests only: deletes one learner with their relationships (no API deletes learners). Parameters:
// $learner_id (string). Returns: deleted (count). Write. Not for production.
MATCH (l:Learner {id: $learner_id})
DETACH DELETE l
RETURN count(*) AS deleted
