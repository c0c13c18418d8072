// Test check: when each of a learner's MASTERY relationships was last written.
// Parameters: $learner_id (string). Returns: concept_id, updated_at (datetime). Read.
MATCH (:Learner {id: $learner_id})-[m:MASTERY]->(c:Concept)
RETURN c.id AS concept_id, m.updated_at AS updated_at
