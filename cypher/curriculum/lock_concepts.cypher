// Takes write locks on several concepts in id order (one order for every writer avoids deadlocks),
// then reads them; used before creating edges or task links so concurrent deletes cannot interleave.
// Parameters: $ids (list). Returns: id, curriculum_id, one row per concept that exists. Write.
// Run after curriculum/lock_curricula has locked the owning curriculum (one lock order for all writers).
UNWIND $ids AS id
MATCH (c:Concept {id: id})
WITH c ORDER BY c.id
SET c._lock = true
REMOVE c._lock
RETURN c.id AS id, c.curriculum_id AS curriculum_id
