// One page of a curriculum's concepts ordered by name then id, with the number of all matches.
// Filters: $text (case-insensitive substring of name or id; null for any), $tags (every one must be
// on the concept; empty for any). Parameters: $curriculum_id, $text, $tags, $offset, $limit.
// Returns: total (count of matches), items (list of concept maps). Read.
// A missing updated_at reads as created_at (a row never changed since it was created).
MATCH (:Curriculum {id: $curriculum_id})-[:CONTAINS]->(c:Concept)
WHERE ($text IS NULL OR toLower(c.name) CONTAINS toLower($text) OR toLower(c.id) CONTAINS toLower($text))
  AND all(tag IN $tags WHERE tag IN c.tags)
WITH c ORDER BY c.name, c.id
WITH collect(c) AS matches
RETURN size(matches) AS total,
       [c IN matches[$offset..($offset + $limit)] |
        c {.id, .curriculum_id, .name, .description, .tags, .difficulty, .version, .created_at,
           updated_at: coalesce(c.updated_at, c.created_at)}]
       AS items
