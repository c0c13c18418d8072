// The curricula the given concepts belong to, read without locks. A concept never changes curriculum, but it
// can be deleted and created again under its id in another one before the caller's locks, so the caller
// reads this again once it holds them (curriculum/store.py's lock_owning_curricula).
// Parameters: $ids (list of concept ids). Returns: curriculum_id, one row per distinct curriculum. Read.
UNWIND $ids AS id
MATCH (c:Concept {id: id})
RETURN DISTINCT c.curriculum_id AS curriculum_id
