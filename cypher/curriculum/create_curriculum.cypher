// Creates a curriculum (the caller has checked the id is free; the constraint backs it up).
// Parameters: $id, $name, $description. Returns: curriculum (map). Write.
CREATE (cur:Curriculum {id: $id, name: $name, description: $description,
                        created_at: datetime(), updated_at: datetime()})
RETURN cur {.id, .name, .description, .created_at, .updated_at} AS curriculum
