// Every curriculum with its concept count, by id. Parameters: none.
// Returns: curriculum (map), concepts (count). Read.
MATCH (cur:Curriculum)
RETURN cur {.id, .name, .description, .created_at, .updated_at} AS curriculum,
       COUNT { (cur)-[:CONTAINS]->(:Concept) } AS concepts
ORDER BY cur.id
