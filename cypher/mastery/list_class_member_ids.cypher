// The ids of the members of $class_ids, each once however many of the classes hold them, for a teacher
// key scoped to classes (`MasteryStore.list_learners`): the caller picks the page by code point in Python.
// Not here: Neo4j 5.26 compares a stored string with a parameter by UTF-16 units but sorts stored strings
// by code point, so `l.id >= $start ... ORDER BY l.id` skipped ids past U+FFFF when paging one at a time
// ("z\U00010000" after the cursor "z\uffff", 4 December 2026). Starts from the classes (a seek of the
// Class id index, V0014) and reads only their HAS_MEMBER relationships: its cost is the classes' sizes,
// not the platform's learners (bench/bench_class_list.py).
// Parameters: $class_ids (list of strings). Returns one row: learner_ids (list of strings). Read.
MATCH (c:Class)-[:HAS_MEMBER]->(l:Learner)
USING INDEX c:Class(id)
WHERE c.id IN $class_ids
RETURN collect(DISTINCT l.id) AS learner_ids
