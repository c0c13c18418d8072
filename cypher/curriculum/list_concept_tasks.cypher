// One page of the tasks exercising one concept of a curriculum, ordered by id, with the number of all matches:
// `list_tasks` for a given $concept_id, starting at the concept (its tasks' db hits, where list_tasks walked
// every task of the curriculum: 40,524 db hits for 3 tasks of a 9,000-task curriculum; a review, 6 December
// 2026). $text (null for any) keeps those whose title or id holds it (any case).
// Parameters: $curriculum_id, $concept_id, $text, $offset, $limit.
// Returns: total (count), items (list of task maps). Read.
// A missing updated_at reads as created_at (a row never changed since it was created).
// The hint: left to itself the planner scanned the curriculum_id index of Task, every task of the curriculum.
MATCH (c:Concept {id: $concept_id})<-[:EXERCISES]-(t:Task) USING INDEX SEEK c:Concept(id)
WHERE t.curriculum_id = $curriculum_id
  AND ($text IS NULL OR toLower(t.title) CONTAINS toLower($text) OR toLower(t.id) CONTAINS toLower($text))
WITH DISTINCT t ORDER BY t.id
WITH collect(t) AS matches
RETURN size(matches) AS total,
       [t IN matches[$offset..($offset + $limit)] |
        t {.id, .curriculum_id, .title, .kind, .difficulty, .estimated_minutes, .version, .created_at,
           updated_at: coalesce(t.updated_at, t.created_at), concepts: [(t)-[:EXERCISES]->(c:Concept) | c.id]}] AS items
