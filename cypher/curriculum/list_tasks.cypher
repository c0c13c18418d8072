// One page of a curriculum's tasks ordered by id, with the number of all matches; $concept_id
// (null for any) keeps the tasks exercising that concept, $text (null for any) those whose title or id
// holds it (any case). Parameters: $curriculum_id, $concept_id, $text, $offset, $limit.
// Returns: total (count), items (list of task maps). Read.
// A missing updated_at reads as created_at (a row never changed since it was created).
MATCH (t:Task {curriculum_id: $curriculum_id})
WHERE ($concept_id IS NULL OR EXISTS { (t)-[:EXERCISES]->(:Concept {id: $concept_id}) })
  AND ($text IS NULL OR toLower(t.title) CONTAINS toLower($text) OR toLower(t.id) CONTAINS toLower($text))
WITH t ORDER BY t.id
WITH collect(t) AS matches
RETURN size(matches) AS total,
       [t IN matches[$offset..($offset + $limit)] |
        t {.id, .curriculum_id, .title, .kind, .difficulty, .estimated_minutes, .version, .created_at,
           updated_at: coalesce(t.updated_at, t.created_at), concepts: [(t)-[:EXERCISES]->(c:Concept) | c.id]}] AS items
