// The curricula the given concepts belong to, read without locks: a concept never changes curriculum,
// so the answer cannot go stale before the caller locks those curricula (curriculum/lock_curricula).
// Parameters: $ids (list of concept ids). Returns: curriculum_id, one row per distinct curriculum. Read.
UNWIND $ids AS id
MATCH (c:Concept {id: id})
RETURN DISTINCT c.curriculum_id AS curriculum_id
