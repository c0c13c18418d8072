// Writes a concept's new field values and bumps its version; run after lock_concept checked the
// version in the same transaction. Parameters: $id, $props (map: name, description, tags,
// difficulty; a null removes the property). Returns: concept (map). Write.
MATCH (c:Concept {id: $id})
SET c += $props, c.version = c.version + 1, c.updated_at = datetime()
RETURN c {.id, .curriculum_id, .name, .description, .tags, .difficulty, .version, .created_at, .updated_at}
       AS concept
