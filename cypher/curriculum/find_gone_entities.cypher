// Which of the given concept and task ids no longer exist. Asked by a whole-curriculum read
// (curriculum.store.read_curriculum_rows), in its transaction and after its reads, of the rows it read with
// a null where a stored node has a value: reads take no locks, so a node deleted while a statement read it
// gave its remaining properties (its id, even) as null; a statement after that read sees the delete.
// Parameters: $concept_ids, $task_ids (lists of strings). Returns one row: concepts, tasks (the ids gone). Read.
RETURN [id IN $concept_ids WHERE NOT EXISTS { MATCH (:Concept {id: id}) }] AS concepts,
       [id IN $task_ids WHERE NOT EXISTS { MATCH (:Task {id: id}) }] AS tasks
