// One curriculum by id. Parameters: $id. Returns: curriculum (map; no row when unknown). Read.
// A missing updated_at reads as created_at (a row never changed since it was created).
MATCH (cur:Curriculum {id: $id})
RETURN cur {.id, .name, .description, .created_at, updated_at: coalesce(cur.updated_at, cur.created_at)} AS curriculum
