// After a full replay of some learners, removes their MASTERY relationships the replay no longer
// produces (e.g. a concept only raised by a transfer edge that is gone).
// Parameters: $learners (list of {learner_id, concept_ids (the concepts to keep)}).
// Returns: deleted (count). Write.
UNWIND $learners AS row
MATCH (:Learner {id: row.learner_id})-[m:MASTERY]->(c:Concept)
WHERE NOT c.id IN row.concept_ids
DELETE m
RETURN count(m) AS deleted
