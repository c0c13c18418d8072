// Which of the given concept and task ids no longer exist. Asked by the reads of concepts and tasks
// (curriculum.store.whole_rows: single, paged and whole-curriculum), in their transaction and after their
// statement, of the rows read with a null where a stored node has a value: reads take no locks, so a node
// deleted while a statement read it gave its remaining properties (its id, even) as null; a statement
// after that read sees the delete.
// Parameters: $concept_ids, $task_ids (lists of strings). Returns one row: concepts, tasks (the ids gone). Read.
RETURN [id IN $concept_ids WHERE NOT EXISTS { MATCH (:Concept {id: id}) }] AS concepts,
       [id IN $task_ids WHERE NOT EXISTS { MATCH (:Task {id: id}) }] AS tasks
