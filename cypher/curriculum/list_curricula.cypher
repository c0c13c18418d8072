// Every curriculum with its concept count, by id. Parameters: none.
// Returns: curriculum (map), concepts (count). Read.
// A missing updated_at reads as created_at (a row never changed since it was created).
MATCH (cur:Curriculum)
RETURN cur {.id, .name, .description, .created_at, updated_at: coalesce(cur.updated_at, cur.created_at)} AS curriculum,
       COUNT { (cur)-[:CONTAINS]->(:Concept) } AS concepts
ORDER BY cur.id
