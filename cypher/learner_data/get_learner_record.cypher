// Everything stored about a learner except their answers (those are paged: learner_data/get_answer_page),
// for the export of a data-access request: the learner node's own properties, their goals, interests,
// MASTERY relationships, stored plans with their tasks, the classes whose rosters hold them, and the roster
// changes that added or removed them (classes' audit trails). This is what mastery/erase_learner deletes
// besides the answers (the learner node with its relationships, and its plans); keep the two in step.
// Parameters: $learner_id (string). Returns one row when the learner exists (none when unknown):
// learner (map of the Learner's properties), goals (concept ids), interests (tag names), mastery (list of
// maps: concept_id and the relationship's properties), plans (list of maps: the Plan's properties and
// tasks, a list of {task_id, rank, reason, concept_id, predicted_success, purpose} in rank order), classes
// (list of maps: class_id, name (the class's; null: none), added_at), roster_changes (list of maps: class_id, at, action, change: 'added'
// or 'removed'), in stable orders (concept id, tag, plan creation time, class id, change time). Read.
MATCH (l:Learner {id: $learner_id})
CALL (l) {
  OPTIONAL MATCH (l)-[:HAS_GOAL]->(g:Concept)
  WITH g ORDER BY g.id
  RETURN collect(g.id) AS goals
}
CALL (l) {
  OPTIONAL MATCH (l)-[:INTERESTED_IN]->(t:Tag)
  WITH t ORDER BY t.name
  RETURN collect(t.name) AS interests
}
CALL (l) {
  OPTIONAL MATCH (l)-[m:MASTERY]->(c:Concept)
  WITH m, c ORDER BY c.id
  RETURN collect(m {.*, concept_id: c.id}) AS mastery
}
CALL (l) {
  OPTIONAL MATCH (l)-[:HAS_PLAN]->(p:Plan)
  WITH p ORDER BY p.created_at, p.id
  CALL (p) {
    OPTIONAL MATCH (p)-[i:INCLUDES]->(t:Task)
    WITH i, t ORDER BY i.rank
    RETURN collect(i {.rank, .reason, .concept_id, .predicted_success, .purpose, task_id: t.id}) AS tasks
  }
  RETURN collect(p {.*, tasks: tasks}) AS plans
}
CALL (l) {
  OPTIONAL MATCH (l)<-[m:HAS_MEMBER]-(c:Class)
  WITH m, c ORDER BY c.id
  RETURN collect(m {class_id: c.id, name: c.name, .added_at}) AS classes
}
CALL (l) {
  CALL (l) {
    MATCH (l)<-[:ROSTER_ADDED]-(r:RosterChange)
    RETURN r, 'added' AS change
    UNION ALL
    MATCH (l)<-[:ROSTER_REMOVED]-(r:RosterChange)
    RETURN r, 'removed' AS change
  }
  WITH r, change ORDER BY r.at, r.id
  RETURN collect(r {.class_id, .at, .action, change: change}) AS roster_changes
}
RETURN l {.*} AS learner, goals, interests, mastery, plans, classes, roster_changes
