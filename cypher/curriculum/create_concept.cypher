// Creates a concept inside its curriculum at version 1, or, for an id deleted before, at the version after
// the deleted concept's last (its RetiredId, then removed): an ETag of the old concept never matches.
// Parameters: $curriculum_id, $props (map: id, name, description, tags, difficulty). Returns: concept
// (map; no row when the curriculum is unknown). Write.
MATCH (cur:Curriculum {id: $curriculum_id})
OPTIONAL MATCH (gone:RetiredId {key: 'concept:' + $props.id})
CREATE (cur)-[:CONTAINS]->(c:Concept)
SET c = $props, c.curriculum_id = $curriculum_id, c.version = coalesce(gone.version, 0) + 1,
    c.created_at = datetime(), c.updated_at = datetime()
FOREACH (r IN CASE WHEN gone IS NULL THEN [] ELSE [gone] END | DELETE r)
RETURN c {.id, .curriculum_id, .name, .description, .tags, .difficulty, .version, .created_at, .updated_at}
       AS concept
