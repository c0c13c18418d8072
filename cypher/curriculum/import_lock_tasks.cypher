// Takes write locks on every task of a curriculum, in id order, at the start of an import's write
// transaction (after its concepts), so a designer's concurrent task edit cannot interleave with the
// import's compare-then-write of the same task. Parameters: $curriculum_id. Returns: locked (count). Write.
MATCH (t:Task {curriculum_id: $curriculum_id})
WITH t ORDER BY t.id
SET t._lock = true
REMOVE t._lock
RETURN count(t) AS locked
