// Benchmark set-up: new learners with the given ids (CREATE: the caller's ids are fresh).
// Parameters: $ids (list of string), $now (datetime). Returns: created (count). Write. Benchmarks only.
UNWIND $ids AS id
CREATE (l:Learner {id: id, created_at: $now, updated_at: $now})
RETURN count(l) AS created
