// Benchmark clean-up: deletes up to $limit MASTERY relationships, so that a wipe after a million answers
// never holds hundreds of thousands of them in one transaction's state (the learners' DETACH DELETE did,
// and ran out of transaction memory).
// Parameters: $limit (int). Returns: deleted (count). Write. Benchmarks only.
MATCH (:Learner)-[m:MASTERY]->(:Concept)
WITH m LIMIT $limit
DELETE m
RETURN count(*) AS deleted
