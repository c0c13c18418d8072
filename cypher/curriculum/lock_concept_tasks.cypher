// Takes write locks, in id order, on the tasks that exercise one concept, before a cascade delete reads
// them (curriculum/inspect_concept_links): a task edit that changes only a title locks the task and not
// its concepts, so without this the delete could audit (and bump from) a task version that a concurrent
// edit has just replaced. Run after curriculum/lock_concept. Parameters: $id (concept id).
// Returns: locked (count). Write.
MATCH (t:Task)-[:EXERCISES]->(:Concept {id: $id})
WITH DISTINCT t ORDER BY t.id
SET t._lock = true
REMOVE t._lock
RETURN count(t) AS locked
