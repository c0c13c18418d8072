// Whether a learner is a member of one of $class_ids, for a teacher key scoped to those classes: read on
// every request, so a roster change applies at once. Starts from the learner (id index) and reads only its
// own HAS_MEMBER relationships, whatever the size of the classes.
// Parameters: $learner_id (string), $class_ids (list of strings). Returns: class_id (one of the learner's
// classes among $class_ids); no row when none (or no such learner). Read.
MATCH (l:Learner {id: $learner_id})<-[:HAS_MEMBER]-(c:Class)
WHERE c.id IN $class_ids
RETURN c.id AS class_id
LIMIT 1
