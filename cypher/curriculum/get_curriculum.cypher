// One curriculum by id. Parameters: $id. Returns: curriculum (map; no row when unknown). Read.
MATCH (cur:Curriculum {id: $id})
RETURN cur {.id, .name, .description, .created_at, .updated_at} AS curriculum
