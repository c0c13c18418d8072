// The curricula the given tasks belong to, read without locks: a task never changes curriculum, so the
// answer cannot go stale before the caller locks those curricula (curriculum/lock_curricula).
// Parameters: $ids (list of task ids). Returns: curriculum_id, one row per distinct curriculum. Read.
UNWIND $ids AS id
MATCH (t:Task {id: id})
RETURN DISTINCT t.curriculum_id AS curriculum_id
