// Takes write locks on every concept of a curriculum, in id order (the order every writer uses), at the
// start of an import's write transaction. Edits of those concepts and edges between them wait until
// the import commits, so the import's in-transaction cycle re-check cannot be outrun by a designer.
// Parameters: $curriculum_id. Returns: ids (the curriculum's concept ids, as now locked; one row). Write.
MATCH (:Curriculum {id: $curriculum_id})-[:CONTAINS]->(c:Concept)
WITH c ORDER BY c.id
SET c._lock = true
REMOVE c._lock
RETURN collect(c.id) AS ids
