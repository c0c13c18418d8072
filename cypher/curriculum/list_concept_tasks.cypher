// One page of the tasks exercising one concept of a curriculum, ordered by id, with the number of all matches:
// `list_tasks` for a given $concept_id, starting at the concept (its tasks' db hits, where list_tasks walked
// every task of the curriculum: 40,524 db hits for 3 tasks of a 9,000-task curriculum; a review, 6 December
// 2026). $text (null for any) keeps those whose title or id holds it (any case).
// Parameters: $curriculum_id, $concept_id, $text, $offset, $limit.
// Returns: total (count), items (list of task maps). Read.
// A missing updated_at reads as created_at (a row never changed since it was created).
// The tasks are the concept's neighbours, gathered by a pattern whose far node has no label or property to
// seek by, and only then filtered: a MATCH naming (t:Task) with its curriculum_id let the planner start from
// the Task index (every task of the curriculum), which it did with an index hint too once its statistics
// or a plan cached on a small graph favoured it (4,245 db hits for 2 tasks in a CI run, 6 December 2026).
MATCH (c:Concept {id: $concept_id})
UNWIND [(c)<-[:EXERCISES]-(t) | t] AS t
WITH t
WHERE t:Task AND t.curriculum_id = $curriculum_id
  AND ($text IS NULL OR toLower(t.title) CONTAINS toLower($text) OR toLower(t.id) CONTAINS toLower($text))
WITH DISTINCT t ORDER BY t.id
WITH collect(t) AS matches
RETURN size(matches) AS total,
       [t IN matches[$offset..($offset + $limit)] |
        t {.id, .curriculum_id, .title, .kind, .difficulty, .estimated_minutes, .version, .created_at,
           updated_at: coalesce(t.updated_at, t.created_at), concepts: [(t)-[:EXERCISES]->(c:Concept) | c.id]}] AS items
