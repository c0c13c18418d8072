// Takes the write lock on one concept, then reads it: whatever this transaction decides from the
// returned version stays true until it commits, so two writers cannot both pass a version check
// (Neo4j reads without locks; setting and removing a dummy property is the documented way to lock first).
// Parameters: $id. Returns: concept (map; no row when unknown), link_changes (the last changes of its links
// that moved its version, each "<version> <what>"; see bump_concept_links). Write.
// A missing updated_at reads as created_at (a row never changed since it was created).
// Run after curriculum/lock_curricula has locked the owning curriculum (one lock order for all writers).
MATCH (c:Concept {id: $id})
SET c._lock = true
REMOVE c._lock
RETURN c {.id, .curriculum_id, .name, .description, .tags, .difficulty, .version, .created_at,
           updated_at: coalesce(c.updated_at, c.created_at)}
       AS concept,
       coalesce(c.link_changes, []) AS link_changes
