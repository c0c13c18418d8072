// The structure of curricula as a learner's feedback report shows it, read when the API holds none for
// their current stamps (mastery/report_structure.py; mastery/get_report_learner reads the stamps).
// Parameters: $curriculum_ids (list of strings). Returns one row per curriculum found: curriculum_id,
// concepts (one list per concept it holds, in concept id order: concept_id, name, curriculum_id (the
// concept's property), prerequisites (the ids of its direct prerequisites, in id order), has_tasks (bool:
// some task exercises it), tags (a list)). Read.
UNWIND $curriculum_ids AS curriculum_id
MATCH (cur:Curriculum {id: curriculum_id})
CALL (cur) {
  MATCH (cur)-[:CONTAINS]->(c:Concept)
  WITH DISTINCT c ORDER BY c.id
  RETURN collect([c.id, c.name, c.curriculum_id,
                  COLLECT { MATCH (p:Concept)-[:PREREQUISITE_OF]->(c) RETURN DISTINCT p.id AS id ORDER BY id },
                  EXISTS { (:Task)-[:EXERCISES]->(c) }, coalesce(c.tags, [])]) AS concepts
}
RETURN cur.id AS curriculum_id, concepts
